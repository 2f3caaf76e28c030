/** Linear scales and tick values for the hand-written SVG charts. */
export function linear(domain: [number, number], range: [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v: number) => r0 + ((v - d0) / span) * (r1 - r0);
}

/**
 * Axis ticks from 0 to the first tick at or above `max`, spaced by the
 * smallest of 1, 2 or 5 × 10ⁿ that needs at most five steps; `whole`
 * (counts) never goes below a step of 1, so no axis reads "0.3 PRs".
 */
export function niceTicks(max: number, { whole = false }: { whole?: boolean } = {}): number[] {
  const m = max > 0 ? max : 1;
  let magnitude = 10 ** Math.floor(Math.log10(m / 5));
  if (whole) magnitude = Math.max(1, magnitude);
  let step = magnitude;
  for (;;) {
    const found = [1, 2, 5].map((k) => k * magnitude).find((s) => s * 5 >= m);
    if (found !== undefined) {
      step = found;
      break;
    }
    magnitude *= 10;
  }
  const steps = Math.max(1, Math.ceil(m / step - 1e-9));
  // toPrecision: 3 × 0.1 is 0.30000000000000004 otherwise.
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

// A calendar day with no time ("2026-11-23": a week's start in the
// deployment-frequency, engineering and work-items answers).
const CALENDAR_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * "Sep 8": the date of `iso` in `timeZone`, the zone the request used. A
 * period starts at local midnight there (Monday 00:00 in Kolkata is Sunday
 * 18:30 UTC), so a label in any other zone can name the day before. A
 * calendar day is already that zone's date: JavaScript reads it as UTC
 * midnight, so it is written in UTC (in New York it named the Sunday before).
 */
export function shortDate(iso: string, timeZone: string = API_ZONE): string {
  const d = new Date(iso);
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: CALENDAR_DAY.test(iso) ? "UTC" : timeZone });
}

/** The API's zone when a request names none (`timezone` defaults to UTC). */
export const API_ZONE = "UTC";
