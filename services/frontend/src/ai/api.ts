import { useMutation, useQuery } from "@tanstack/react-query";
import { unwrap, type Api } from "../api/client";
import { toApiError } from "../api/problem";
import type { Schemas } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { readSse } from "./sse";

export type SearchHit = Schemas["SearchHit"];
export type SearchResponse = Schemas["SearchResponse"];
export type Citation = Schemas["Citation"];
export type Step = Schemas["StepEvent"];
export type StoredMessage = Schemas["StoredMessage"];
export type Conversation = Schemas["Conversation"];
export type Mode = "llm" | "local";
export type Rating = "up" | "down";

/** What one answer streams (pulse_backend.agent.models; `token` and `done`
 * are not in the OpenAPI document because no route returns them as JSON). */
export type AgentEvent =
  | { event: "step"; data: Step }
  | { event: "token"; data: { text: string } }
  | { event: "citation"; data: Citation }
  | { event: "done"; data: { message_id: string; mode: Mode; provider: string | null } };

const KNOWN = new Set(["step", "token", "citation", "done"]);

export function useSearch(q: string) {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["search", q],
    queryFn: () => unwrap(api.GET("/api/v1/search", { params: { query: { q, limit: 30 } } })),
    enabled: q.trim() !== "",
    // A search is a question about now: no stale answers from a minute ago.
    staleTime: 0,
  });
}

export async function createConversation(api: Api): Promise<string> {
  return (await unwrap(api.POST("/api/v1/assistant/conversations"))).id;
}

export function useConversation(id: string | null) {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["conversation", id],
    queryFn: () =>
      unwrap(api.GET("/api/v1/assistant/conversations/{conversation_id}", { params: { path: { conversation_id: id ?? "" } } })),
    enabled: id !== null,
    // The page keeps the live transcript itself; this is only the reload's history.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}

/**
 * Posts a question and yields the answer's events as they arrive. It goes
 * through the generated client's fetch, so the access token (and its
 * refresh-and-replay on expiry) is the same as for every other call.
 */
export async function* ask(api: Api, conversationId: string, content: string, signal?: AbortSignal): AsyncGenerator<AgentEvent> {
  const { data, error, response } = await api.POST("/api/v1/assistant/conversations/{conversation_id}/messages", {
    params: { path: { conversation_id: conversationId } },
    body: { content },
    parseAs: "stream",
    signal,
  });
  if (!response.ok || error !== undefined) throw toApiError(response, error);
  if (!data) throw toApiError(response, "the answer arrived without a body");
  for await (const msg of readSse(data)) {
    if (!KNOWN.has(msg.event)) continue; // a newer server's extra event: not ours to show
    yield { event: msg.event, data: JSON.parse(msg.data) } as AgentEvent;
  }
}

export function useFeedback() {
  const { api } = useAuth();
  return useMutation({
    mutationFn: ({ messageId, rating, correction }: { messageId: string; rating: Rating; correction?: string }) =>
      unwrap(
        api.POST("/api/v1/assistant/messages/{message_id}/feedback", {
          params: { path: { message_id: messageId } },
          body: correction ? { rating, correction } : { rating },
        }),
      ),
  });
}
