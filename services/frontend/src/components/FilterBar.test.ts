import { describe, expect, it } from "vitest";
import type { Filters } from "../analytics/filters";
import { filtersSet } from "./FilterBar";

// The count a phone's folded filter bar shows on its button ("Filters · 2").
describe("filtersSet", () => {
  const fresh: Filters = { days: 90, year: null, projects: [], repositories: [], authors: [] };

  it("is 0 on a fresh dashboard", () => {
    expect(filtersSet(fresh)).toBe(0);
  });

  it("counts the period, the year, each chosen list item and a chosen zone", () => {
    expect(filtersSet({ ...fresh, days: 30, year: 2024 })).toBe(2);
    expect(filtersSet({ ...fresh, projects: [1, 2], repositories: [3], authors: ["ada"], zone: "UTC" })).toBe(5);
  });
});
