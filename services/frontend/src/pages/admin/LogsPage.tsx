import { Fragment, useCallback, useState } from "react";
import { useLogs, type LogEvent, type LogLevel } from "../../api/adminQueries";
import { useLiveEvents } from "../../api/liveEvents";
import { Table } from "../../components/Table";
import { PHONE_WIDTH, useMedia } from "../../components/useMedia";
import { QueryState } from "../../components/States";
import { formatTime } from "../../format/dates";

const LEVELS: LogLevel[] = ["debug", "info", "warning", "error", "critical"];
const RANK = Object.fromEntries(LEVELS.map((l, i) => [l, i])) as Record<string, number>;
const LIVE_MAX = 500;
let liveSeq = 0;

/** A live log message as a LogEvent, or null when it is not one (or the filters hide it). */
export function liveEntry(msg: Record<string, unknown>, level: LogLevel | "", category: string): LogEvent | null {
  if (msg.type !== "log" || typeof msg.entry !== "object" || msg.entry === null) return null;
  const e = msg.entry as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = typeof e.fields === "string" ? JSON.parse(e.fields) : e.fields;
    if (parsed && typeof parsed === "object") fields = parsed as Record<string, unknown>;
  } catch {
    // a field blob that is not JSON is shown without its fields
  }
  const entry = { id: `live-${++liveSeq}`, timestamp: str(e.timestamp), level: str(e.level), category: str(e.category), event: str(e.event), fields };
  if (level && (RANK[entry.level] ?? 0) < (RANK[level] ?? 0)) return null;
  if (category && entry.category !== category) return null;
  return entry;
}

const details = (r: LogEvent) =>
  Object.entries(r.fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");

/**
 * Newest first. At phone width an event is two short rows: its time, then
 * its level, category and event; under them its details, the table's whole
 * width. Squeezed into five columns they wrapped a line of key=value pairs
 * into rows some 145 px tall, in a table that scrolled sideways.
 */
function LogTable({ rows }: { rows: LogEvent[] }) {
  const phone = useMedia(PHONE_WIDTH);
  const level = (r: LogEvent) => <span className={`badge level-${r.level}`}>{r.level}</span>;
  if (phone)
    return (
      <Table label="Log events" caption="Log events, newest first" className="log-table log-stacked" columns={["Time", "Event"]}>
        {rows.map((r) => (
          <Fragment key={r.id}>
            <tr className="log-event">
              <td className="nowrap">{formatTime(r.timestamp)}</td>
              <td>
                {level(r)} <span className="muted">{r.category} ·</span> {r.event}
              </td>
            </tr>
            <tr className="log-details">
              <td colSpan={2} className="mono break">
                <span className="sr-only">Details: </span>
                {details(r)}
              </td>
            </tr>
          </Fragment>
        ))}
      </Table>
    );
  return (
    <Table label="Log events" caption="Log events, newest first" className="log-table" columns={["Time", "Level", "Category", "Event", "Details"]}>
      {rows.map((r) => (
        <tr key={r.id}>
          <td className="nowrap">{formatTime(r.timestamp)}</td>
          <td>{level(r)}</td>
          <td>{r.category}</td>
          <td>{r.event}</td>
          <td className="mono break">{details(r)}</td>
        </tr>
      ))}
    </Table>
  );
}

export function LogsPage() {
  const [level, setLevel] = useState<LogLevel | "">("");
  const [category, setCategory] = useState("");
  const [live, setLive] = useState(false);
  const [tail, setTail] = useState<LogEvent[]>([]);
  const validCategory = category === "" || /^[A-Z]{2,20}$/.test(category);
  const logs = useLogs(level, validCategory ? category : "");
  const onMessage = useCallback(
    (msg: Record<string, unknown>) => {
      const entry = liveEntry(msg, level, category);
      if (entry) setTail((t) => [entry, ...t].slice(0, LIVE_MAX));
    },
    [level, category],
  );
  const status = useLiveEvents(live, onMessage);
  return (
    <>
      <h1>Logs</h1>
      <section className="card" aria-label="Log viewer">
        <div className="filters">
          <label className="field">
            <span>Minimum level</span>
            <select value={level} onChange={(e) => (setLevel(e.target.value as LogLevel | ""), setTail([]))}>
              <option value="">all</option>
              {LEVELS.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Category</span>
            <input
              list="log-categories"
              value={category}
              placeholder="e.g. AUTH"
              aria-invalid={!validCategory || undefined}
              onChange={(e) => (setCategory(e.target.value.toUpperCase()), setTail([]))}
            />
          </label>
          <datalist id="log-categories">
            {["AUTH", "HTTP", "WS", "ETL", "AI", "ERROR", "SECURITY"].map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          <label className="toggle">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live tail
          </label>
          <span className="muted" role="status">
            {live ? (status === "live" ? "Live: new events appear at the top." : status === "closed" ? "Live tail disconnected." : "Connecting…") : ""}
          </span>
        </div>
        {!validCategory && <p className="field-error">A category is 2 to 20 capital letters.</p>}
        {validCategory && (
          <QueryState query={logs} isEmpty={(l) => l.length === 0 && tail.length === 0} empty="No log event matches these filters.">
            {(rows) => <LogTable rows={[...tail, ...rows]} />}
          </QueryState>
        )}
      </section>
    </>
  );
}
