import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatShortDateTime, formatTime } from "./dates";

describe("dates", () => {
  // The test runner's locale is en-US (as the browser suite's chromium).
  it("writes a phone's table time short, with the year only when it is not this one", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    expect(formatShortDateTime("2026-09-26T10:23:00Z", "—", "UTC", now)).toMatch(/^Sep 26, 10:23\s?AM$/);
    expect(formatShortDateTime("2025-12-30T22:00:00Z", "—", "UTC", now)).toMatch(/^Dec 30, 2025, 10:00\s?PM$/);
    // The year of the zone's calendar: Dec 31st 20:00 in Los Angeles is Jan 1st in UTC.
    expect(formatShortDateTime("2026-01-01T04:00:00Z", "—", "America/Los_Angeles", now)).toMatch(/^Dec 31, 2025, 8:00\s?PM$/);
    expect(formatShortDateTime(null)).toBe("—");
  });

  it("writes a date as the other pages do, 'Sep 3, 2026', not '9/3/2026'", () => {
    expect(formatDate("2026-09-03T12:00:00Z")).toBe("Sep 3, 2026");
    expect(formatDateTime("2026-09-03T12:00:00Z")).toMatch(/^Sep 3, 2026, \d{1,2}:\d{2}\s?[AP]M$/);
    expect(formatTime("2026-09-03T12:00:05Z")).toMatch(/^\d{1,2}:\d{2}:05\s?[AP]M$/);
  });

  it("says what the page asks for when there is no date", () => {
    expect(formatDate(null)).toBe("—");
    expect(formatDateTime(undefined, "never")).toBe("never");
    expect(formatDate("not a date")).toBe("—");
  });

  it("is the only place that formats a date (no page keeps its own copy)", () => {
    // Every source file's text, through Vite (the app's tsconfig has no Node types).
    const sources = import.meta.glob<string>(["../**/*.{ts,tsx}", "!../**/*.test.{ts,tsx}", "!../**/*.d.ts"], { query: "?raw", import: "default", eager: true });
    const own = Object.keys(sources).filter((f) => f !== "./dates.ts" && /toLocale(Date|Time)?String\(/.test(sources[f] ?? ""));
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(own).toEqual(["../charts/scale.ts"]);
  });
});
