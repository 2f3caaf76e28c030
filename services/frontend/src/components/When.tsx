import { dateTimeParts, formatDateTime, formatShortDateTime } from "../format/dates";

/**
 * A date and time in a table cell ("Sep 8, 2026, 2:30 PM"): on one line
 * where the column has room, else the date on one line and the time under
 * it, never broken inside either. As one wrapping string a narrow column
 * cut it mid-token ("Sep 8, 2026, 2:30 / PM"), and kept on one line
 * (nowrap) it widened the drill-downs past their card at 1024 px.
 * `short`: formatShortDateTime's "Sep 8, 2:30 PM" as plain text (a phone's
 * cards, where it has a line of its own): in a card's grid cell the parts'
 * span became a block, its box a few px above its text's, and the phone
 * tables' check counted the one line as two.
 */
export function When({ iso, none = "—", zone, short = false }: { iso: string | null | undefined; none?: string; zone?: string; short?: boolean }) {
  if (short) return <>{formatShortDateTime(iso, none, zone)}</>;
  const parts = dateTimeParts(iso, zone);
  if (!parts) return <>{formatDateTime(iso, none, zone)}</>;
  return (
    <span className="when">
      <span className="when-part">{parts.date}</span> <span className="when-part">{parts.time}</span>
    </span>
  );
}
