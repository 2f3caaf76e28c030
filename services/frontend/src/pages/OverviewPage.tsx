import { Link } from "react-router-dom";
import { useSummary, useTrend } from "../api/analytics";
import type { Schemas } from "../api/queries";
import { useFilters, zoneOf, type AnalyticsParams } from "../analytics/filters";
import { changeText, figureText, formatSample, formatValue, levelReason, metricByName, METRICS, perOf, valueNote, type MetricDef } from "../analytics/metrics";
import { partialText } from "../charts/partial";
import { Sparkline } from "../charts/Sparkline";
import { FigureValue } from "../components/FigureValue";
import { FilterBar } from "../components/FilterBar";
import { useEmptyText } from "../components/NoDataYet";
import { LevelBadge } from "../components/LevelBadge";
import { ErrorState, QueryState } from "../components/States";

type Line = Schemas["SummaryLine"];

function Spark({ metric, params }: { metric: MetricDef; params: AnalyticsParams }) {
  const trend = useTrend(params, metric.metric);
  if (trend.isPending) return <span className="muted sparkline-empty">Loading trend…</span>;
  if (trend.isError) return <ErrorState error={trend.error} />;
  const points = trend.data.points;
  const values = points.map((p) => p.value);
  const known = values.filter((v): v is number => v !== null);
  // The last week is usually the current one: say it is not over.
  const tail = points.at(-1);
  const lastPartial = tail ? partialText(tail) : null;
  const label = known.length
    ? `Weekly ${metric.short}: from ${formatValue(known[0], trend.data.unit, perOf(known))} to ${formatValue(known[known.length - 1], trend.data.unit, perOf(known))} over ${values.length} weeks${lastPartial ? ` (the last ${lastPartial})` : ""}`
    : `No weekly ${metric.short} data`;
  return <Sparkline values={values} partial={points.map((p) => p.partial)} label={label} />;
}

function Tile({ line, params, query, year }: { line: Line; params: AnalyticsParams; query: string; year: number }) {
  const metric = metricByName(line.metric);
  if (!metric) return null;
  const note = valueNote(metric, line);
  return (
    <li className="tile card">
      <h3>
        <Link to={`/dora/${metric.slug}${query}`}>{metric.title}</Link>
      </h3>
      {/* One box under the title: the tile's second row of the grid (styles.css). */}
      <div className="tile-body">
        <p className="tile-value" data-metric={metric.metric}>
          <FigureValue text={figureText(metric, line)} />
        </p>
        {note && <p className="muted small value-note">{note}</p>}
        <p className="tile-meta">
          <LevelBadge level={line.level} reason={levelReason(metric, line, year)} />
          <span className={`change change-${line.change}`}>{changeText(line)}</span>
        </p>
        <Spark metric={metric} params={params} />
        <p className="muted small">Sample: {formatSample(metric, line.sample_size)}</p>
      </div>
    </li>
  );
}

/** The executive overview: the four keys and rework rate, their trend and the insights. */
export function OverviewPage() {
  const { filters, params, update, query } = useFilters();
  const summary = useSummary(params);
  const emptyText = useEmptyText("No deployments, PRs or incidents in this period and scope.");
  return (
    <>
      <h1>Overview</h1>
      <FilterBar filters={filters} update={update} zone={zoneOf(params)} />
      <section aria-labelledby="dora-heading" className="section">
        <h2 id="dora-heading">DORA metrics, last {filters.days} days</h2>
        <QueryState query={summary} isEmpty={(s) => s.lines.every((l) => l.sample_size === 0)} empty={emptyText}>
          {(s) => (
            <ul className="tiles" role="list" aria-busy={summary.isFetching} data-stale={summary.isPlaceholderData}>
              {METRICS.map((m) => {
                const line = s.lines.find((l) => l.metric === m.metric);
                return line ? <Tile key={m.metric} line={line} params={params} query={query} year={s.report_year} /> : null;
              })}
            </ul>
          )}
        </QueryState>
      </section>
      <section aria-labelledby="insights-heading" className="card section">
        <h2 id="insights-heading">Insights</h2>
        <QueryState query={summary} isEmpty={(s) => s.insights.length === 0} empty="No insights for this period.">
          {(s) => (
            <ul className="insights" data-stale={summary.isPlaceholderData}>
              {s.insights.map((i) => (
                <li key={i}>{i}</li>
              ))}
            </ul>
          )}
        </QueryState>
      </section>
    </>
  );
}
