/**
 * The time zone the dashboards ask the analytics API to compute in: the
 * viewer's own (the browser's IANA zone), so a deployment counts on the
 * viewer's calendar day and a week starts at their Monday midnight. Without
 * one the API computes in UTC: Kolkata's Monday morning was Sunday's.
 *
 * The zone never goes into the shareable URL unless the user chose one: a
 * link opened elsewhere shows that viewer's calendar. A zone the browser
 * cannot name, or one the API refuses (its zone data may lag the
 * browser's), is left out: the page falls back to UTC rather than break.
 */
import { useSyncExternalStore } from "react";
import { ApiError } from "../api/problem";

/** Whether the browser knows `name` as a time zone. */
export function isZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The browser's IANA zone, or undefined when it names none usable. */
export function browserZone(): string | undefined {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone && isZone(zone) ? zone : undefined;
  } catch {
    return undefined;
  }
}

let viewer: { zone: string | undefined } | null = null;

/** browserZone, read once per page load (every dashboard render asks). */
export const viewerZone = (): string | undefined => (viewer ??= { zone: browserZone() }).zone;

// Zones the API answered 422 on `timezone` for, this page load.
let refused: ReadonlySet<string> = new Set();
const listeners = new Set<() => void>();

/**
 * Notes `zone` as refused when `error` is the API's 422 naming `timezone`,
 * so the pages ask again without it. Returns whether it did.
 */
export function noteRefusedZone(error: unknown, zone: string | undefined): boolean {
  if (!zone || !(error instanceof ApiError) || error.status !== 422) return false;
  if (!error.problem.errors?.some((e) => e.field === "timezone")) return false;
  refused = new Set([...refused, zone]);
  listeners.forEach((l) => l());
  return true;
}

/** The zones refused so far (a new set on each change, for React). */
export function useRefusedZones(): ReadonlySet<string> {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => refused,
  );
}

/** The zone to send: the user's choice, else the browser's; none if refused. */
export function pickZone(chosen: string | undefined, browser: string | undefined, refusedZones: ReadonlySet<string>): string | undefined {
  const zone = chosen ?? browser;
  return zone && !refusedZones.has(zone) ? zone : undefined;
}

const parts = (at: number, timeZone: string) => {
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
  const p = new Map(fmt.formatToParts(at).map((x) => [x.type, Number(x.value)]));
  const n = (type: Intl.DateTimeFormatPartTypes) => p.get(type) ?? 0;
  const [y, m, d] = [n("year"), n("month") - 1, n("day")];
  return { y, m, d, wall: Date.UTC(y, m, d, n("hour"), n("minute"), n("second")) };
};

/** `timeZone`'s offset from UTC at the instant `at`, in ms (Kolkata: +5.5 h). */
function offset(at: number, timeZone: string): number {
  return parts(at, timeZone).wall - Math.floor(at / 1000) * 1000;
}

/** The calendar date (month 0-based) of the instant `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): { y: number; m: number; d: number } {
  const { y, m, d } = parts(at.getTime(), timeZone);
  return { y, m, d };
}

/**
 * The instant of 00:00 on `y-m-d` (month 0-based; out-of-range days roll
 * over as Date.UTC's do) in `timeZone`. The offset is read twice: midnight
 * may fall on the other side of a daylight-saving change from the guess.
 */
export function localMidnight(y: number, m: number, d: number, timeZone: string): Date {
  const guess = Date.UTC(y, m, d);
  const first = guess - offset(guess, timeZone);
  return new Date(guess - offset(first, timeZone));
}
