import { Fragment, useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { formErrors } from "../api/fieldErrors";
import { Button } from "../components/Button";
import { useCan } from "../auth/AuthContext";
import { FormError } from "../components/States";
import { useFeedback, type Rating } from "./api";
import { feedbackSaved, REVIEWER } from "./corrections";
import { answerBlocks, answerRuns } from "./answerText";
import type { Turn } from "./turns";

const CITATION_LABEL: Record<string, string> = {
  repository: "Repository",
  pr: "Pull request",
  work_item: "Work item",
  incident: "Incident",
  deployment: "Deployment",
};

/** An item of an `ol.numbered`: its number drawn in a column of its own
 * (the browser's outside markers put "10." and beyond left of the text column). */
function Numbered({ n, children }: { n: number; children: ReactNode }) {
  return (
    <li>
      <span className="item-n">{n}.</span>
      <span className="item-text">{children}</span>
    </li>
  );
}

function Feedback({ messageId }: { messageId: string }) {
  const feedback = useFeedback();
  const [rating, setRating] = useState<Rating | null>(null);
  const [correction, setCorrection] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  // A member's correction waits for a reviewer: the message says whom it
  // steers, from the answer's `review`; the permission only if it lacks one.
  const reviewer = useCan(REVIEWER);
  const send = (r: Rating, text?: string) => {
    setRating(r);
    feedback.mutate({ messageId, rating: r, correction: text?.trim() || undefined }, { onSuccess: (out) => setSaved(feedbackSaved(Boolean(text?.trim()), reviewer, out.review)) });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (correction.trim()) send("down", correction);
  };
  const id = `correction-${messageId}`;
  // A refused correction is worded under its box (the API's words for the
  // field), not as the summary "invalid value for: correction".
  const { fields, form } = formErrors(feedback.error, rating === "down" ? ["correction"] : []);
  const invalid = fields.correction;
  return (
    <div className="feedback">
      <div className="feedback-thumbs" role="group" aria-label="Was this answer useful?">
        <Button className="btn" aria-pressed={rating === "up"} unavailable={feedback.isPending} onClick={() => send("up")}>
          {/* Words, not emoji: a machine without an emoji font shows empty boxes. */}
          Good answer
        </Button>
        <Button className="btn" aria-pressed={rating === "down"} unavailable={feedback.isPending} onClick={() => send("down")}>
          Bad answer
        </Button>
        {saved && (
          <span className="feedback-saved" role="status">
            {saved}
          </span>
        )}
      </div>
      {rating === "down" && (
        <form className="correction" onSubmit={submit}>
          <label htmlFor={id}>What should the answer have been?</label>
          <textarea id={id} rows={2} maxLength={4000} value={correction} aria-invalid={invalid ? true : undefined} aria-describedby={invalid ? `${id}-error` : undefined} onChange={(e) => setCorrection(e.target.value)} />
          {invalid && (
            <p id={`${id}-error`} className="field-error" role="alert">
              {invalid}
            </p>
          )}
          <Button type="submit" className="btn" unavailable={!correction.trim() || feedback.isPending}>
            Send correction
          </Button>
        </form>
      )}
      <FormError error={form} />
    </div>
  );
}

/** ``text`` with the app paths it points to as links in the app (same
 * tab, the router's navigation); the rest as text, never as HTML. */
function WithPaths({ text }: { text: string }) {
  return (
    <>
      {answerRuns(text).map((r, i) =>
        r.kind === "path" ? (
          <Link key={i} to={r.path}>
            {r.path}
          </Link>
        ) : (
          <Fragment key={i}>{r.text}</Fragment>
        ),
      )}
    </>
  );
}

export function Answer({ turn }: { turn: Turn }) {
  return (
    <article className="turn turn-assistant" aria-busy={turn.streaming} aria-label="Assistant's answer">
      {turn.steps.length > 0 && (
        <ol className="steps numbered" role="list" aria-label="Tools used">
          {turn.steps.map((s, i) => (
            <Numbered key={i} n={i + 1}>
              <code>{s.tool}</code> {s.summary}
            </Numbered>
          ))}
        </ol>
      )}
      <div className="answer-text">
        {answerBlocks(turn.content).map((b, i) =>
          b.kind === "list" ? (
            <ul key={i} className="answer-list">
              {b.items.map((item, j) => (
                <li key={j}>
                  <WithPaths text={item} />
                </li>
              ))}
            </ul>
          ) : (
            <span key={i}>
              <WithPaths text={b.text} />
            </span>
          ),
        )}
        {turn.streaming && <span className="caret" aria-hidden="true" />}
      </div>
      {turn.citations.length > 0 && (
        <div className="citations">
          {/* h2: the page's h1 is the only heading above an answer. */}
          <h2>Sources</h2>
          <ol className="numbered" role="list">
            {turn.citations.map((c, i) => (
              <Numbered key={`${c.type}-${c.id}`} n={i + 1}>
                <span className="muted">{CITATION_LABEL[c.type] ?? c.type}: </span>
                {c.url ? (
                  <a href={c.url} target="_blank" rel="noreferrer noopener">
                    {c.title}
                  </a>
                ) : (
                  c.title
                )}
              </Numbered>
            ))}
          </ol>
        </div>
      )}
      {turn.mode && (
        <p className="muted answer-mode" data-mode={turn.mode}>
          {turn.mode === "llm" ? `Answered by the AI model${turn.provider ? ` (${turn.provider})` : ""}` : "Answered in local mode (no AI model: built from your data by templates)"}
        </p>
      )}
      <FormError error={turn.error} />
      {turn.messageId && !turn.streaming && <Feedback messageId={turn.messageId} />}
    </article>
  );
}
