import { useState, type ReactNode } from "react";
import { Link, NavLink, useParams } from "react-router-dom";
import { useCatalog, useFigure, useTrend, type FigureOf, type Granularity } from "../api/analytics";
import type { Schemas } from "../api/queries";
import { useFilters, zoneOf } from "../analytics/filters";
import { figureText, formatHours, formatSample, levelReason, metricBySlug, METRICS, reworkReason, valueNote, type MetricDef } from "../analytics/metrics";
import { sources, type Sources } from "../analytics/sources";
import { regions } from "../charts/bands";
import { BarChart, binHours, type Bar } from "../charts/BarChart";
import { shortDate } from "../charts/scale";
import { TrendChart } from "../charts/TrendChart";
import { FilterBar } from "../components/FilterBar";
import { useEmptyText } from "../components/NoDataYet";
import { LevelBadge } from "../components/LevelBadge";
import { QueryState } from "../components/States";
import { formatCount } from "../format/numbers";
import { countOf } from "../format/plural";
import { Deployments, Incidents, Prs } from "./dora/Drilldown";

// Enough rows for the distribution; the table pages through them.
const ROWS = { limit: 500, offset: 0 };
type Any = FigureOf<MetricDef["path"]>;

function Trend({ metric }: { metric: MetricDef }) {
  const { filters, params } = useFilters();
  const [granularity, setGranularity] = useState<Granularity>("week");
  const trend = useTrend(params, metric.metric, granularity);
  const emptyText = useEmptyText("No data to draw for this period.");
  const catalog = useCatalog();
  // Without a year in the URL the API applies the tenant's; the figure says which.
  const figure = useFigure(metric.path, params, ROWS);
  const year = filters.year ?? figure.data?.report_year;
  const bands = metric.bands && year !== undefined ? (catalog.data?.bands[`${year}:${metric.bands}`] ?? []) : [];
  return (
    <section className="card section print-half" aria-labelledby="trend-heading">
      <div className="section-head">
        <h2 id="trend-heading">Trend</h2>
        <fieldset className="segmented">
          <legend className="sr-only">Trend granularity</legend>
          {(["week", "month"] as const).map((g) => (
            <label key={g} className="radio">
              <input type="radio" name="granularity" value={g} checked={granularity === g} onChange={() => setGranularity(g)} />
              By {g}
            </label>
          ))}
        </fieldset>
      </div>
      <QueryState query={trend} isEmpty={(t) => t.points.every((p) => p.value === null)} empty={emptyText}>
        {(t) => (
          <div aria-busy={trend.isFetching} data-stale={trend.isPlaceholderData}>
            <TrendChart title={`${metric.title} by ${granularity}`} points={t.points} previous={t.previous} unit={t.unit} regions={regions(bands, metric.higherIsBetter)} timeZone={zoneOf(params)} />
          </div>
        )}
      </QueryState>
    </section>
  );
}

/**
 * A detail page's distribution: the chart's title (its data table's too),
 * what its bars are (the table's first column) and, under the chart, what
 * one bar counts. The caption repeated the title, which the data table's
 * toggle already says ("Lead time of the PRs: data table").
 */
interface Distribution {
  title: string;
  bucket: string;
  unit: string;
  bars: Bar[];
  counts: string;
}

function distribution(metric: MetricDef, fig: Any, zone: string): Distribution {
  switch (metric.slug) {
    case "deployment-frequency": {
      const f = fig as Schemas["DeploymentFrequency"];
      const bars = f.weeks.map((w) => ({ label: shortDate(w.start, zone), value: w.deployment_days }));
      return { title: "Deployment days per week", bucket: "Week of", unit: "days with a deployment", bars, counts: "Each bar is a week: the days on which production received a deployment." };
    }
    case "lead-time": {
      const bars = binHours((fig as Schemas["LeadTime"]).drilldown.map((p) => p.cycle_hours));
      return { title: "Lead time of the PRs", bucket: "Lead time", unit: "PRs", bars, counts: "Each bar counts the PRs whose first commit reached production within its range." };
    }
    case "change-failure-rate": {
      const incidents = (fig as Schemas["ChangeFailureRate"]).incidents;
      const after = incidents.map((i) => (i.deployment_finished_at ? (Date.parse(i.detected_at) - Date.parse(i.deployment_finished_at)) / 3_600_000 : null));
      return { title: "Time from deployment to incident", bucket: "Time to incident", unit: "incidents", bars: binHours(after), counts: "Each bar counts the incidents detected within its range after their deployment." };
    }
    case "recovery-time": {
      const bars = binHours((fig as Schemas["RecoveryTime"]).drilldown.map((i) => i.hours));
      return { title: "Recovery time of the incidents", bucket: "Recovery time", unit: "incidents", bars, counts: "Each bar counts the incidents resolved within its range after their deployment; open ones are not drawn." };
    }
    default: {
      const counts = new Map<string, number>();
      for (const d of (fig as Schemas["ReworkRate"]).drilldown) for (const r of d.rework_reasons.length ? d.rework_reasons : ["planned"]) counts.set(r, (counts.get(r) ?? 0) + 1);
      const bars = [...counts].map(([reason, value]) => ({ label: reworkReason(reason), value }));
      return { title: "Deployments by reason", bucket: "Reason", unit: "deployments", bars, counts: "Each bar counts the deployments with that reason; one with several reasons counts in each." };
    }
  }
}

function Rows({ metric, fig, src, zone }: { metric: MetricDef; fig: Any; src: Sources; zone: string }) {
  switch (metric.slug) {
    case "lead-time":
      return <Prs zone={zone} rows={(fig as Schemas["LeadTime"]).drilldown} total={fig.drilldown_total} src={src} />;
    case "recovery-time":
      return <Incidents zone={zone} rows={(fig as Schemas["RecoveryTime"]).drilldown} total={fig.drilldown_total} src={src} />;
    case "change-failure-rate": {
      const f = fig as Schemas["ChangeFailureRate"];
      return (
        <>
          <Deployments zone={zone} rows={f.drilldown} total={f.drilldown_total} src={src} />
          <h3>Incidents linked to these deployments</h3>
          <Incidents zone={zone} rows={f.incidents} total={f.incidents.length} src={src} />
        </>
      );
    }
    default:
      return <Deployments zone={zone} rows={(fig as Schemas["DeploymentFrequency"]).drilldown} total={fig.drilldown_total} src={src} />;
  }
}

function Breakdown({ fig }: { fig: Schemas["LeadTime"] }) {
  const parts = [
    ["Coding", fig.coding],
    ["Pickup", fig.pickup],
    ["Review", fig.review],
    ["Deploy", fig.deploy],
  ] as const;
  return (
    <dl className="breakdown">
      {parts.map(([name, c]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>
            {formatHours(c.median_hours)} <span className="muted small">median of {countOf(c.sample_size, "PR")}</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Figure({ metric, trend }: { metric: MetricDef; trend: ReactNode }) {
  const { params } = useFilters();
  const fig = useFigure(metric.path, params, ROWS);
  const catalog = useCatalog();
  const src = sources(catalog.data);
  return (
    <QueryState query={fig}>
      {(f) => {
        const dist = distribution(metric, f, zoneOf(params));
        const note = valueNote(metric, f);
        return (
          <div className="dora-body" aria-busy={fig.isFetching} data-stale={fig.isPlaceholderData}>
            <section className="card section figure-head" aria-label="Figure">
              <p className="tile-value" data-metric={metric.metric}>
                {figureText(metric, f)}
              </p>
              <LevelBadge level={f.level} reason={levelReason(metric, f, f.report_year)} />
              {note && <p className="muted small value-note">{note}</p>}
              <p className="muted">
                Report {f.report_year} · sample: {formatSample(metric, f.sample_size)}
              </p>
              {metric.slug === "lead-time" && <Breakdown fig={f as Schemas["LeadTime"]} />}
            </section>
            {trend}
            <section className="card section print-half" aria-labelledby="dist-heading">
              <h2 id="dist-heading">Distribution</h2>
              {dist.bars.some((b) => b.value > 0) ? <BarChart title={dist.title} bucket={dist.bucket} unit={dist.unit} bars={dist.bars} /> : <p className="muted">Nothing to distribute in this period.</p>}
              <p className="muted small">{dist.counts}</p>
            </section>
            {/* Not printed: a printout is the summary; the rows are a click away. */}
            <section className="card section no-print" aria-labelledby="rows-heading">
              <h2 id="rows-heading">Behind the figure ({formatCount(f.drilldown_total)})</h2>
              <Rows metric={metric} fig={f} src={src} zone={zoneOf(params)} />
            </section>
          </div>
        );
      }}
    </QueryState>
  );
}

/** One DORA metric: figure and level, trend over the level bands, distribution and the rows behind it. */
export function DoraPage() {
  const { metric: slug } = useParams();
  const metric = metricBySlug(slug);
  const { filters, params, update, query } = useFilters();
  if (!metric)
    return (
      <div className="state">
        <h1>Unknown metric</h1>
        <Link to={`/${query}`}>Back to the overview</Link>
      </div>
    );
  return (
    <>
      <p className="crumbs">
        <Link to={`/${query}`}>Overview</Link> / {metric.short}
      </p>
      <nav aria-label="DORA metrics">
        <ul className="metric-tabs" role="list">
          {METRICS.map((m) => (
            <li key={m.slug}>
              <NavLink to={`/dora/${m.slug}${query}`}>{m.short}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <h1>{metric.title}</h1>
      <p className="muted">{metric.what}</p>
      <FilterBar filters={filters} update={update} zone={zoneOf(params)} />
      {/* One per metric: the figure's and trend's queries keep the previous
          data while new filters load (keepPreviousData), and kept across a
          metric tab the lead time's breakdown read a deployment frequency's
          figure and threw (a blank page). */}
      <Figure key={metric.slug} metric={metric} trend={<Trend metric={metric} />} />
    </>
  );
}
