/**
 * The app's one way to write a date and a time, in the reader's locale:
 * "Sep 8, 2026" and "Sep 8, 2026, 2:30 PM" (en-US), never a page's own
 * toLocaleDateString() ("9/8/2026"). Chart axes use charts/scale's shortDate
 * ("Sep 8"), the same style without the year.
 */
type When = string | null | undefined;

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
// Log lines are seconds apart: their time keeps the seconds.
const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

function format(style: Intl.DateTimeFormat, iso: When, none: string): string {
  if (!iso) return none;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? none : style.format(d);
}

/** "Sep 8, 2026"; `none` when there is no date. */
export const formatDate = (iso: When, none = "—"): string => format(DATE, iso, none);
/** "Sep 8, 2026, 2:30 PM"; `none` when there is no date. */
export const formatDateTime = (iso: When, none = "—"): string => format(DATE_TIME, iso, none);
/** "2:30:15 PM", for log lines. */
export const formatTime = (iso: When, none = ""): string => format(TIME, iso, none);
