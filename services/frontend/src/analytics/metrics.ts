/**
 * The five headline metrics: their page slug, API route, trend metric and
 * benchmark key, and how their values read. One table, so the overview,
 * the detail page and the charts agree.
 */
import type { Schemas } from "../api/queries";
import { formatCount } from "../format/numbers";
import { countOf } from "../format/plural";

export type Level = Schemas["DoraLevel"];
export type TrendMetric = Schemas["TrendMetric"];
export type FigurePath =
  | "/api/v1/analytics/deployment-frequency"
  | "/api/v1/analytics/lead-time"
  | "/api/v1/analytics/change-failure-rate"
  | "/api/v1/analytics/recovery-time"
  | "/api/v1/analytics/rework-rate";

export interface MetricDef {
  slug: string;
  title: string;
  short: string;
  /** The executive summary's and the trend API's metric name. */
  metric: TrendMetric;
  path: FigurePath;
  /** The benchmark table's metric (bands per report year), if any. */
  bands?: string;
  higherIsBetter: boolean;
  what: string;
  /** Why the figure has no value (so no level), as a person reads it. */
  noData: string;
  /** What its sample counts (the drill-down's rows): singular, plural. */
  sample: [string, string];
}

export const METRICS: MetricDef[] = [
  {
    slug: "deployment-frequency",
    title: "Deployment frequency",
    short: "Deploy frequency",
    metric: "deployment_frequency",
    path: "/api/v1/analytics/deployment-frequency",
    bands: "deployment_frequency",
    higherIsBetter: true,
    what: "How often production receives a successful deployment (days with a deployment).",
    noData: "no deployment collected yet",
    sample: ["deployment", "deployments"],
  },
  {
    slug: "lead-time",
    title: "Lead time for changes",
    short: "Lead time",
    metric: "lead_time_for_changes",
    path: "/api/v1/analytics/lead-time",
    bands: "lead_time_for_changes",
    higherIsBetter: false,
    what: "Median time from a PR's first commit to its deployment in production.",
    noData: "no PR deployed in this period",
    sample: ["deployed PR", "deployed PRs"],
  },
  {
    slug: "change-failure-rate",
    title: "Change failure rate",
    short: "Change failure rate",
    metric: "change_failure_rate",
    path: "/api/v1/analytics/change-failure-rate",
    bands: "change_failure_rate",
    higherIsBetter: false,
    what: "Share of production deployments that caused an incident.",
    noData: "no deployment in this period",
    sample: ["deployment", "deployments"],
  },
  {
    slug: "recovery-time",
    title: "Failed deployment recovery time",
    short: "Recovery time",
    metric: "failed_deployment_recovery_time",
    path: "/api/v1/analytics/recovery-time",
    bands: "time_to_restore",
    higherIsBetter: false,
    what: "Median time from the deployment that failed to the incident's resolution.",
    noData: "no failed deployment in this period",
    sample: ["incident", "incidents"],
  },
  {
    slug: "rework-rate",
    title: "Rework rate",
    short: "Rework rate",
    metric: "rework_rate",
    path: "/api/v1/analytics/rework-rate",
    higherIsBetter: false,
    what: "Share of deployments that were unplanned: hotfixes, rollbacks and fixes of incidents.",
    noData: "no deployment in this period",
    sample: ["deployment", "deployments"],
  },
];

export function metricBySlug(slug: string | undefined): MetricDef | undefined {
  return METRICS.find((m) => m.slug === slug);
}

export function metricByName(name: string): MetricDef | undefined {
  return METRICS.find((m) => m.metric === name);
}

export const LEVELS: Level[] = ["elite", "high", "medium", "low"];

/**
 * Recovery time with more than half of its incidents still open: the median
 * is one of them, so there is no value yet, while the engine already gives
 * it the level low (docs/metrics.md, "Open incidents"). The tile showed "—"
 * beside a LOW badge and "not known yet": it says "Still open" now, and the
 * badge says why it is low.
 */
export function stillOpen(metric: MetricDef, fig: { value: number | null; sample_size?: number }): boolean {
  return metric.metric === "failed_deployment_recovery_time" && fig.value === null && (fig.sample_size ?? 0) > 0;
}

/** A figure's value as the tile and the detail page show it. */
export function figureText(metric: MetricDef, fig: { value: number | null; unit: string; sample_size?: number }): string {
  return stillOpen(metric, fig) ? "Still open" : formatValue(fig.value, fig.unit);
}

/**
 * What the level badge says beside the level, in a few words, or null. The
 * engine (pulse_common/analytics/levels.py) gives no level when the metric
 * has no published bands (rework rate: no DORA report has them), when there
 * is no value to classify, or when the report year has no bands for the
 * metric. A level without a value (recovery, mostly open) says why.
 */
export function levelReason(metric: MetricDef, fig: { level: Level | null; value: number | null; sample_size?: number }, reportYear?: number): string | null {
  if (fig.level) return stillOpen(metric, fig) ? "unresolved incidents count as slower than any band" : null;
  if (!metric.bands) return `DORA publishes no levels for ${metric.title.toLowerCase()}`;
  if (fig.value === null) return metric.noData;
  return reportYear ? `the ${reportYear} DORA report has no bands for it` : "the DORA report has no bands for it";
}

/** A figure's sample with its unit: "12 deployments", "1 incident". */
export function formatSample(metric: MetricDef, n: number): string {
  return countOf(n, ...metric.sample);
}

/**
 * What a person needs beside a value that reads as wrong, or null. Deployment
 * frequency is the median week's deployment days, or the median month's when
 * most weeks had none (DevLake's reading): 0 with deployments in the sample
 * means most months had no deployment day, not that nothing was deployed.
 */
export function valueNote(metric: MetricDef, fig: { value: number | null; sample_size: number; unresolved?: number | null }): string | null {
  if (metric.metric === "deployment_frequency" && fig.value === 0 && fig.sample_size > 0) {
    return "most months in this period had no deployment day (the median month counts)";
  }
  // Only recovery figures (the detail page's, the overview's line) carry
  // `unresolved`. Said whenever some are open, not only when most are: a
  // median of 20 h over 5 incidents reads as all recovered otherwise.
  if (fig.unresolved) {
    return `${fig.unresolved} of ${countOf(fig.sample_size, "incident")} still open`;
  }
  return null;
}

const CHANGE: Record<string, string> = { improved: "▲ improved", worsened: "▼ worsened", unchanged: "= unchanged" };

/**
 * A figure against the previous period's: "▲ improved from 2.0 / week".
 * Without a comparison (no value now, or none before) it says what there
 * is: "previous period: 20 h", never "no comparison from 20 h". A previous
 * period before the first deployment loaded ("no_comparison": the demo's 90
 * days, a tenant's first sync) is no data, not a zero: "no earlier data".
 * A previous period whose recovery incidents are mostly still open:
 * "▲ improved from still open" (the API's change, docs/metrics.md).
 */
export function changeText(line: { change: string; previous_value: number | null; unit: string; previous_unresolved?: number | null }): string {
  if (line.change === "no_comparison") return "no earlier data";
  // Non-breaking spaces: a narrow tile broke "20 h" between "20" and "h".
  // A previous recovery time without a median because most of its incidents
  // are still open reads as its tile did, "still open", not as nothing.
  const open = line.previous_value === null && line.previous_unresolved ? "still\u00a0open" : null;
  const before = line.previous_value === null ? open : formatValue(line.previous_value, line.unit).replaceAll(" ", "\u00a0");
  const change = CHANGE[line.change];
  if (!change) return before === null ? "no comparison" : `previous period: ${before}`;
  return before === null ? change : `${change} from ${before}`;
}

// Why a deployment counts as rework, and how an incident was tied to a
// deployment, as the API names them (enum values) and as a person reads them.
const REWORK_REASONS: Record<string, string> = {
  planned: "planned",
  fixes_bug: "fixes a bug",
  fixes_incident: "fixes an incident",
  hotfix_deployment: "hotfix deployment",
  hotfix_pr: "hotfix PR",
  revert_pr: "revert PR",
  rollback: "rollback",
};
const LINK_METHODS: Record<string, string> = {
  last_production_deployment: "the last production deployment before it",
  declared: "declared in the incident",
  manual: "linked by hand",
};
const words = (v: string) => v.replaceAll("_", " ");
export const reworkReason = (reason: string): string => REWORK_REASONS[reason] ?? words(reason);
export const linkMethod = (method: string): string => LINK_METHODS[method] ?? words(method);

/** Hours as a person reads them: minutes, hours or days. */
export function formatHours(h: number | null | undefined): string {
  if (h === null || h === undefined || Number.isNaN(h)) return "—";
  // Rounded first, then the unit chosen: 59.8 minutes read "60 min" and
  // 9.96 h "10.0 h", where 1.0 h and 10 h are meant.
  const minutes = Math.round(h * 60);
  if (minutes < 60) return `${minutes} min`;
  if (h < 48) return `${tenths(h)} h`;
  return `${tenths(h / 24)} days`;
}

/** One decimal below 10, none from 10: "9.9", "10", "12". */
function tenths(v: number): string {
  const r = Math.round(v * 10) / 10;
  return r < 10 ? r.toFixed(1) : String(Math.round(v));
}

/** What a `per_day` rate is written per: a day, or a week below one a day. */
export type Per = "day" | "week";

/**
 * The one `Per` of a series of `per_day` values (a trend, its previous
 * period): per day once any reaches one a day. Each value choosing its own
 * put "0.9 / week" in the table beside a "/ day" axis.
 */
export const perOf = (values: readonly (number | null | undefined)[]): Per => (values.some((v) => v !== null && v !== undefined && v >= 1) ? "day" : "week");

/**
 * A figure in its unit, as the API sends it (per_day, hours, percent,
 * ratio); `per` fixes a `per_day` figure's rate (a series' perOf), else the
 * value's own.
 */
export function formatValue(value: number | null | undefined, unit: string, per?: Per): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  switch (unit) {
    case "hours":
      return formatHours(value);
    case "per_day":
      return (per ?? perOf([value])) === "day" ? `${value.toFixed(1)} / day` : `${(value * 7).toFixed(1)} / week`;
    case "percent":
      return `${value.toFixed(1)} %`;
    case "ratio":
      return `${(value * 100).toFixed(1)} %`;
    default:
      return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
  }
}

/** A value in a band's unit, for comparison with the band's bounds. */
export function toBandUnit(value: number, unit: string, bandUnit: string): number {
  if (unit === "ratio" && bandUnit === "percent") return value * 100;
  return value;
}

/**
 * What the PR size buckets mean, each by its upper bound and the last from
 * the one before it: "XS < 10 · … · L < 1,000 · XL ≥ 1,000 lines" (the last
 * once read "XL < ∞").
 */
export function sizeLegend(sizes: readonly Pick<Schemas["SizeBucket"], "size" | "max_lines">[]): string {
  const bounds = sizes.map((s, i) => {
    if (s.max_lines !== null) return `${s.size} < ${formatCount(s.max_lines)}`;
    const below = sizes[i - 1]?.max_lines;
    return below === null || below === undefined ? s.size : `${s.size} ≥ ${formatCount(below)}`;
  });
  return `${bounds.join(" · ")} lines`;
}
