import { useMemo, useState } from "react";
import { clip, DECISION, decidedCorrections, personOf, type Decision, type Memory } from "../../ai/corrections";
import { CORRECTIONS_LISTED, useDecideCorrection, useDecidedCorrections, usePendingCorrections } from "../../api/adminQueries";
import { useUsers } from "../../api/queries";
import { useCan } from "../../auth/AuthContext";
import { Button } from "../../components/Button";
import { FormError, Loading, QueryState } from "../../components/States";
import { Table } from "../../components/Table";
import { formatCount } from "../../format/numbers";
import { When } from "../../components/When";

type Announce = (note: string) => void;
type Emails = ReadonlyMap<number, string>;

/** Emails by user id; empty without `users:read` or when the list failed
 * (rows then name the id). Null while the list loads: rows drawn before it
 * arrives would show "User #2" and then change under the reader's eyes. */
function useEmails(): Emails | null {
  const allowed = useCan("users:read");
  const users = useUsers(allowed);
  const emails = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u.email])), [users.data]);
  return allowed && users.isPending ? null : emails;
}

/** The cells both lists open with: the question (the answer it corrects
 * folded under it: long, read when in doubt), the correction, its author. */
function EntryCells({ m, emails }: { m: Memory; emails: Emails }) {
  return (
    <>
      <td className="break" data-label="Question">
        <div>
          {m.user_intent}
          {m.original_answer && (
            <details className="corrected-answer">
              <summary>The answer it corrects</summary>
              <p>{m.original_answer}</p>
            </details>
          )}
        </div>
      </td>
      <td className="break" data-label="Correction">{m.corrected_answer}</td>
      <td data-label="Given by">{personOf(m.user_id, emails)}</td>
    </>
  );
}

/** Accept and/or Reject one correction. The row may leave its list once
 * decided (the lists are refetched), so the outcome is announced by the
 * page, and a refusal is shown here while the row stays. */
function DecideCell({ m, choices, announce }: { m: Memory; choices: Decision[]; announce: Announce }) {
  const decide = useDecideCorrection();
  const question = clip(m.user_intent);
  const press = (d: Decision) =>
    decide
      .mutateAsync({ id: m.id, accept: d === "accepted" })
      .then(() => announce(`${DECISION[d].past} the correction to “${question}”: ${DECISION[d].effect}.`))
      // Shown by FormError from decide.error.
      .catch(() => undefined);
  return (
    <td className="row-actions-cell">
      <div className="row-actions">
        {choices.map((d) => (
          <Button key={d} className={d === "accepted" ? "btn btn-primary" : "btn"} unavailable={decide.isPending} onClick={() => void press(d)}>
            {DECISION[d].verb}
            <span className="sr-only"> the correction to “{question}”</span>
          </Button>
        ))}
        <FormError error={decide.error} />
      </div>
    </td>
  );
}

function Pending({ emails, announce }: { emails: Emails; announce: Announce }) {
  const pending = usePendingCorrections();
  return (
    <section className="card" aria-labelledby="pending-heading">
      <h2 id="pending-heading">Waiting for review</h2>
      <p className="muted">Each applies to its author's own questions only, until accepted.</p>
      <QueryState query={pending} isEmpty={(l) => l.length === 0} empty="No corrections are waiting.">
        {(list) => (
          <Table label="Corrections waiting for review" caption="Corrections waiting for review, newest first" className="table-stack corrections-table" columns={["Question", "Correction", "Given by", "Given", ""]}>
            {list.map((m) => (
              <tr key={m.id}>
                <EntryCells m={m} emails={emails} />
                <td data-label="Given">
                  <When iso={m.created_at} />
                </td>
                <DecideCell m={m} choices={["accepted", "rejected"]} announce={announce} />
              </tr>
            ))}
          </Table>
        )}
      </QueryState>
    </section>
  );
}

function Decided({ emails, announce }: { emails: Emails; announce: Announce }) {
  const decided = useDecidedCorrections();
  return (
    <section className="card" aria-labelledby="decided-heading">
      <h2 id="decided-heading">Decided</h2>
      <p className="muted">
        Accepted ones apply to everyone's questions, rejected ones to nobody's. Your own corrections are accepted as you give them.
      </p>
      {/* Filtered here too: a server older than the `review` filter ignores it and lists every rating. */}
      <QueryState query={decided} isEmpty={(l) => decidedCorrections(l).length === 0} empty="No correction decided yet.">
        {(list) => (
          <Table label="Decided corrections" caption="Corrections accepted or rejected, newest given first" className="table-stack corrections-table" columns={["Question", "Correction", "Given by", "Decision", ""]}>
            {decidedCorrections(list).map((m) => (
              <tr key={m.id} data-review={m.review}>
                <EntryCells m={m} emails={emails} />
                <td data-label="Decision">
                  <div>
                    <span className={m.review === "accepted" ? "badge badge-good" : "badge badge-bad"}>{m.review === "accepted" ? "Accepted" : "Rejected"}</span>{" "}
                    by {personOf(m.reviewed_by, emails)}
                    <div className="muted">
                      <When iso={m.reviewed_at} />
                    </div>
                  </div>
                </td>
                {/* A reviewer may change their mind: the other decision. */}
                <DecideCell m={m} choices={[m.review === "accepted" ? "rejected" : "accepted"]} announce={announce} />
              </tr>
            ))}
          </Table>
        )}
      </QueryState>
      <OlderDecided decided={decided} />
    </section>
  );
}

/** How many decided corrections are listed, and older ones CORRECTIONS_LISTED
 * at a time: the list stopped at the latest 500 with no way to see the rest. */
function OlderDecided({ decided }: { decided: ReturnType<typeof useDecidedCorrections> }) {
  const n = decided.data?.length ?? 0;
  if (n < CORRECTIONS_LISTED) return null;
  return (
    <div className="pager pager-wrap">
      <span className="muted" role="status">
        {decided.hasNextPage ? `Showing the latest ${formatCount(n)} decided corrections.` : `Showing all ${formatCount(n)} decided corrections.`}
      </span>
      {decided.hasNextPage && (
        <Button className="btn" unavailable={decided.isFetchingNextPage} onClick={() => void decided.fetchNextPage()}>
          Show older corrections
        </Button>
      )}
    </div>
  );
}

export function CorrectionsPage() {
  const emails = useEmails();
  const [note, setNote] = useState("");
  return (
    <>
      <h1>Assistant corrections</h1>
      <p className="muted">
        A correction given with a thumbs-down steers the assistant's later answers to questions that mean the same. A member's steers only their own answers until it is accepted here.
      </p>
      {/* Always in the page: a live region added with its text is not read out. */}
      <div role="status" aria-live="polite">
        {note && <p className="notice">{note}</p>}
      </div>
      {emails === null ? (
        <Loading label="Loading corrections…" />
      ) : (
        <div className="grid-1">
          <Pending emails={emails} announce={setNote} />
          <Decided emails={emails} announce={setNote} />
        </div>
      )}
    </>
  );
}
