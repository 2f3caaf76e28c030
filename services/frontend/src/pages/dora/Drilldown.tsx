import { useState, type ReactNode } from "react";
import type { Schemas } from "../../api/queries";
import { formatHours, linkMethod, reworkReason } from "../../analytics/metrics";
import type { Sources } from "../../analytics/sources";
import { Button } from "../../components/Button";
import { Empty } from "../../components/States";
import { SourceLink } from "../../components/SourceLink";
import { PHONE_WIDTH, useMedia } from "../../components/useMedia";
import { formatDateTime, formatShortDateTime } from "../../format/dates";
import { formatCount } from "../../format/numbers";

const PAGE = 20;
// Each table takes `zone`, the one its figure was computed in (analytics/
// filters' zoneOf): a deployment's time names the day it was counted on.
// At phone width a time is "Sep 8, 2:30 PM" on one line, not the full date over three.
function useWhen(zone: string | undefined) {
  const phone = useMedia(PHONE_WIDTH);
  return (iso: string | null | undefined) => (phone ? formatShortDateTime : formatDateTime)(iso, "—", zone);
}

/**
 * Rows of a drill-down, PAGE at a time, with what the figure is based on.
 * A duration cell ("3.4 days", className "value") never breaks between its
 * number and unit, and the pager stays one line at phone width: the row
 * count wraps inside its own space rather than pushing "Next" below.
 */
function Paged<T>({ rows, total, head, row, caption }: { rows: readonly T[]; total: number; head: string[]; row: (r: T) => ReactNode; caption: string }) {
  // The page belongs to the rows it was chosen in: other rows (another
  // period or filter) start at their first page, not at the old page number.
  const [at, setAt] = useState({ rows, page: 0 });
  const page = at.rows === rows ? at.page : 0;
  const setPage = (p: number) => setAt({ rows, page: p });
  if (rows.length === 0) return <Empty>No rows behind this figure in the period.</Empty>;
  const pages = Math.ceil(rows.length / PAGE);
  const current = Math.min(page, pages - 1);
  const shown = rows.slice(current * PAGE, current * PAGE + PAGE);
  return (
    <>
      <div className="table-scroll">
        <table>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {head.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{shown.map(row)}</tbody>
        </table>
      </div>
      <nav className="pager" aria-label={`${caption} pages`}>
        <span className="muted">
          Rows {formatCount(current * PAGE + 1)}–{formatCount(current * PAGE + shown.length)} of {formatCount(total)}
          {total > rows.length && ` (first ${formatCount(rows.length)} loaded)`}
        </span>
        {/* Unavailable, not disabled: Next disabled under the keyboard's focus
            on reaching the last page dropped the focus to the page's top. */}
        <Button className="btn" unavailable={current === 0} onClick={() => setPage(current - 1)}>
          Previous
        </Button>
        <Button className="btn" unavailable={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next
        </Button>
      </nav>
    </>
  );
}

export function Deployments({ rows, total, src, zone }: { rows: readonly Schemas["DeploymentRef"][]; total: number; src: Sources; zone?: string }) {
  const when = useWhen(zone);
  return (
    <Paged
      rows={rows}
      total={total}
      caption="Deployments"
      head={["Finished", "Repository", "Commit", "Environment", "Outcome"]}
      row={(d) => (
        <tr key={d.id}>
          <td className="nowrap">{when(d.finished_at)}</td>
          <td>{src.repo(d.repository_id).name}</td>
          <td>
            <SourceLink href={src.commit(d.repository_id, d.commit_sha)} label={`Commit ${d.commit_sha.slice(0, 7)} of ${src.repo(d.repository_id).name}`}>
              <code>{d.commit_sha.slice(0, 7)}</code>
            </SourceLink>
          </td>
          <td>
            {d.environment}
            {d.source !== "deployment" && <span className="muted"> ({d.source})</span>}
          </td>
          <td>{d.failed ? "Caused an incident" : d.rework_reasons.length ? `Rework: ${d.rework_reasons.map(reworkReason).join(", ")}` : "OK"}</td>
        </tr>
      )}
    />
  );
}

export function Prs({ rows, total, src, zone }: { rows: readonly Schemas["PrRef"][]; total: number; src: Sources; zone?: string }) {
  const when = useWhen(zone);
  return (
    <Paged
      rows={rows}
      total={total}
      caption="Pull requests"
      head={["PR", "Author", "Lead time", "Coding", "Pickup", "Review", "Deploy", "Deployed"]}
      row={(p) => (
        <tr key={p.id}>
          <td>
            <SourceLink href={src.pr(p.repository_id, p.number)}>
              {src.repo(p.repository_id).name}#{p.number}
            </SourceLink>
            <div className="muted row-title">{p.title}</div>
          </td>
          <td>{p.author ?? "—"}</td>
          <td className="value">{formatHours(p.cycle_hours)}</td>
          <td className="value">{formatHours(p.coding_hours)}</td>
          <td className="value">{formatHours(p.pickup_hours)}</td>
          <td className="value">{formatHours(p.review_hours)}</td>
          <td className="value">{formatHours(p.deploy_hours)}</td>
          <td className="nowrap">{when(p.deployed_at)}</td>
        </tr>
      )}
    />
  );
}

export function Incidents({ rows, total, src, zone }: { rows: readonly Schemas["IncidentRef"][]; total: number; src: Sources; zone?: string }) {
  const when = useWhen(zone);
  return (
    <Paged
      rows={rows}
      total={total}
      caption="Incidents"
      head={["Incident", "Status", "Detected", "Resolved", "Recovery", "Linked deployment"]}
      row={(i) => (
        <tr key={i.id}>
          <td>
            <SourceLink href={src.issue(i.external_id)}>{i.external_id}</SourceLink>
            <div className="muted row-title">{i.title}</div>
          </td>
          <td>{i.status}</td>
          <td className="nowrap">{when(i.detected_at)}</td>
          <td className="nowrap">{when(i.resolved_at)}</td>
          <td className="value">{i.hours === null ? "unresolved" : formatHours(i.hours)}</td>
          <td>{i.deployment_finished_at ? `${when(i.deployment_finished_at)}${i.link_method ? ` (${linkMethod(i.link_method)})` : ""}` : "—"}</td>
        </tr>
      )}
    />
  );
}
