import { useEngineering, useFigure } from "../api/analytics";
import type { Schemas } from "../api/queries";
import { useFilters, zoneOf } from "../analytics/filters";
import { formatHours, sizeLegend } from "../analytics/metrics";
import { BarChart } from "../charts/BarChart";
import { shortDate } from "../charts/scale";
import { FilterBar } from "../components/FilterBar";
import { useEmptyText } from "../components/NoDataYet";
import { QueryState } from "../components/States";
import { countOf } from "../format/plural";
import { ScrollBox } from "../components/ScrollBox";

type Component = Schemas["Component"];

/** Where a PR's time goes, as one bar split in the four steps. */
export function CycleBreakdown({ steps }: { steps: [string, Component][] }) {
  const total = steps.reduce((s, [, c]) => s + (c.median_hours ?? 0), 0);
  return (
    <>
      <div className="stacked" aria-hidden="true">
        {steps.map(([name, c]) =>
          c.median_hours ? <span key={name} className={`seg seg-${name.toLowerCase()}`} style={{ flexGrow: c.median_hours / (total || 1) }} title={name} /> : null,
        )}
      </div>
      <dl className="breakdown">
        {steps.map(([name, c]) => (
          <div key={name}>
            <dt>
              <span className={`swatch seg-${name.toLowerCase()}`} aria-hidden="true" />
              {name}
            </dt>
            <dd>
              {formatHours(c.median_hours)} <span className="muted small">median of {countOf(c.sample_size, "PR")}</span>
            </dd>
          </div>
        ))}
      </dl>
    </>
  );
}

export function EngineeringPage() {
  const { filters, params, update } = useFilters();
  const eng = useEngineering(params);
  const emptyText = useEmptyText("No PRs merged in this period and scope.");
  // The deploy step is measured on deployed PRs: the lead-time figure has it.
  const lead = useFigure("/api/v1/analytics/lead-time", params, { limit: 0, offset: 0 });
  return (
    <>
      <h1>Engineering</h1>
      <FilterBar filters={filters} update={update} zone={zoneOf(params)} showYear={false} />
      <QueryState query={eng} isEmpty={(e) => e.merged_prs === 0} empty={emptyText}>
        {(e) => (
          <div aria-busy={eng.isFetching} data-stale={eng.isPlaceholderData}>
            <section className="card section" aria-labelledby="cycle-heading">
              <h2 id="cycle-heading">PR cycle time</h2>
              <p>
                <strong className="big" data-metric="merged_prs">
                  {e.merged_prs}
                </strong>{" "}
                PRs merged
              </p>
              <CycleBreakdown
                steps={[
                  ["Coding", e.coding],
                  ["Pickup", e.pickup],
                  ["Review", e.review],
                  ["Deploy", lead.data?.deploy ?? { median_hours: null, sample_size: 0 }],
                ]}
              />
            </section>
            {/* The grid keeps the sections' spacing: each card's own margin
                added to the grid's gap when they stack (a narrow screen). */}
            <div className="grid-2 section">
              <section className="card" aria-labelledby="tp-heading">
                <h2 id="tp-heading">Throughput</h2>
                <BarChart title="Merged PRs per week" bucket="Week of" unit="merged PRs" bars={e.throughput.map((w) => ({ label: shortDate(w.week, zoneOf(params)), value: w.merged_prs }))} />
              </section>
              <section className="card" aria-labelledby="size-heading">
                <h2 id="size-heading">PR size</h2>
                <BarChart title="PRs by lines changed" bucket="Size" unit="PRs" bars={e.sizes.map((s) => ({ label: s.size, value: s.prs }))} />
                <p className="muted small">{sizeLegend(e.sizes)}</p>
              </section>
            </div>
            <section className="card section" aria-labelledby="review-heading">
              <h2 id="review-heading">Review load</h2>
              {e.reviewers.length === 0 ? (
                <p className="muted">No reviews in this period.</p>
              ) : (
                <ScrollBox label="Review load table">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Reviewer</th>
                        <th scope="col">PRs reviewed</th>
                        <th scope="col">Median first response</th>
                      </tr>
                    </thead>
                    <tbody>
                      {e.reviewers.map((r) => (
                        <tr key={r.reviewer ?? "unknown"}>
                          <td>{r.reviewer ?? "unknown"}</td>
                          <td>{r.prs_reviewed}</td>
                          <td>{formatHours(r.median_response_hours)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollBox>
              )}
            </section>
          </div>
        )}
      </QueryState>
    </>
  );
}
