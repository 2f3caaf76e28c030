import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { formatDateTime } from "../format/dates";
import { parseFilters, toParams, writeFilters, zoneOf } from "./filters";
import { localMidnight, noteRefusedZone, pickZone } from "./zone";

const week = parseFilters(new URLSearchParams("days=7"));

describe("the analytics range in the viewer's zone", () => {
  it("ends at the next local midnight and names the zone (Kolkata)", () => {
    // 01:00 in Kolkata on June 11th is still June 10th in UTC.
    const p = toParams(week, new Date("2026-06-10T19:30:00Z"), "Asia/Kolkata");
    expect(p.timezone).toBe("Asia/Kolkata");
    expect(p.end).toBe("2026-06-11T18:30:00.000Z");
    expect(p.start).toBe("2026-06-04T18:30:00.000Z");
    expect(zoneOf(p)).toBe("Asia/Kolkata");
    // The same range all that local day, so the cache key too.
    expect(toParams(week, new Date("2026-06-11T18:29:00Z"), "Asia/Kolkata")).toEqual(p);
  });

  it("counts calendar days across a daylight-saving change (Los Angeles)", () => {
    // 2026-03-08 02:00 PST → PDT: the range starts at -08:00 and ends at -07:00.
    const p = toParams(week, new Date("2026-03-12T20:00:00Z"), "America/Los_Angeles");
    expect(p.end).toBe("2026-03-13T07:00:00.000Z");
    expect(p.start).toBe("2026-03-06T08:00:00.000Z");
  });

  it("finds local midnight on either side of a change", () => {
    expect(localMidnight(2026, 10, 1, "America/New_York").toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(localMidnight(2026, 10, 2, "America/New_York").toISOString()).toBe("2026-11-02T05:00:00.000Z");
    expect(localMidnight(2026, 2, 29, "Europe/Berlin").toISOString()).toBe("2026-03-28T23:00:00.000Z");
  });

  it("keeps UTC and sends no zone without one", () => {
    const p = toParams(week, new Date("2026-06-10T19:30:00Z"));
    expect(p).not.toHaveProperty("timezone");
    expect(p.end).toBe("2026-06-11T00:00:00.000Z");
    expect(zoneOf(p)).toBe("UTC");
  });
});

describe("the zone in the URL", () => {
  it("stays out of it unless chosen, and a chosen one round-trips", () => {
    expect(writeFilters(parseFilters(new URLSearchParams("days=30"))).toString()).toBe("days=30");
    const chosen = parseFilters(new URLSearchParams("timezone=Europe/Berlin"));
    expect(chosen.zone).toBe("Europe/Berlin");
    expect(writeFilters(chosen).toString()).toBe("timezone=Europe%2FBerlin");
    expect(parseFilters(new URLSearchParams("timezone=Mars/Olympus")).zone).toBeUndefined();
  });

  it("prefers the chosen zone to the browser's and drops a refused one", () => {
    expect(pickZone(undefined, "Asia/Kolkata", new Set())).toBe("Asia/Kolkata");
    expect(pickZone("Europe/Berlin", "Asia/Kolkata", new Set())).toBe("Europe/Berlin");
    expect(pickZone(undefined, "Asia/Kolkata", new Set(["Asia/Kolkata"]))).toBeUndefined();
    expect(pickZone(undefined, undefined, new Set())).toBeUndefined();
  });

  it("notes a zone as refused only on the API's 422 naming timezone", () => {
    const problem = { type: "about:blank", title: "Unprocessable", status: 422, detail: "invalid value for: timezone", code: "validation_error" };
    expect(noteRefusedZone(new ApiError(422, { ...problem, errors: [{ field: "timezone", message: "unknown time zone" }] }), "Etc/Unknown")).toBe(true);
    expect(noteRefusedZone(new ApiError(422, { ...problem, errors: [{ field: "start", message: "bad" }] }), "Asia/Kolkata")).toBe(false);
    expect(noteRefusedZone(new ApiError(500, problem), "Asia/Kolkata")).toBe(false);
    expect(noteRefusedZone(new ApiError(422, { ...problem, errors: [{ field: "timezone", message: "x" }] }), undefined)).toBe(false);
  });
});

describe("dates in the zone the figures were computed in", () => {
  it("names the local day of a deployment", () => {
    expect(formatDateTime("2026-09-06T20:00:00Z", "—", "Asia/Kolkata")).toMatch(/^Sep 7, 2026, 1:30\s?AM$/);
    expect(formatDateTime("2026-09-07T02:00:00Z", "—", "America/Los_Angeles")).toMatch(/^Sep 6, 2026, 7:00\s?PM$/);
  });
});
