import type { ReactNode } from "react";
import { Table } from "../components/Table";

/**
 * A chart's figures as a table, folded under the chart: its text alternative.
 * In a Table (its own sideways scroll): the trend's five columns, bare, made
 * the whole page wider than a phone once opened.
 */
export function DataTable({ title, head, children }: { title: string; head: string[]; children: ReactNode }) {
  return (
    <details className="chart-data">
      <summary>{title}: data table</summary>
      <Table label={`${title}: data table`} caption={title} columns={head}>
        {children}
      </Table>
    </details>
  );
}
