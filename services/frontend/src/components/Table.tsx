import type { ReactNode } from "react";
import { ScrollBox } from "./ScrollBox";

/**
 * A table that scrolls sideways on its own on a narrow screen (keyboard
 * reachable, named for screen readers, a hint and edge shadows when it
 * does: ScrollBox) instead of widening the page.
 * An empty column name is an actions column, named for screen readers only.
 */
export function Table({ label, caption, columns, className, children }: { label: string; caption: string; columns: string[]; className?: string; children: ReactNode }) {
  return (
    <ScrollBox label={label} className={className}>
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
    </ScrollBox>
  );
}
