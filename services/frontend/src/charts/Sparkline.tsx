import { linePaths } from "./partial";
import { linear } from "./scale";

/**
 * A small line of the latest periods. Decorative next to the figure it
 * accompanies, so it carries a short text alternative (first, last, range).
 * A partial period (`partial[i]`, see partial.ts) is reached by a dashed
 * step, and the last point's dot is hollow when that period is partial.
 */
export function Sparkline({
  values,
  partial = [],
  label,
  width = 120,
  height = 32,
}: {
  values: (number | null)[];
  partial?: (boolean | undefined)[];
  label: string;
  width?: number;
  height?: number;
}) {
  const known = values.filter((v): v is number => v !== null);
  if (known.length < 2) return <span className="muted sparkline-empty">Not enough data for a trend</span>;
  const min = Math.min(...known);
  const max = Math.max(...known);
  const x = linear([0, values.length - 1], [2, width - 2]);
  const y = linear([min, max === min ? min + 1 : max], [height - 3, 3]);
  const { solid, dashed } = linePaths(values, partial, x, y);
  const last = known[known.length - 1] ?? 0;
  const at = values.lastIndexOf(last);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {solid.map((d) => (
        <path key={d} d={d} className="spark-line" />
      ))}
      {dashed.map((d) => (
        <path key={d} d={d} className="spark-partial" />
      ))}
      <circle cx={x(at)} cy={y(last)} r={2.5} className={partial[at] ? "spark-dot spark-dot-partial" : "spark-dot"} />
    </svg>
  );
}
