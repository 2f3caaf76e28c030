import type { ReactNode } from "react";

/** A chart's figures as a table, folded under the chart: its text alternative. */
export function DataTable({ title, head, children }: { title: string; head: string[]; children: ReactNode }) {
  return (
    <details className="chart-data">
      <summary>{title}: data table</summary>
      <table>
        <caption className="sr-only">{title}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </details>
  );
}
