import { useEffect, useRef, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { useAuth } from "../auth/AuthContext";
import { Button } from "../components/Button";
import { ErrorState, Loading } from "../components/States";
import { Answer } from "./Answer";
import { ask, createConversation, useConversation } from "./api";
import { apply, blank, fromStored, type Turn } from "./turns";
import "./ai.css";

// The id survives a reload in the URL (?c=) and, for a visit to /assistant
// from the menu, in this tab's sessionStorage; the transcript itself is the
// server's (GET .../conversations/{id}).
const STORE_KEY = "pulse.assistant.conversation";

function storedId(): string | null {
  try {
    return sessionStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

function remember(id: string | null) {
  try {
    if (id) sessionStorage.setItem(STORE_KEY, id);
    else sessionStorage.removeItem(STORE_KEY);
  } catch {
    // storage disabled: the URL still carries the id
  }
}

function Question({ turn }: { turn: Turn }) {
  return (
    // "You asked", not "Your question": that names the box below, and two
    // things with one name cannot be told apart by a screen reader's list.
    <article className="turn turn-user" aria-label="You asked">
      {turn.content}
    </article>
  );
}

export function AssistantPage() {
  const { api } = useAuth();
  const [params, setParams] = useSearchParams();
  const id = params.get("c") ?? storedId();
  const history = useConversation(id);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  // A reload (or another id in the URL): the transcript comes from the server once.
  if (history.data && loadedFor !== history.data.id && !busy) {
    setLoadedFor(history.data.id);
    setTurns((history.data.messages ?? []).map(fromStored));
  }

  const startOver = () => {
    abort.current?.abort();
    remember(null);
    setTurns([]);
    setLoadedFor(null);
    setParams({});
  };

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const content = draft.trim();
    if (!content || busy) return;
    setBusy(true);
    const n = Date.now();
    const answerKey = `a-${n}`;
    setTurns((t) => [...t, blank(`q-${n}`, "user", content), blank(answerKey, "assistant")]);
    setDraft("");
    const update = (f: (t: Turn) => Turn) => setTurns((ts) => ts.map((t) => (t.key === answerKey ? f(t) : t)));
    const controller = new AbortController();
    abort.current = controller;
    try {
      let conv = id;
      if (!conv || history.isError) {
        conv = await createConversation(api);
        setLoadedFor(conv);
        remember(conv);
        setParams({ c: conv }, { replace: true });
      }
      for await (const ev of ask(api, conv, content, controller.signal)) update((t) => apply(t, ev));
      update((t) => ({ ...t, streaming: false }));
    } catch (error) {
      if (!controller.signal.aborted) update((t) => ({ ...t, streaming: false, error }));
    } finally {
      setBusy(false);
    }
  };

  const gone = history.isError && turns.length === 0;
  return (
    <>
      <div className="page-head">
        <h1>Assistant</h1>
        {(turns.length > 0 || gone) && (
          <button type="button" className="btn" onClick={startOver}>
            New conversation
          </button>
        )}
      </div>
      <p className="muted">Ask about delivery, incidents, pull requests or work items. Answers cite the rows they used.</p>
      {id && history.isPending && <Loading label="Loading the conversation…" />}
      {gone && <ErrorState error={history.error} />}
      <div className="transcript" aria-live="polite">
        {turns.map((t) => (t.role === "user" ? <Question key={t.key} turn={t} /> : <Answer key={t.key} turn={t} />))}
      </div>
      <form className="ask-form" onSubmit={(e) => void send(e)}>
        <label htmlFor="ask-q" className="sr-only">
          Your question
        </label>
        <textarea
          id="ask-q"
          rows={2}
          maxLength={4000}
          value={draft}
          placeholder="e.g. Which repositories cause the most incidents?"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            // Enter sends, Shift+Enter starts a new line (as in most chat boxes).
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <Button type="submit" className="btn btn-primary" unavailable={busy || !draft.trim()}>
          {busy ? "Answering…" : "Ask"}
        </Button>
      </form>
    </>
  );
}
