import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { makeApi } from "../api/client";
import { Session } from "../api/session";
import { AuthContext, type Auth } from "../auth/AuthContext";
import { AssistantPage } from "./AssistantPage";
import { SearchPage } from "./SearchPage";

type Handler = (req: Request) => Response | Promise<Response>;

function json(body: unknown, status = 200) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

function Where() {
  const l = useLocation();
  return <output data-testid="location">{l.pathname + l.search}</output>;
}
const location = () => screen.getByTestId("location").textContent;

function renderPage(path: string, element: React.ReactNode, handler: Handler) {
  const calls: Request[] = [];
  const session = new Session();
  const api = makeApi(session, () => {}, async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    calls.push(req.clone());
    return handler(req);
  });
  const auth = { api, status: "signed-in", session: session.current, user: null } as unknown as Auth;
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <AuthContext.Provider value={auth}>
        <MemoryRouter initialEntries={[path]}>
          <Where />
          <Routes>
            <Route path="*" element={element} />
          </Routes>
        </MemoryRouter>
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
  return calls;
}

/** A body that hands out its chunks only when told: the test sees each step of the stream. */
function controlledStream() {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctrl = c) });
  const enc = new TextEncoder();
  return {
    body,
    send: (event: string, data: unknown) => ctrl.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    close: () => ctrl.close(),
  };
}

describe("SearchPage", () => {
  it("groups results by type with links and why each matched, and says when full text answered", async () => {
    const calls = renderPage("/search?q=checkout", <SearchPage />, () =>
      json({
        mode: "fulltext",
        notice: "the vector store is unavailable: full-text results",
        results: [
          { type: "pull_request", id: 3, title: "Fix checkout", snippet: "retries the payment", score: 0.5, matched_by: "words", url: "https://github.com/a/b/pull/3", updated_at: null },
          { type: "work_item", id: 9, title: "PAY-1 Checkout crashes", snippet: "stack trace", score: 0.25, matched_by: "meaning", url: null, updated_at: null },
        ],
      }),
    );
    const prs = await screen.findByRole("region", { name: /Pull requests/ });
    expect(within(prs).getByRole("link", { name: "Fix checkout" })).toHaveAttribute("href", "https://github.com/a/b/pull/3");
    expect(within(prs).getByText("Matches your words")).toHaveAttribute("title", "relevance 0.500");
    expect(within(screen.getByRole("region", { name: /Work items/ })).getByText("Similar in meaning")).toBeInTheDocument();
    expect(screen.getByRole("region", { name: /Work items/ })).toHaveTextContent("PAY-1 Checkout crashes");
    expect(screen.getByRole("note")).toHaveTextContent("full-text results");
    expect(screen.getByText(/full-text search \(fallback\)/)).toBeInTheDocument();
    expect(new URL(calls[0]?.url ?? "").searchParams.get("q")).toBe("checkout");
  });

  it("says there are no results, and what to try, in the API's words", async () => {
    renderPage("/search?q=banana%20bread", <SearchPage />, () =>
      json({ mode: "semantic", notice: null, results: [], min_score: 0.3, no_results: { message: "No results for “banana bread”.", hint: "Try describing it in other words." } }),
    );
    expect(await screen.findByText("No results for “banana bread”.")).toBeInTheDocument();
    expect(screen.getByText("Try describing it in other words.")).toBeInTheDocument();
    expect(screen.getByText(/0 results/)).toBeInTheDocument();
    expect(screen.queryByRole("region")).toBeNull();
  });

  it("puts the query in the URL and shows the API's problem detail", async () => {
    renderPage("/search", <SearchPage />, () => json({ type: "about:blank", title: "x", status: 403, code: "permission_denied", detail: "role viewer lacks search:read" }, 403));
    await userEvent.type(screen.getByRole("searchbox"), "deploys{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("role viewer lacks search:read");
    expect(location()).toBe("/search?q=deploys");
  });
});

describe("AssistantPage", () => {
  it("streams the answer with its steps, citations and mode, then takes feedback", async () => {
    const s = controlledStream();
    const calls = renderPage("/assistant", <AssistantPage />, async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/api/v1/assistant/conversations") return json({ id: "c1" }, 201);
      if (path.endsWith("/messages")) return new Response(s.body, { headers: { "content-type": "text/event-stream" } });
      if (path.endsWith("/feedback")) return json({ memory_id: 1, message_id: "m1", rating: "down" }, 201);
      return json({ detail: "unexpected", code: "x" }, 500);
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Your question"), "Which repos break most?{Enter}");
    s.send("step", { tool: "incidents_by_repository", arguments: {}, summary: "2 repositories" });
    expect(await screen.findByText("2 repositories", { exact: false })).toBeInTheDocument();
    s.send("token", { text: "Most incidents: " });
    expect(await screen.findByText(/Most incidents:/)).toBeInTheDocument();
    // Still streaming: nothing to rate yet.
    expect(screen.queryByRole("button", { name: "Good answer" })).toBeNull();
    s.send("token", { text: "acme/api" });
    s.send("citation", { type: "repository", id: 4, title: "acme/api", url: "https://github.com/acme/api" });
    s.send("done", { message_id: "m1", mode: "local", provider: null });
    s.close();
    expect(await screen.findByRole("link", { name: "acme/api" })).toHaveAttribute("href", "https://github.com/acme/api");
    expect(screen.getByText(/Most incidents: acme\/api/)).toBeInTheDocument();
    expect(screen.getByText(/local mode/)).toBeInTheDocument();
    expect(location()).toBe("/assistant?c=c1");
    expect(sessionStorage.getItem("pulse.assistant.conversation")).toBe("c1");

    await user.click(screen.getByRole("button", { name: "Bad answer" }));
    await user.type(screen.getByLabelText("What should the answer have been?"), "count only production");
    await user.click(screen.getByRole("button", { name: "Send correction" }));
    expect(await screen.findByText(/Correction saved/)).toBeInTheDocument();
    const posted = calls.filter((c) => c.url.endsWith("/feedback"));
    expect(await posted.at(-1)?.json()).toEqual({ rating: "down", correction: "count only production" });
    const ask = calls.find((c) => c.url.endsWith("/messages"));
    expect(await ask?.json()).toEqual({ content: "Which repos break most?" });
    // Headings in order (h1, then the answer's h2) and distinct names for
    // the question shown and the box to ask in.
    expect(screen.getByRole("heading", { level: 2, name: "Sources" })).toBeInTheDocument();
    expect(screen.queryByRole("heading", { level: 3 })).toBeNull();
    expect(screen.getByRole("article", { name: "You asked" })).toHaveTextContent("Which repos break most?");
    expect(screen.getAllByLabelText("Your question")).toHaveLength(1);
  });

  /** Asks a question, answered "Daily.", and sends a correction to it; `feedback` answers the correction. */
  async function correctAnAnswer(feedback: () => Response) {
    const s = controlledStream();
    renderPage("/assistant", <AssistantPage />, async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/api/v1/assistant/conversations") return json({ id: "c1" }, 201);
      if (path.endsWith("/messages")) return new Response(s.body, { headers: { "content-type": "text/event-stream" } });
      if (path.endsWith("/feedback")) return feedback();
      return json({ detail: "unexpected", code: "x" }, 500);
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Your question"), "How often do we deploy?{Enter}");
    s.send("token", { text: "Daily." });
    s.send("done", { message_id: "m1", mode: "local", provider: null });
    s.close();
    await user.click(await screen.findByRole("button", { name: "Bad answer" }));
    await user.type(screen.getByLabelText("What should the answer have been?"), "count only production");
    await user.click(screen.getByRole("button", { name: "Send correction" }));
  }

  it("says whom a saved correction steers as the API's answer says, not as the session's permissions guess", async () => {
    // A session without integrations:write, whose correction the server
    // stored accepted (say: the permission was granted since sign-in).
    await correctAnAnswer(() => json({ memory_id: 1, message_id: "m1", rating: "down", review: "accepted" }, 201));
    expect(await screen.findByText("Correction saved: the assistant will use it next time.")).toBeInTheDocument();
  });

  it("words a refused correction under its box, not as 'invalid value for'", async () => {
    await correctAnAnswer(() =>
      json({ type: "about:blank", title: "Unprocessable", status: 422, code: "invalid_input", detail: "invalid value for: correction", errors: [{ field: "correction", message: "must not contain NUL characters" }] }, 422),
    );
    expect(await screen.findByText("must not contain NUL characters")).toBeInTheDocument();
    const box = screen.getByLabelText("What should the answer have been?");
    expect(box).toHaveAttribute("aria-invalid", "true");
    expect(box).toHaveAccessibleDescription("must not contain NUL characters");
    expect(screen.queryByText(/invalid value for/)).toBeNull();
  });

  it("shows the stored transcript of the conversation in the URL", async () => {
    renderPage("/assistant?c=c9", <AssistantPage />, () =>
      json({
        id: "c9",
        user_id: 1,
        created_at: "2026-01-01T00:00:00Z",
        messages: [
          { id: "u1", role: "user", content: "How often do we deploy?", created_at: "2026-01-01T00:00:00Z" },
          { id: "m2", role: "assistant", content: "Daily.", created_at: "2026-01-01T00:00:01Z", mode: "llm", provider: "gw", steps: [], citations: [] },
        ],
      }),
    );
    expect(await screen.findByText("Daily.")).toBeInTheDocument();
    expect(screen.getByText("How often do we deploy?")).toBeInTheDocument();
    expect(screen.getByText(/AI model \(gw\)/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Good answer" })).toBeInTheDocument();
  });
});
