import { dateTimeParts, formatDateTime, formatShortDateTime } from "../format/dates";

/**
 * A date and time in a table cell ("Sep 8, 2026, 2:30 PM"): on one line
 * where the column has room, else the date on one line and the time under
 * it, never broken inside either. As one wrapping string a narrow column
 * cut it mid-token ("Sep 8, 2026, 2:30 / PM"), and kept on one line
 * (nowrap) it widened the drill-downs past their card at 1024 px.
 * `short`: formatShortDateTime's "Sep 8, 2:30 PM" (a phone's cards).
 */
export function When({ iso, none = "—", zone, short = false }: { iso: string | null | undefined; none?: string; zone?: string; short?: boolean }) {
  const parts = dateTimeParts(iso, zone, { short });
  if (!parts) return <>{(short ? formatShortDateTime : formatDateTime)(iso, none, zone)}</>;
  return (
    <span className="when">
      <span className="when-part">{parts.date}</span> <span className="when-part">{parts.time}</span>
    </span>
  );
}
