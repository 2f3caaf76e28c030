import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { adminKeys, useEtlAction, useEtlJobs, type EtlAction, type EtlJob } from "../../api/adminQueries";
import { useLiveEvents } from "../../api/liveEvents";
import { describeError } from "../../api/problem";
import { QueryState } from "../../components/States";
import { formatDateTime, formatTime } from "../../format/dates";
import { formatCount } from "../../format/numbers";
import { countOf } from "../../format/plural";

/** What an etl.progress event carries (pulse_etl.jobs.events.Progress). */
export interface LiveProgress {
  integration: string;
  state: string;
  phase: string;
  done: number;
  estimated: number | null;
  rate: number;
  eta_seconds: number | null;
  /** The run's error, on its last event when it failed. */
  error: string | null;
  /** The integration's source: "github", "jira". */
  source: string | null;
  /** Till when the run waits for the source's rate limit (ISO), while it does. */
  waiting_until: string | null;
  /** For the admin to act on (a repository renamed on GitHub). */
  notices: string[];
}

export function parseProgress(msg: Record<string, unknown>): LiveProgress | null {
  if (msg.type !== "etl.progress" || typeof msg.integration !== "string" || typeof msg.done !== "number") return null;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    integration: msg.integration,
    state: typeof msg.state === "string" ? msg.state : "running",
    phase: typeof msg.phase === "string" ? msg.phase : "",
    done: msg.done,
    estimated: num(msg.estimated),
    rate: num(msg.rate) ?? 0,
    eta_seconds: num(msg.eta_seconds),
    error: typeof msg.error === "string" && msg.error ? msg.error : null,
    source: typeof msg.source === "string" && msg.source ? msg.source : null,
    waiting_until: typeof msg.waiting_until === "string" && msg.waiting_until ? msg.waiting_until : null,
    notices: Array.isArray(msg.notices) ? msg.notices.filter((n): n is string => typeof n === "string") : [],
  };
}

export function formatEta(seconds: number | null): string {
  if (seconds === null) return "unknown";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const SOURCE_NAMES: Record<string, string> = { github: "GitHub", jira: "Jira" };

/** The rate-limit wait a run is in, naming whose limit it is. */
export function waitText(source: string | null | undefined, until: string): string {
  const whose = (source && SOURCE_NAMES[source]) || "the source";
  return `Waiting for ${whose}'s rate limit until ${formatTime(until)}`;
}

/** A running job's live line: its pace, or the rate-limit wait it is in (up to an hour without an event). */
export function liveText(live: LiveProgress): string {
  if (live.waiting_until) return waitText(live.source, live.waiting_until);
  return `${live.rate.toFixed(1)} items/s · ETA ${formatEta(live.eta_seconds)}`;
}

/**
 * The running job's line beside its card: the live one while events arrive,
 * else the wait the job's stored progress says it is in (a page opened
 * during an hour's wait gets no event until it ends).
 */
export function runningText(state: string, live: LiveProgress | undefined, job: EtlJob): string | null {
  if (state !== "running") return null;
  if (live) return liveText(live);
  const until = job.progress.waiting_until;
  return until ? waitText(job.progress.source, until) : null;
}

/** Which controls a job's state allows (the ETL answers 409 otherwise). */
export function actionsFor(job: EtlJob): EtlAction[] {
  switch (job.state) {
    case "running":
      return job.control ? [] : ["pause", "cancel"];
    // Queued is also where a job waits that no runner has picked up (a new
    // integration, an ETL restarted mid-queue): the ETL accepts a start then.
    case "queued":
      return job.control ? [] : ["start", "pause", "cancel"];
    case "paused":
      return ["resume", "cancel"];
    default:
      return ["start"];
  }
}

/** The bar's attributes: indeterminate only while a run goes without an estimate. */
export function barValue(state: string, done: number, estimated: number | null): { max?: number; value?: number } {
  if (estimated) return { max: estimated, value: Math.min(done, estimated) };
  if (state === "running") return {};
  return { max: 1, value: state === "succeeded" ? 1 : 0 };
}

/**
 * The runs since the last success that did not succeed. `attempts` counts
 * every run started since then, the running one included: a first run in
 * progress is no failed attempt.
 */
export function attemptsSince(state: string, attempts: number, everSucceeded = true): string {
  const n = state === "running" ? attempts - 1 : attempts;
  if (n <= 0) return "";
  // "never · 1 unsuccessful run since" would be since nothing.
  return ` · ${countOf(n, "unsuccessful run")}${everSucceeded ? " since" : ""}`;
}

/**
 * The line beside the bar. The phase is where a run is, so only while it
 * goes (or waits to go on); a failed run says it failed, not "starting",
 * the phase it never left when it failed at its first request.
 */
export function progressText(state: string, done: number, estimated: number | null, phase: string): string {
  const items = estimated ? `${formatCount(done)} of ${countOf(estimated, "item")}` : countOf(done, "item");
  if (state === "failed") return done > 0 ? `Failed after ${items}` : "Failed before any item was loaded";
  const going = state === "running" || state === "paused" || state === "queued";
  return `${items}${going && phase ? ` · ${phase}` : ""}`;
}

const LABEL: Record<EtlAction, string> = { start: "Run", pause: "Pause", resume: "Resume", cancel: "Cancel" };
/** A clicked button's label until the ETL has answered and the job is read again. */
const BUSY_LABEL: Record<EtlAction, string> = { start: "Starting…", pause: "Pausing…", resume: "Resuming…", cancel: "Cancelling…" };
const WHAT: Record<EtlAction, string> = { start: "start the run", pause: "pause the run", resume: "resume the run", cancel: "cancel the run" };

/** Why the card's buttons refuse clicks while an action is on its way. */
export function busyReason(action: EtlAction, integration: string): string {
  return `Waiting for the ETL to ${WHAT[action]} of ${integration}…`;
}

/** An action the API refused, said as what could not be done and why. */
export function refusal(action: EtlAction, integration: string, error: unknown): string {
  return `Could not ${WHAT[action]} of ${integration}: ${describeError(error)}`;
}

function JobCard({ job, live, onNewRun }: { job: EtlJob; live: LiveProgress | undefined; onNewRun: (integration: string) => void }) {
  const act = useEtlAction();
  // The action on its way: the mutation stays pending until the job list is read again.
  const pending = act.isPending ? act.variables.action : null;
  const state = live?.state ?? job.state;
  const done = live?.done ?? job.progress.done;
  const estimated = live?.estimated ?? job.progress.estimated ?? null;
  const phase = live?.phase ?? job.progress.phase ?? "";
  const id = `job-${job.integration}`;
  // The run's own error as soon as its last event says it failed, before the job is read again.
  const error = (live?.state === "failed" && live.error) || job.last_error;
  const running = runningText(state, live, job);
  // The run's own as it goes, else the last run's (kept after it ended).
  const notices = live?.notices.length ? live.notices : (job.progress.notices ?? []);
  const run = (action: EtlAction) => {
    // aria-disabled, not disabled: the clicked button keeps the focus while it is busy.
    if (pending) return;
    if (action === "start" || action === "resume") onNewRun(job.integration);
    act.mutate({ integration: job.integration, action });
  };
  return (
    <section className="card" aria-labelledby={id}>
      <div className="card-head">
        <h2 id={id}>{job.integration}</h2>
        <span className={`badge ${state === "failed" ? "badge-bad" : state === "succeeded" ? "badge-good" : "badge-neutral"}`}>{state}</span>
      </div>
      <div className="progress-line">
        <progress aria-label={`Progress of ${job.integration}`} {...barValue(state, done, estimated)} />
        <span>{progressText(state, done, estimated, phase)}</span>
      </div>
      {running && <p className="muted">{running}</p>}
      <p className="muted">
        Last successful sync {formatDateTime(job.last_success_at, "never")}
        {attemptsSince(state, job.attempts, job.last_success_at != null)}
        {job.control && ` · ${job.control} requested`}
      </p>
      {error && <p className="field-error">Last error: {error}</p>}
      {notices.length > 0 && (
        <div className="notice notice-warn" role="note" aria-label={`Notices of ${job.integration}`}>
          {notices.length === 1 ? "Notice" : "Notices"}:
          <ul>
            {notices.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="actions">
        {actionsFor({ ...job, state: state as EtlJob["state"] }).map((a) => (
          <button
            key={a}
            type="button"
            className={a === "start" ? "btn btn-primary" : "btn"}
            aria-disabled={pending ? true : undefined}
            aria-busy={pending === a ? true : undefined}
            aria-describedby={pending ? `${id}-busy` : undefined}
            onClick={() => run(a)}
          >
            {pending === a && <span className="spinner spinner-inline" aria-hidden="true" />}
            {pending === a ? BUSY_LABEL[a] : a === "start" && job.resumable ? "Resume run" : LABEL[a]}
            <span className="sr-only"> {job.integration}</span>
          </button>
        ))}
      </div>
      <p id={`${id}-busy`} className="muted job-busy" role="status">
        {pending && busyReason(pending, job.integration)}
      </p>
      {act.isError && (
        <p className="form-error" role="alert">
          {refusal(act.variables.action, job.integration, act.error)}
        </p>
      )}
    </section>
  );
}

/**
 * What the live connection means for the page. With no job list there is no
 * progress to update, whatever the socket does: saying "Live" over a failed
 * list (the walkthrough's etl-error screenshot) promised what it cannot show.
 */
function liveNote(status: ReturnType<typeof useLiveEvents>, listFailed: boolean): string {
  if (listFailed) return "";
  if (status === "live") return "Live: progress updates as the jobs run.";
  return status === "closed" ? "Live updates disconnected; the figures may be stale." : "Connecting to live updates…";
}

export function EtlPage() {
  const jobs = useEtlJobs();
  const qc = useQueryClient();
  const [live, setLive] = useState<Record<string, LiveProgress>>({});
  const onMessage = useCallback(
    (msg: Record<string, unknown>) => {
      const p = parseProgress(msg);
      if (!p) return;
      setLive((l) => {
        // A state change (finished, paused…) changes more than the bar: read the job again.
        if (l[p.integration]?.state !== p.state) void qc.invalidateQueries({ queryKey: adminKeys.etlJobs });
        return { ...l, [p.integration]: p };
      });
    },
    [qc],
  );
  // A start or resume begins a new run: the last run's final event (failed,
  // say) no longer describes the job. Dropped when the request is sent, not
  // when it is answered: the new run's first events can come before the
  // answer, and one in the same state as that stale reading (a run failing
  // at once) would not make the page read the job again.
  const onNewRun = useCallback((integration: string) => {
    setLive((l) => Object.fromEntries(Object.entries(l).filter(([name]) => name !== integration)));
  }, []);
  const status = useLiveEvents(true, onMessage);
  return (
    <>
      <h1>ETL jobs</h1>
      <p className="muted live-note" role="status">
        {liveNote(status, jobs.isError)}
      </p>
      <QueryState query={jobs} isEmpty={(l) => l.length === 0} empty="No data integration, so no ETL job.">
        {(list) => (
          <div className="grid-2">
            {list.map((j) => (
              <JobCard key={j.integration} job={j} live={live[j.integration]} onNewRun={onNewRun} />
            ))}
          </div>
        )}
      </QueryState>
    </>
  );
}
