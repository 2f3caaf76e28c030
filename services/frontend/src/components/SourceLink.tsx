import type { ReactNode } from "react";

/** A link to the source system, or the plain text when it has no address. */
export function SourceLink({ href, children, label }: { href: string | null; children: ReactNode; label?: string }) {
  if (!href) return <>{children}</>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" aria-label={label}>
      {children}
    </a>
  );
}
