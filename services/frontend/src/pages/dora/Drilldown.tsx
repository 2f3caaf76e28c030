import type { ReactNode } from "react";
import { useSearchParams } from "react-router-dom";
import type { Schemas } from "../../api/queries";
import { formatHours, linkMethod, reworkReason } from "../../analytics/metrics";
import type { Sources } from "../../analytics/sources";
import { Button } from "../../components/Button";
import { Empty } from "../../components/States";
import { SourceLink } from "../../components/SourceLink";
import { Table } from "../../components/Table";
import { When } from "../../components/When";
import { PHONE_WIDTH, useMedia } from "../../components/useMedia";
import { formatCount } from "../../format/numbers";

const PAGE = 20;
// Each table takes `zone`, the one its figure was computed in (analytics/
// filters' zoneOf): a deployment's time names the day it was counted on.
// At phone width a time is "Sep 8, 2:30 PM" on one line, not the full date
// over three; wider, a narrow column breaks it between date and time (When).
function useWhen(zone: string | undefined) {
  const phone = useMedia(PHONE_WIDTH);
  return (iso: string | null | undefined) => <When iso={iso} zone={zone} short={phone} />;
}

/** The URL parameter of a table's page: "Pull requests" pages by `pull-requests-page`. */
export const pageParam = (caption: string) => `${caption.toLowerCase().replace(/\W+/g, "-")}-page`;

/**
 * A table's page (0-based) in the URL, as the filters are: Back from another
 * page, a reload or a shared link show the rows that were on screen (kept in
 * the component, page 3 of the deployments was page 1 again). Turning a
 * page replaces the entry: Back leaves the table rather than paging it.
 * Other filters or another metric start at the first page, since
 * analytics/filters' writeFilters keeps only the filters.
 */
function useRowsPage(caption: string): [number, (page: number) => void] {
  const [search, setSearch] = useSearchParams();
  const name = pageParam(caption);
  const n = Number(search.get(name));
  const page = Number.isInteger(n) && n > 1 ? n - 1 : 0;
  const setPage = (p: number) =>
    setSearch(
      (q) => {
        const next = new URLSearchParams(q);
        if (p > 0) next.set(name, String(p + 1));
        else next.delete(name);
        return next;
      },
      { replace: true, preventScrollReset: true },
    );
  return [page, setPage];
}

/** A drill-down's column: its name, a row's cell, and the cell's class. */
interface Column<T> {
  name: string;
  cell: (r: T) => ReactNode;
  className?: string;
  /** The row's key (a PR's, an incident's): on a phone its card's heading, unlabelled. */
  heads?: boolean;
}

/**
 * Rows of a drill-down, PAGE at a time, with what the figure is based on.
 * A duration cell ("3.4 days", className "value") never breaks between its
 * number and unit, and the pager stays one line at phone width: the row
 * count wraps inside its own space rather than pushing "Next" below.
 * On a phone or a tablet each row is a card (table-stack, drilldown-table:
 * by the table's own width), each cell after its column's name, the one
 * list of columns giving both: side by side, Pull requests showed 2 of its
 * 8 columns at 390 px and scrolled sideways at 820, and an incident's row
 * was 139 px tall, mostly empty.
 */
function Paged<T extends { id: number }>({ rows, total, columns, caption, className }: { rows: readonly T[]; total: number; columns: Column<T>[]; caption: string; className?: string }) {
  const [page, setPage] = useRowsPage(caption);
  if (rows.length === 0) return <Empty>No rows behind this figure in the period.</Empty>;
  const pages = Math.ceil(rows.length / PAGE);
  const current = Math.min(page, pages - 1);
  const shown = rows.slice(current * PAGE, current * PAGE + PAGE);
  return (
    <>
      <Table label={`${caption} table`} caption={caption} columns={columns.map((c) => c.name)} className={className ? `table-stack drilldown-table ${className}` : "table-stack drilldown-table"}>
        {shown.map((r) => (
          <tr key={r.id}>
            {columns.map((c) => (
              <td key={c.name} className={c.className} data-label={c.heads ? undefined : c.name}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </Table>
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
  const repo = (d: Schemas["DeploymentRef"]) => src.repo(d.repository_id).name;
  return (
    <Paged
      rows={rows}
      total={total}
      caption="Deployments"
      className="flow-cards"
      columns={[
        { name: "Finished", cell: (d) => when(d.finished_at) },
        { name: "Repository", cell: repo },
        {
          name: "Commit",
          cell: (d) => (
            <SourceLink href={src.commit(d.repository_id, d.commit_sha)} label={`Commit ${d.commit_sha.slice(0, 7)} of ${repo(d)}`}>
              <code>{d.commit_sha.slice(0, 7)}</code>
            </SourceLink>
          ),
        },
        {
          name: "Environment",
          cell: (d) => (
            <>
              {d.environment}
              {d.source !== "deployment" && <span className="muted"> ({d.source})</span>}
            </>
          ),
        },
        { name: "Outcome", cell: (d) => (d.failed ? "Caused an incident" : d.rework_reasons.length ? `Rework: ${d.rework_reasons.map(reworkReason).join(", ")}` : "OK") },
      ]}
    />
  );
}

const hours = <T,>(name: string, of: (r: T) => number | null): Column<T> => ({ name, className: "value", cell: (r) => formatHours(of(r)) });

export function Prs({ rows, total, src, zone }: { rows: readonly Schemas["PrRef"][]; total: number; src: Sources; zone?: string }) {
  const when = useWhen(zone);
  return (
    <Paged
      rows={rows}
      total={total}
      caption="Pull requests"
      className="flow-cards"
      columns={[
        {
          name: "PR",
          heads: true,
          cell: (p) => (
            <>
              <SourceLink href={src.pr(p.repository_id, p.number)}>
                {src.repo(p.repository_id).name}#{p.number}
              </SourceLink>
              <div className="muted row-title">{p.title}</div>
            </>
          ),
        },
        { name: "Author", cell: (p) => p.author ?? "—" },
        hours("Lead time", (p: Schemas["PrRef"]) => p.cycle_hours),
        hours("Coding", (p: Schemas["PrRef"]) => p.coding_hours),
        hours("Pickup", (p: Schemas["PrRef"]) => p.pickup_hours),
        hours("Review", (p: Schemas["PrRef"]) => p.review_hours),
        hours("Deploy", (p: Schemas["PrRef"]) => p.deploy_hours),
        { name: "Deployed", cell: (p) => when(p.deployed_at) },
      ]}
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
      columns={[
        {
          name: "Incident",
          heads: true,
          cell: (i) => (
            <>
              <SourceLink href={src.issue(i.external_id)}>{i.external_id}</SourceLink>
              <div className="muted row-title">{i.title}</div>
            </>
          ),
        },
        // The figure's own measure next to the key: at 1024 px it was off
        // the table's right edge, with the linked deployment.
        { name: "Recovery", className: "value", cell: (i) => (i.hours === null ? "unresolved" : formatHours(i.hours)) },
        { name: "Status", cell: (i) => i.status },
        { name: "Detected", cell: (i) => when(i.detected_at) },
        { name: "Resolved", cell: (i) => when(i.resolved_at) },
        {
          name: "Linked deployment",
          className: "linked",
          cell: (i) =>
            i.deployment_finished_at ? (
              // One box: a phone's or tablet's card lays a cell's children
              // out as grid items, and the method fell under the label.
              <div>
                {when(i.deployment_finished_at)}
                {/* How it was linked, under the time: run on after it, "it)" was a line of its own. */}
                {i.link_method && <span className="muted link-method"> ({linkMethod(i.link_method)})</span>}
              </div>
            ) : (
              "—"
            ),
        },
      ]}
    />
  );
}
