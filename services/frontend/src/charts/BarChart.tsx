import { DataTable } from "./DataTable";
import { axisMargin, chartHeight, fontPx, labelStride, textWidth, useChartWidth } from "./layout";
import { linear, niceTicks } from "./scale";

export interface Bar {
  label: string;
  value: number;
}

/**
 * Vertical bars (a distribution or counts per period) with the same
 * numbers in a table for screen readers and anyone who prefers text.
 * `bucket` heads the table's first column: what a bar's label is ("Week
 * of", "Lead time"); "Bucket" said nothing to a reader.
 */
export function BarChart({ bars, title, bucket, unit, height: base = 220 }: { bars: Bar[]; title: string; bucket: string; unit: string; height?: number }) {
  const [frame, width] = useChartWidth<HTMLDivElement>();
  const height = chartHeight(width, base);
  const font = fontPx(width);
  // Counts get whole-number ticks; anything else the nearest round ones.
  const marks = niceTicks(Math.max(0, ...bars.map((b) => b.value)), { whole: bars.every((b) => Number.isInteger(b.value)) });
  const top = marks[marks.length - 1] ?? 1;
  const left = axisMargin(marks.map(String), 40, font);
  const bottom = height - 28;
  const y = linear([0, top], [bottom, 8]);
  const slot = (width - left - 8) / Math.max(1, bars.length);
  const stride = labelStride(bars.map((b) => b.label), slot, 12, font);
  return (
    <figure className="chart">
      <div ref={frame}>
        <svg viewBox={`0 0 ${width} ${height}`} className="chart-svg" aria-hidden="true" preserveAspectRatio="xMinYMin meet" style={{ fontSize: font }}>
          {marks.map((t) => (
            <g key={t}>
              <line x1={left} x2={width - 4} y1={y(t)} y2={y(t)} className="grid" />
              <text x={left - 6} y={y(t) + font * 0.35} className="axis" textAnchor="end">
                {t}
              </text>
            </g>
          ))}
          {bars.map((b, i) => {
            const x = left + i * slot + slot * 0.15;
            return (
              <g key={b.label}>
                <rect x={x} y={y(b.value)} width={slot * 0.7} height={Math.max(0, bottom - y(b.value))} className="bar" rx={2} />
                {i % stride === 0 && (
                  <text x={labelX(x + slot * 0.35, b.label, width, font)} y={height - 10} className="axis" textAnchor="middle">
                    {b.label}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      <DataTable title={title} head={[bucket, unit]}>
        {bars.map((b) => (
          <tr key={b.label}>
            <td>{b.label}</td>
            <td>{b.value}</td>
          </tr>
        ))}
      </DataTable>
    </figure>
  );
}

/**
 * A label's centre kept far enough from the drawing's edges for all of it
 * to show: centred on the last of 13 weekly bars at 390 px, "Nov 30" was
 * cut to "Nov 3" by the right edge.
 */
export function labelX(centre: number, label: string, width: number, font: number): number {
  const half = Math.ceil(textWidth(label, font) / 2) + 1;
  return Math.max(half, Math.min(width - half, centre));
}

const HOUR_BINS: [string, number][] = [
  ["< 1 h", 1],
  ["1–4 h", 4],
  ["4–24 h", 24],
  ["1–3 d", 72],
  ["3–7 d", 168],
  ["1–4 w", 672],
  ["> 4 w", Infinity],
];

/** Durations in hours counted in bins a person reads at a glance. */
export function binHours(values: (number | null | undefined)[]): Bar[] {
  const counts = HOUR_BINS.map(([label]) => ({ label, value: 0 }));
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const i = HOUR_BINS.findIndex(([, top]) => v < top);
    const bin = counts[i];
    if (bin) bin.value += 1;
  }
  return counts;
}
