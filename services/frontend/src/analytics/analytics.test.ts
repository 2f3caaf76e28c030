import { describe, expect, it } from "vitest";
import { sources } from "./sources";
import { DEFAULT_DAYS, parseFilters, toParams, writeFilters } from "./filters";
import { changeText, figureText, formatHours, formatSample, formatValue, levelReason, metricByName, sizeLegend, valueNote, type MetricDef } from "./metrics";

describe("filters in the URL", () => {
  it("round-trips and drops what the API would refuse", () => {
    const f = parseFilters(new URLSearchParams("days=30&year=2024&project=2&project=x&repository=-1&repository=7&author=ada&author="));
    expect(f).toEqual({ days: 30, year: 2024, projects: [2], repositories: [7], authors: ["ada"] });
    expect(parseFilters(writeFilters(f))).toEqual(f);
    expect(parseFilters(new URLSearchParams("days=13&year=1999"))).toMatchObject({ days: DEFAULT_DAYS, year: null });
    // Defaults stay out of the URL.
    expect(writeFilters(parseFilters(new URLSearchParams())).toString()).toBe("");
  });

  it("reads the assignee only for the page that filters by one (work items)", () => {
    const q = new URLSearchParams("days=30&assignee=Zo%C3%AB+Quinn");
    expect(parseFilters(q)).not.toHaveProperty("assignee");
    const f = parseFilters(q, { assignee: true });
    expect(f).toMatchObject({ days: 30, assignee: "Zoë Quinn" });
    expect(writeFilters(f).get("assignee")).toBe("Zoë Quinn");
    expect(parseFilters(writeFilters(f), { assignee: true })).toEqual(f);
    // Everyone: nothing in the URL; the API's refusals never reach it (blank, over 255 characters).
    expect(writeFilters({ ...f, assignee: undefined }).has("assignee")).toBe(false);
    expect(parseFilters(new URLSearchParams("assignee="), { assignee: true })).not.toHaveProperty("assignee");
    expect(parseFilters(new URLSearchParams({ assignee: "x".repeat(256) }), { assignee: true })).not.toHaveProperty("assignee");
    // Not an API parameter of the shared query: the work-items query adds it.
    expect(toParams(f)).not.toHaveProperty("assignee");
  });

  it("leaves the DORA report year to the tenant's analytics settings unless one is chosen", () => {
    expect(toParams(parseFilters(new URLSearchParams()))).not.toHaveProperty("report_year");
    expect(toParams(parseFilters(new URLSearchParams("year=2023")))).toMatchObject({ report_year: 2023 });
    expect(writeFilters(parseFilters(new URLSearchParams("year=2024"))).toString()).toBe("year=2024");
  });

  it("ends the range at the next UTC midnight, so it is stable all day", () => {
    const p = toParams(parseFilters(new URLSearchParams("days=7")), new Date("2026-06-10T15:30:00+02:00"));
    expect(p.end).toBe("2026-06-11T00:00:00.000Z");
    expect(p.start).toBe("2026-06-04T00:00:00.000Z");
    expect(toParams(parseFilters(new URLSearchParams("days=7")), new Date("2026-06-10T23:59:00Z")).end).toBe(p.end);
  });
});

describe("formatting", () => {
  it.each([
    [0.25, "15 min"],
    [5, "5.0 h"],
    [30, "30 h"],
    [72, "3.0 days"],
    // Rounding never shows the next unit's figure in this one ("60 min", "10.0 h").
    [0.999, "1.0 h"],
    [9.97, "10 h"],
    [9.94, "9.9 h"],
    [239.5, "10 days"],
    [null, "—"],
  ])("hours %s read %s", (h, text) => expect(formatHours(h)).toBe(text));

  it("reads each unit", () => {
    expect(formatValue(2, "per_day")).toBe("2.0 / day");
    expect(formatValue(0.5, "per_day")).toBe("3.5 / week");
    expect(formatValue(16.25, "percent")).toBe("16.3 %");
    expect(formatValue(null, "percent")).toBe("—");
  });
});

describe("source links", () => {
  const catalog = {
    projects: [],
    repositories: [
      { id: 1, full_name: "demo/api", url: "https://github.example/demo/api/" },
      { id: 2, full_name: "evil/x", url: "javascript:alert(1)" },
    ],
    authors: [],
    assignees: [],
    capped: {},
    jira_url: "https://acme.atlassian.net",
    bands: {},
  };
  it("builds GitHub and Jira addresses, and none from a non-web URL", () => {
    const s = sources(catalog);
    expect(s.pr(1, 12)).toBe("https://github.example/demo/api/pull/12");
    expect(s.commit(1, "abc123")).toBe("https://github.example/demo/api/commit/abc123");
    expect(s.issue("OPS-3")).toBe("https://acme.atlassian.net/browse/OPS-3");
    expect(s.pr(2, 1)).toBeNull();
    expect(s.pr(99, 1)).toBeNull();
    expect(s.repo(99).name).toBe("repository 99");
    expect(sources(undefined).issue("OPS-3")).toBeNull();
  });
});

// The table's own rows: a missing one fails here, not as a crash.
function def(name: string): MetricDef {
  const found = metricByName(name);
  if (!found) throw new Error(`no metric ${name}`);
  return found;
}

describe("what a figure's numbers count", () => {
  it("names the sample's unit, singular and plural", () => {
    const df = def("deployment_frequency");
    expect(formatSample(df, 12)).toBe("12 deployments");
    expect(formatSample(df, 1)).toBe("1 deployment");
    expect(formatSample(def("lead_time_for_changes"), 84)).toBe("84 deployed PRs");
    expect(formatSample(def("failed_deployment_recovery_time"), 0)).toBe("0 incidents");
  });

  it("explains a deployment frequency of 0 beside deployments, and nothing else", () => {
    const df = def("deployment_frequency");
    expect(valueNote(df, { value: 0, sample_size: 12 })).toMatch(/most months .* no deployment day/);
    expect(valueNote(df, { value: 0, sample_size: 0 })).toBeNull();
    expect(valueNote(df, { value: 0.5, sample_size: 12 })).toBeNull();
    expect(valueNote(def("change_failure_rate"), { value: 0, sample_size: 12 })).toBeNull();
  });

  it("says a recovery time mostly open is still open, and why its level is low", () => {
    // The overview tile showed "—" beside a LOW badge and "the median is not
    // known yet": the value and the level now tell one story.
    const rt = def("failed_deployment_recovery_time");
    const open = { value: null, unit: "hours", sample_size: 5, level: "low" as const };
    expect(figureText(rt, open)).toBe("Still open");
    expect(levelReason(rt, open, 2024)).toBe("unresolved incidents count as slower than any band");
    expect(valueNote(rt, open)).toBeNull();
    expect(valueNote(rt, { ...open, unresolved: 3 })).toBe("3 of 5 incidents still open");
    // No incident: no value, no level, and the reason is that.
    const none = { value: null, unit: "hours", sample_size: 0, level: null };
    expect(figureText(rt, none)).toBe("—");
    expect(levelReason(rt, none, 2024)).toBe("no failed deployment in this period");
    const known = { value: 20, unit: "hours", sample_size: 5, level: "high" as const };
    expect(figureText(rt, known)).toBe("20 h");
    expect(levelReason(rt, known, 2024)).toBeNull();
    expect(valueNote(rt, known)).toBeNull();
    // Some open, the median known: the tile still says how many are open.
    expect(valueNote(rt, { ...known, unresolved: 2 })).toBe("2 of 5 incidents still open");
    expect(valueNote(rt, { ...known, unresolved: 0 })).toBeNull();
    expect(valueNote(rt, { ...known, unresolved: null })).toBeNull();
  });
});

describe("a figure against the previous period", () => {
  // The value's spaces do not break (U+00A0): "20" and "h" stayed apart on a narrow tile.
  it("says the change and the value it changed from", () => {
    expect(changeText({ change: "improved", previous_value: 0.5, unit: "per_day" })).toBe("▲ improved from 3.5\u00a0/\u00a0week");
    expect(changeText({ change: "worsened", previous_value: 12.5, unit: "percent" })).toBe("▼ worsened from 12.5\u00a0%");
    expect(changeText({ change: "unchanged", previous_value: 12.5, unit: "percent" })).toBe("= unchanged from 12.5\u00a0%");
  });

  it("without a comparison, says the previous value alone, not 'no comparison from 20 h'", () => {
    expect(changeText({ change: "no_data", previous_value: 19.8, unit: "hours" })).toBe("previous period: 20\u00a0h");
    expect(changeText({ change: "no_data", previous_value: null, unit: "hours" })).toBe("no comparison");
    // The previous period predates every loaded row: not "improved from 0.0 / week".
    expect(changeText({ change: "no_comparison", previous_value: null, unit: "per_day" })).toBe("no earlier data");
  });

  it("says a previous recovery time with most incidents open was still open, not nothing", () => {
    expect(changeText({ change: "improved", previous_value: null, unit: "hours", previous_unresolved: 2 })).toBe("▲ improved from still\u00a0open");
    expect(changeText({ change: "no_data", previous_value: null, unit: "hours", previous_unresolved: 2 })).toBe("previous period: still\u00a0open");
    // Open incidents beside a known previous median: the median is the figure.
    expect(changeText({ change: "improved", previous_value: 19.8, unit: "hours", previous_unresolved: 1 })).toBe("▲ improved from 20\u00a0h");
    expect(changeText({ change: "no_data", previous_value: null, unit: "hours", previous_unresolved: 0 })).toBe("no comparison");
  });
});

describe("PR size buckets", () => {
  it("says the last, open-ended bucket from its lower bound, not \"< ∞\"", () => {
    const sizes = [
      { size: "XS", max_lines: 10 },
      { size: "S", max_lines: 100 },
      { size: "M", max_lines: 400 },
      { size: "L", max_lines: 1000 },
      { size: "XL", max_lines: null },
    ];
    expect(sizeLegend(sizes)).toBe("XS < 10 · S < 100 · M < 400 · L < 1,000 · XL ≥ 1,000 lines");
    expect(sizeLegend([{ size: "all", max_lines: null }])).toBe("all lines");
  });
});
