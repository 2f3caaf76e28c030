import { useCatalog, useWorkItems } from "../api/analytics";
import { useFilters, zoneOf } from "../analytics/filters";
import { formatHours } from "../analytics/metrics";
import { sources } from "../analytics/sources";
import { BarChart } from "../charts/BarChart";
import { shortDate } from "../charts/scale";
import { FilterBar } from "../components/FilterBar";
import { useEmptyText } from "../components/NoDataYet";
import { SourceLink } from "../components/SourceLink";
import { QueryState } from "../components/States";
import { formatDate } from "../format/dates";
import { ScrollBox } from "../components/ScrollBox";

export function WorkItemsPage() {
  const { filters, params, update } = useFilters({ assignee: true });
  const flow = useWorkItems(params, filters.assignee);
  const emptyText = useEmptyText("No work items resolved or in progress in this period and scope.");
  const src = sources(useCatalog().data);
  return (
    <>
      <h1>Work items</h1>
      <FilterBar filters={filters} update={update} zone={zoneOf(params)} showYear={false} showAssignee />
      <QueryState query={flow} isEmpty={(f) => f.resolved === 0 && f.wip === 0} empty={emptyText}>
        {(f) => (
          <div aria-busy={flow.isFetching} data-stale={flow.isPlaceholderData}>
            <section className="card section" aria-label="Flow figures">
              <dl className="stats">
                <div>
                  <dt>Resolved</dt>
                  <dd data-metric="resolved">{f.resolved}</dd>
                </div>
                <div>
                  {/* Not "Lead time": beside DORA's lead time for changes (a PR's
                      first commit → its deployment) the two read as one measure. */}
                  <dt>Time to resolve (median)</dt>
                  <dd data-metric="time-to-resolve">{formatHours(f.lead_time.median_hours)}</dd>
                </div>
                <div>
                  <dt>Cycle time (median)</dt>
                  <dd>{formatHours(f.cycle_time.median_hours)}</dd>
                </div>
                <div>
                  <dt>Work in progress</dt>
                  <dd data-metric="wip">{f.wip}</dd>
                </div>
                <div>
                  <dt>WIP age (median)</dt>
                  <dd>{formatHours(f.median_wip_age_hours)}</dd>
                </div>
              </dl>
              <p className="muted small measures">
                Time to resolve runs from an item's creation to its resolution; cycle time from its first move into progress to its resolution. Neither is
                DORA's lead time for changes, which runs from a PR's first commit to its deployment.
              </p>
            </section>
            <section className="card section" aria-labelledby="flow-heading">
              <h2 id="flow-heading">Flow: items resolved per week</h2>
              <BarChart title="Items resolved per week" bucket="Week of" unit="items" bars={f.throughput.map(([week, n]) => ({ label: shortDate(String(week), zoneOf(params)), value: Number(n) }))} />
            </section>
            <section className="card section" aria-labelledby="ageing-heading">
              <h2 id="ageing-heading">Ageing work in progress</h2>
              {f.oldest.length === 0 ? (
                <p className="muted">Nothing in progress.</p>
              ) : (
                <ScrollBox label="Ageing work in progress table">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Item</th>
                        <th scope="col">Started</th>
                        <th scope="col">Age</th>
                      </tr>
                    </thead>
                    <tbody>
                      {f.oldest.map((i) => (
                        <tr key={i.id}>
                          <td>
                            <SourceLink href={src.issue(i.key)}>{i.key}</SourceLink>
                          </td>
                          <td>{formatDate(i.started_at, "—", zoneOf(params))}</td>
                          <td>{formatHours(i.age_hours)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollBox>
              )}
              <p className="muted small">
                The {f.oldest.length} oldest of {f.wip} items in progress.
              </p>
            </section>
          </div>
        )}
      </QueryState>
    </>
  );
}
