import { describe, expect, it } from "vitest";
import type { Filters } from "../analytics/filters";
import type { Catalog } from "../api/analytics";
import { filterSummary, filtersSet, listRows } from "./FilterBar";

// The count a phone's folded filter bar shows on its button ("Filters · 2").
describe("filtersSet", () => {
  const fresh: Filters = { days: 90, year: null, projects: [], repositories: [], authors: [] };

  it("is 0 on a fresh dashboard", () => {
    expect(filtersSet(fresh)).toBe(0);
  });

  it("counts the period, the year, each chosen list item and a chosen zone", () => {
    expect(filtersSet({ ...fresh, days: 30, year: 2024 })).toBe(2);
    expect(filtersSet({ ...fresh, projects: [1, 2], repositories: [3], authors: ["ada"], zone: "UTC" })).toBe(5);
    expect(filtersSet({ ...fresh, assignee: "Ada Lovelace" })).toBe(1);
  });
});

// Printed, the bar's controls are left out: this line says what the figures are for.
describe("filterSummary", () => {
  const fresh: Filters = { days: 90, year: null, projects: [], repositories: [], authors: [] };
  const catalog = { projects: [{ id: 1, key: "OPS", name: "Operations" }], repositories: [{ id: 7, full_name: "demo/api" }], authors: ["ada"] } as unknown as Catalog;

  it("names the period and the zone of a fresh dashboard", () => {
    expect(filterSummary(fresh, catalog, "UTC")).toBe("Last 90 days · Times in UTC");
  });

  it("names each filter by what the lists show, and one the catalog does not know by its id", () => {
    const f = { ...fresh, days: 30, year: 2024 as const, projects: [1, 9], repositories: [7], authors: ["ada", "bob"] };
    expect(filterSummary(f, catalog, "Asia/Kolkata")).toBe(
      "Last 30 days · DORA report 2024 · Projects: OPS, project 9 · Repositories: demo/api · Team: ada, bob · Times in Asia/Kolkata",
    );
    expect(filterSummary({ ...fresh, assignee: "Zoë Quinn" }, catalog, "UTC")).toBe("Last 90 days · Assignee: Zoë Quinn · Times in UTC");
  });
});

// Each list its own height, Projects' three rows stood short of its neighbours' four.
describe("listRows", () => {
  it("gives the bar's lists one height: two to four rows, the longest list's", () => {
    expect(listRows([3, 4, 8])).toBe(4);
    expect(listRows([3, 2])).toBe(3);
    expect(listRows([1])).toBe(2);
    expect(listRows([])).toBe(2);
  });
});
