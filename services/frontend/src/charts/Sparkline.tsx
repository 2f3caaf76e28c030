import { linear } from "./scale";

/**
 * A small line of the latest periods. Decorative next to the figure it
 * accompanies, so it carries a short text alternative (first, last, range).
 */
export function Sparkline({ values, label, width = 120, height = 32 }: { values: (number | null)[]; label: string; width?: number; height?: number }) {
  const known = values.filter((v): v is number => v !== null);
  if (known.length < 2) return <span className="muted sparkline-empty">Not enough data for a trend</span>;
  const min = Math.min(...known);
  const max = Math.max(...known);
  const x = linear([0, values.length - 1], [2, width - 2]);
  const y = linear([min, max === min ? min + 1 : max], [height - 3, 3]);
  const segments: string[] = [];
  let current = "";
  values.forEach((v, i) => {
    if (v === null) {
      if (current) segments.push(current);
      current = "";
      return;
    }
    current += `${current ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
  });
  if (current) segments.push(current);
  const last = known[known.length - 1] ?? 0;
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {segments.map((d) => (
        <path key={d} d={d} className="spark-line" />
      ))}
      <circle cx={x(values.lastIndexOf(last))} cy={y(last)} r={2.5} className="spark-dot" />
    </svg>
  );
}
