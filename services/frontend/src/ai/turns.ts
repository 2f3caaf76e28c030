import type { AgentEvent, Citation, Mode, Step, StoredMessage } from "./api";

/** One message of the transcript as the page shows it, live or from history. */
export interface Turn {
  key: string;
  role: "user" | "assistant";
  content: string;
  steps: Step[];
  citations: Citation[];
  mode: Mode | null;
  provider: string | null;
  messageId: string | null; // set once the answer is stored (`done`): feedback needs it
  streaming: boolean;
  error: unknown;
}

export function fromStored(m: StoredMessage): Turn {
  return {
    key: m.id,
    role: m.role,
    content: m.content,
    steps: m.steps ?? [],
    citations: m.citations ?? [],
    mode: m.mode ?? null,
    provider: m.provider ?? null,
    messageId: m.role === "assistant" ? m.id : null,
    streaming: false,
    error: null,
  };
}

export function blank(key: string, role: Turn["role"], content = ""): Turn {
  return { key, role, content, steps: [], citations: [], mode: null, provider: null, messageId: null, streaming: role === "assistant", error: null };
}

/** The answer being streamed, after one more event. */
export function apply(turn: Turn, ev: AgentEvent): Turn {
  switch (ev.event) {
    case "step":
      return { ...turn, steps: [...turn.steps, ev.data] };
    case "token":
      return { ...turn, content: turn.content + ev.data.text };
    case "citation":
      // A row cited by two tools is one link.
      if (turn.citations.some((c) => c.type === ev.data.type && c.id === ev.data.id)) return turn;
      return { ...turn, citations: [...turn.citations, ev.data] };
    case "done":
      return { ...turn, mode: ev.data.mode, provider: ev.data.provider, messageId: ev.data.message_id, streaming: false };
  }
}
