/**
 * A trend's first and last points usually cover only part of their week or
 * month (the range starts on a Saturday; the current week has just begun).
 * Their figures are over those days alone, so the charts draw them apart:
 * a hollow marker and a dashed step into or out of them, and say
 * "partial: 2 of 7 days" in words. Drawn like whole weeks, a week of which
 * one day has passed read as a collapse.
 */

/** What the API says of a point's coverage (TrendPoint). */
export interface Coverage {
  partial?: boolean;
  days?: number;
  period_days?: number;
}

/** Days to a tenth, in the reader's locale: a range may start or end within a day. */
const DAYS = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** "partial: 2.5 of 7 days" for a partial point, null for a whole one. */
export function partialText(p: Coverage): string | null {
  if (!p.partial) return null;
  const days = DAYS.format(p.days ?? 0);
  return p.period_days ? `partial: ${days} of ${p.period_days} days` : `partial: ${days} days`;
}

/**
 * A line through `values` as SVG path data: `solid` runs between whole
 * points (a missing value breaks the line; a lone point is a run of one
 * move), and one `dashed` step for each pair of neighbours where either is
 * partial.
 */
export function linePaths(
  values: (number | null)[],
  partial: (boolean | undefined)[],
  x: (i: number) => number,
  y: (v: number) => number,
): { solid: string[]; dashed: string[] } {
  const solid: string[] = [];
  const dashed: string[] = [];
  const at = (i: number, v: number) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
  let run = "";
  values.forEach((v, i) => {
    if (v === null) {
      if (run) solid.push(run);
      run = "";
      return;
    }
    const before = i > 0 ? values[i - 1] : null;
    if (before !== null && before !== undefined && (partial[i] || partial[i - 1])) {
      dashed.push(`M${at(i - 1, before)}L${at(i, v)}`);
      if (run) solid.push(run);
      run = `M${at(i, v)}`;
      return;
    }
    run += `${run ? "L" : "M"}${at(i, v)}`;
  });
  if (run) solid.push(run);
  return { solid, dashed };
}
