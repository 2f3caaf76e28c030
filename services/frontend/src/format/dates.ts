/**
 * The app's one way to write a date and a time, in the reader's locale:
 * "Sep 8, 2026" and "Sep 8, 2026, 2:30 PM" (en-US), never a page's own
 * toLocaleDateString() ("9/8/2026"). Chart axes use charts/scale's shortDate
 * ("Sep 8"), the same style without the year.
 */
type When = string | null | undefined;
type Style = Intl.DateTimeFormatOptions;

const DATE: Style = { dateStyle: "medium" };
const DATE_TIME: Style = { dateStyle: "medium", timeStyle: "short" };
// A phone's table cell: no weekday, no year unless it is not this one.
const SHORT: Style = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
const YEAR: Style = { year: "numeric" };
// The halves of DATE_TIME and SHORT (dateTimeParts).
const TIME_SHORT: Style = { timeStyle: "short" };
const SHORT_DATE: Style = { month: "short", day: "numeric" };
const SHORT_TIME: Style = { hour: "numeric", minute: "2-digit" };
// Log lines are seconds apart: their time keeps the seconds.
const TIME: Style = { timeStyle: "medium" };

// One formatter per style and zone (building one costs more than formatting).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(style: Style, timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${JSON.stringify(style)} ${timeZone ?? ""}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(undefined, { ...style, timeZone })));
  return f;
}

function format(style: Style, iso: When, none: string, timeZone: string | undefined): string {
  if (!iso) return none;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? none : formatter(style, timeZone).format(d);
}

/**
 * "Sep 8, 2026"; `none` when there is no date. `timeZone`: the zone the
 * figures were computed in (analytics/filters' zoneOf), else the browser's.
 */
export const formatDate = (iso: When, none = "—", timeZone?: string): string => format(DATE, iso, none, timeZone);
/** "Sep 8, 2026, 2:30 PM"; `none` when there is no date. */
export const formatDateTime = (iso: When, none = "—", timeZone?: string): string => format(DATE_TIME, iso, none, timeZone);
/**
 * "Sep 8, 2:30 PM", for a table cell at phone width ("Sep 8, 2026, 2:30 PM"
 * wrapped over three lines there); the year only when it is not `now`'s.
 */
export function formatShortDateTime(iso: When, none = "—", timeZone?: string, now: Date = new Date()): string {
  if (!iso) return none;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return none;
  const year = formatter(YEAR, timeZone);
  return formatter(year.format(d) === year.format(now) ? SHORT : { ...SHORT, ...YEAR }, timeZone).format(d);
}
/**
 * A date and time as its two halves, {date: "Sep 8, 2026,", time: "2:30 PM"}
 * (formatDateTime's; `short`: formatShortDateTime's), for a cell that may
 * break it over two lines only between them (components/When). Null when
 * there is no date, or where the locale's whole is not the date, a
 * separator and the time (then the whole is written as one).
 */
export function dateTimeParts(iso: When, timeZone?: string, { short = false, now = new Date() } = {}): { date: string; time: string } | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const thisYear = formatter(YEAR, timeZone).format(d) === formatter(YEAR, timeZone).format(now);
  const [whole, day, time] = short
    ? [thisYear ? SHORT : { ...SHORT, ...YEAR }, thisYear ? SHORT_DATE : { ...SHORT_DATE, ...YEAR }, SHORT_TIME]
    : [DATE_TIME, DATE, TIME_SHORT];
  const all = formatter(whole, timeZone).format(d);
  const date = formatter(day, timeZone).format(d);
  const clock = formatter(time, timeZone).format(d);
  if (!all.startsWith(date) || !all.endsWith(clock) || all.length < date.length + clock.length) return null;
  // "Sep 8, 2026" + ", " + "2:30 PM": the separator's comma stays with the date.
  return { date: (date + all.slice(date.length, all.length - clock.length)).trimEnd(), time: clock };
}
/** "2:30:15 PM", for log lines. */
export const formatTime = (iso: When, none = ""): string => format(TIME, iso, none, undefined);
