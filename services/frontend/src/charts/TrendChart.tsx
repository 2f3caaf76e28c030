import { formatValue, perOf, type Level, type Per } from "../analytics/metrics";
import { placeBandLabel, segments } from "./bandLabels";
import type { Region } from "./bands";
import { DataTable } from "./DataTable";
import { axisMargin, chartHeight, fontPx, labelStride, textWidth, useChartWidth } from "./layout";
import { linePaths, partialText, type Coverage } from "./partial";
import { linear, niceTicks, shortDate } from "./scale";

export interface Point extends Coverage {
  start: string;
  value: number | null;
  level: Level | null;
  sample_size: number;
}

export interface Tick {
  value: number;
  label: string;
}

/** A point marker's radius; its 2 px stroke reaches one pixel further. */
const DOT = 3.5;
const DOT_REACH = DOT + 1;

const plain = (v: number) => String(Number(v.toFixed(2)));

/**
 * Round ticks up to at least `max` (in the chart's values, `scale` times
 * the unit), every label in one unit: "0.5 / day" under "1 / day", never
 * "3.5 / week" under it, and days throughout once hours pass two days.
 * `per`: the rate a `per_day` series is written in (its table's too).
 */
export function axisTicks(max: number, unit: string, scale = 1, per: Per = max >= 1 ? "day" : "week"): Tick[] {
  const inUnit = (factor: number, suffix: string) => niceTicks(max * factor).map((v) => ({ value: v / factor, label: `${plain(v)} ${suffix}` }));
  if (scale === 1 && unit === "hours") return max < 1 ? inUnit(60, "min") : max < 48 ? inUnit(1, "h") : inUnit(1 / 24, "days");
  if (scale === 1 && unit === "per_day") return per === "day" ? inUnit(1, "/ day") : inUnit(7, "/ week");
  // A share in whole percents ("50 %", not "50.0 %").
  if (scale === 1 && unit === "percent") return inUnit(1, "%");
  if (scale === 1 && unit === "ratio") return inUnit(100, "%");
  return niceTicks(max).map((v) => ({ value: v, label: formatValue(v / scale, unit) }));
}

/**
 * A metric per week or month over the DORA level bands of the report year,
 * with the previous period dashed; the figures are also in a table. A point
 * covering only part of its period (partial.ts) is hollow, the step into
 * it dashed, and its row says how many days it covers.
 */
export function TrendChart({
  title,
  points,
  previous,
  unit,
  regions,
  scale = 1,
  timeZone,
}: {
  title: string;
  points: Point[];
  previous: { value: number | null }[];
  unit: string;
  regions: Region[];
  /** Multiplies values into the bands' unit (a ratio against percent bands). */
  scale?: number;
  /** The zone the request used: each period is labelled by its local start date there. */
  timeZone?: string;
}) {
  const [frame, width] = useChartWidth<HTMLDivElement>();
  const height = chartHeight(width, 240);
  const font = fontPx(width);
  const bottom = height - 28;
  const values = points.map((p) => (p.value === null ? null : p.value * scale));
  const before = previous.map((p) => (p.value === null ? null : p.value * scale));
  const known = [...values, ...before].filter((v): v is number => v !== null);
  const finite = regions.flatMap((r) => [r.from, r.to]).filter((v) => Number.isFinite(v) && v > 0);
  // Show the next band edge above the figures when it is near, without
  // squashing the line at the bottom of the chart.
  const dataMax = Math.max(0, ...known);
  const nextEdge = finite.filter((v) => v > dataMax).sort((a, b) => a - b)[0];
  // One rate for the axis, the tips and the table, from the series' own values.
  const per = perOf([...points, ...previous].map((p) => p.value));
  const value = (v: number | null) => formatValue(v, unit, per);
  // A level without a value is a recovery time whose incidents are mostly
  // still open (low: slower than any band); "—" beside "low" read as a gap.
  const pointValue = (p: Point) => (p.value === null && p.level !== null ? "still open" : value(p.value));
  // A share's axis stops at 100 %: a week at 100 % (one deployment, one
  // incident) drew the change failure rate's axis up to "150.0 %".
  const whole = unit === "percent" ? 100 * scale : unit === "ratio" ? scale : Infinity;
  const headroom = Math.max(dataMax * 1.15, nextEdge !== undefined && nextEdge <= dataMax * 2 ? nextEdge * 1.05 : 0);
  const marks = axisTicks(dataMax <= whole ? Math.min(whole, headroom) : headroom, unit, scale, per);
  const top = marks[marks.length - 1]?.value ?? 1;
  const left = axisMargin(marks.map((t) => t.label), 56, font);
  const dates = points.map((p) => shortDate(p.start, timeZone));
  // The last date is centred on the last point: keep it inside the drawing.
  const right = width - Math.max(12, Math.ceil(textWidth(dates[dates.length - 1] ?? "", font) / 2) + 2);
  const x = linear([0, Math.max(1, points.length - 1)], [left + 8, right]);
  const stride = labelStride(dates, (right - left - 8) / Math.max(1, points.length - 1), 8, font);
  const y = linear([0, top], [bottom, 8]);
  const clip = (v: number) => Math.min(top, Math.max(0, v));
  const line = linePaths(values, points.map((p) => p.partial), x, y);
  const anyPartial = points.some((p) => p.partial);
  // What the band names must keep clear of: the points, both lines.
  const data = {
    points: values.flatMap((v, i) => (v === null ? [] : [{ x: x(i) - DOT_REACH, y: y(v) - DOT_REACH, width: 2 * DOT_REACH, height: 2 * DOT_REACH }])),
    lines: [...segments(values, x, y), ...segments(before, x, y)],
    columns: points.map((_, i) => x(i)),
  };
  const bands = regions.map((r) => {
    const box = { x: left, width: width - left - 4, y: y(clip(r.to)), height: Math.max(0, y(clip(r.from)) - y(clip(r.to))) };
    return { level: r.level, box, label: placeBandLabel(r.level, box, font, data) };
  });
  return (
    <figure className="chart">
      <div ref={frame}>
        <svg viewBox={`0 0 ${width} ${height}`} className="chart-svg" aria-hidden="true" style={{ fontSize: font }}>
          {bands.map(({ level, box }) => (
            <rect key={level} {...box} className={`band band-${level}`} />
          ))}
          {marks.map((t) => (
            <text key={t.value} x={left - 6} y={y(t.value) + font * 0.35} className="axis" textAnchor="end">
              {t.label}
            </text>
          ))}
          <line x1={left} x2={width - 4} y1={bottom} y2={bottom} className="grid" />
          <path d={linePaths(before, [], x, y).solid.join("")} className="trend-previous" />
          <path d={line.solid.join("")} className="trend-line" />
          {line.dashed.length > 0 && <path d={line.dashed.join("")} className="trend-partial" />}
          {/* The names over the lines, haloed: in a band the lines cross everywhere (lead
              time's thin elite band) the name found no clear spot and the dotted
              partial step was drawn across "ELITE". */}
          {bands.map(({ level, label }) =>
            label ? (
              <text key={level} x={label.x} y={label.y} className="band-label" textAnchor={label.anchor}>
                {level}
              </text>
            ) : null,
          )}
          {points.map((p, i) => {
            const v = values[i];
            if (v === null || v === undefined) return null;
            const partial = partialText(p);
            return (
              <circle key={p.start} cx={x(i)} cy={y(v)} r={DOT} className={`trend-dot${partial ? " trend-dot-partial" : ""} level-${p.level ?? "none"}`}>
                <title>{`${dates[i]}: ${value(p.value)}${partial ? ` (${partial})` : ""}`}</title>
              </circle>
            );
          })}
          {points.map((p, i) =>
            i % stride === 0 ? (
              <text key={p.start} x={x(i)} y={height - 8} className="axis" textAnchor="middle">
                {dates[i]}
              </text>
            ) : null,
          )}
        </svg>
      </div>
      <figcaption className="chart-legend muted">
        <span className="legend-line" aria-hidden="true" /> this period <span className="legend-dash" aria-hidden="true" /> previous period
        {anyPartial && (
          <>
            {" "}
            <span className="legend-item">
              <span className="legend-partial" aria-hidden="true" /> partial period (its days only)
            </span>
          </>
        )}
        ; shaded: DORA levels
      </figcaption>
      <DataTable title={title} head={["Period from", "Value", "Level", "Sample", "Previous period"]}>
        {points.map((p, i) => (
          <tr key={p.start}>
            <td>
              {dates[i]}
              {p.partial && <span className="muted small partial-note"> ({partialText(p)})</span>}
            </td>
            {/* "value": a figure stays on one line ("6.4 days" wrapped its unit under it at 360 px). */}
            <td className="value">{pointValue(p)}</td>
            <td>{p.level ?? "—"}</td>
            <td>{p.sample_size}</td>
            <td className="value">{value(previous[i]?.value ?? null)}</td>
          </tr>
        ))}
      </DataTable>
    </figure>
  );
}
