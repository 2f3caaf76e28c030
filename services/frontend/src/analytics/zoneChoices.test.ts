import { describe, expect, it } from "vitest";
import { FALLBACK_ZONES, groupZones, knownZones, unknownZone } from "./zoneChoices";

describe("the zones the filter bar offers", () => {
  it("are the browser's list where it has one", () => {
    expect(knownZones({ supportedValuesOf: () => ["Europe/Berlin", "UTC"] })).toEqual(["Europe/Berlin", "UTC"]);
  });

  it("fall back to a list of zones the browser knows without one", () => {
    expect(knownZones({})).toBe(FALLBACK_ZONES);
    const throws = () => {
      throw new RangeError("Invalid key : timeZone");
    };
    expect(knownZones({ supportedValuesOf: throws })).toBe(FALLBACK_ZONES);
    expect(FALLBACK_ZONES).toContain("Europe/Berlin");
    expect(FALLBACK_ZONES.every((z) => new Intl.DateTimeFormat("en-US", { timeZone: z }))).toBe(true);
  });

  it("group by region, sorted, UTC left to its own option", () => {
    const groups = groupZones(["Europe/Paris", "UTC", "America/New_York", "Europe/Berlin", "America/Argentina/Salta"]);
    expect(groups).toEqual([
      { region: "America", zones: ["America/Argentina/Salta", "America/New_York"] },
      { region: "Europe", zones: ["Europe/Berlin", "Europe/Paris"] },
    ]);
  });

  it("include a zone from the URL the list lacks (an alias), once", () => {
    const groups = groupZones(["Asia/Kolkata"], ["Asia/Calcutta", "Asia/Kolkata", undefined, "EST"]);
    expect(groups).toEqual([
      { region: "Asia", zones: ["Asia/Calcutta", "Asia/Kolkata"] },
      { region: "Other", zones: ["EST"] },
    ]);
  });
});

describe("a timezone in the link", () => {
  it("is unknown when the browser cannot name it", () => {
    expect(unknownZone("Mars/Olympus")).toBe("Mars/Olympus");
    expect(unknownZone("Europe/Berlin")).toBeUndefined();
    expect(unknownZone(null)).toBeUndefined();
    expect(unknownZone("")).toBeUndefined();
  });
});
