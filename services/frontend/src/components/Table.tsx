import type { ReactNode } from "react";

/**
 * A table that scrolls sideways on its own on a narrow screen (keyboard
 * reachable, named for screen readers) instead of widening the page.
 * An empty column name is an actions column, named for screen readers only.
 */
export function Table({ label, caption, columns, className, children }: { label: string; caption: string; columns: string[]; className?: string; children: ReactNode }) {
  return (
    <div className={className ? `table-scroll ${className}` : "table-scroll"} role="region" aria-label={label} tabIndex={0}>
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th scope="col" key={c || `col-${i}`}>
                {c || <span className="sr-only">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
