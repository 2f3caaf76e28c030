import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { LevelBadge } from "../components/LevelBadge";
import { levelReason, METRICS, type MetricDef } from "../analytics/metrics";
import { regions } from "./bands";
import { BarChart, binHours, labelX } from "./BarChart";
import { textWidth } from "./layout";
import { partialText } from "./partial";
import { niceTicks, shortDate } from "./scale";
import { Sparkline } from "./Sparkline";
import { axisTicks, TrendChart } from "./TrendChart";

const H = 1;
const DAY = 24;

describe("level regions", () => {
  it("tiles lead time (2023): the overlapping low band owns everything past medium", () => {
    const r = regions(
      [
        { level: "elite", lower: 0, upper: DAY },
        { level: "high", lower: DAY, upper: 7 * DAY },
        { level: "medium", lower: 7 * DAY, upper: 30 * DAY },
        { level: "low", lower: 7 * DAY, upper: 30 * DAY },
      ],
      false,
    );
    expect(r).toEqual([
      { level: "elite", from: 0, to: DAY },
      { level: "high", from: DAY, to: 7 * DAY },
      { level: "medium", from: 7 * DAY, to: 30 * DAY },
      { level: "low", from: 30 * DAY, to: Infinity },
    ]);
  });

  it("drops a level a better one covers (2024 change failure rate: medium 10 % under high 20 %)", () => {
    const r = regions(
      [
        { level: "elite", lower: 5, upper: 5 },
        { level: "high", lower: 20, upper: 20 },
        { level: "medium", lower: 10, upper: 10 },
        { level: "low", lower: 40, upper: 40 },
      ],
      false,
    );
    expect(r.map((x) => [x.level, x.from, x.to])).toEqual([
      ["elite", 0, 5],
      ["high", 5, 20],
      ["low", 20, Infinity],
    ]);
  });

  it("stacks higher-is-better bands from the top (deployment frequency per day)", () => {
    const r = regions(
      [
        { level: "elite", lower: 1, upper: null },
        { level: "high", lower: 1 / 7, upper: 1 },
        { level: "medium", lower: 1 / 30, upper: 1 / 7 },
        { level: "low", lower: 1 / 30, upper: 1 / 7 },
      ],
      true,
    );
    expect(r.map((x) => x.level)).toEqual(["elite", "high", "medium", "low"]);
    expect(r[0]).toEqual({ level: "elite", from: 1, to: Infinity });
    expect(r[3]).toEqual({ level: "low", from: 0, to: 1 / 30 });
  });
});

describe("binHours", () => {
  it("counts durations in readable bins and skips unknowns", () => {
    const bins = binHours([0.5 * H, 2, 3, 30, 200, 2000, null, undefined]);
    expect(Object.fromEntries(bins.map((b) => [b.label, b.value]))).toEqual({
      "< 1 h": 1,
      "1–4 h": 2,
      "4–24 h": 0,
      "1–3 d": 1,
      "3–7 d": 0,
      "1–4 w": 1,
      "> 4 w": 1,
    });
  });
});

/** The value axis's labels as drawn (the bars' labels sit centred below). */
const axisLabels = () => Array.from(document.querySelectorAll('text.axis[text-anchor="end"]'), (t) => t.textContent);

describe("axis ticks", () => {
  it.each([
    [1, [0, 1]],
    [5, [0, 1, 2, 3, 4, 5]],
    [48, [0, 10, 20, 30, 40, 50]],
    [12, [0, 5, 10, 15]],
  ])("a count axis up to %s ticks whole numbers", (max, want) => expect(niceTicks(max, { whole: true })).toEqual(want));

  it("a bar chart of counts never labels a fraction of a PR", () => {
    render(<BarChart title="PRs" bucket="Size" unit="PRs" bars={[{ label: "M", value: 1 }]} />);
    expect(axisLabels()).toEqual(["0", "1"]);
  });

  it("a trend axis keeps one unit: deployments per day do not switch to per week halfway up", () => {
    const labels = axisTicks(1.6, "per_day").map((t) => t.label);
    expect(labels).toEqual(["0 / day", "0.5 / day", "1 / day", "1.5 / day", "2 / day"]);
    expect(axisTicks(0.6, "per_day").map((t) => t.label)).toEqual(["0 / week", "1 / week", "2 / week", "3 / week", "4 / week", "5 / week"]);
  });

  it.each([
    // Axis headroom (0.9 × 1.15) crossed one a day: the axis said "/ day", every row "/ week".
    [[0.6, 0.9], "/ week"],
    // 0.6 a day read "4.2 / week" a row above "1.2 / day".
    [[0.6, 1.2], "/ day"],
  ])("a deployment-frequency trend of %j says %s on its axis, its tips and its table alike", (values, rate) => {
    const points = values.map((value, i) => ({ start: `2026-06-0${i + 1}T00:00:00Z`, value, level: null, sample_size: 1 }));
    render(<TrendChart title="Deployment frequency by week" unit="per_day" points={points} previous={[{ value: 0.2 }, { value: null }]} regions={[]} />);
    const axis = [...document.querySelectorAll("svg text.axis")].map((t) => t.textContent ?? "").filter((t) => t.includes("/"));
    const tips = [...document.querySelectorAll("circle.trend-dot title")].map((t) => t.textContent ?? "");
    const cells = within(screen.getByRole("table", { name: "Deployment frequency by week" }))
      .getAllByRole("cell")
      .map((c) => c.textContent ?? "")
      .filter((t) => t.includes("/"));
    expect(axis.length).toBeGreaterThan(1);
    expect(cells).toHaveLength(3);
    for (const text of [...axis, ...tips, ...cells]) expect(text.endsWith(rate)).toBe(true);
  });

  it("a recovery week whose incidents are mostly open reads 'still open' beside its low level, an empty week '—'", () => {
    const points = [
      { start: "2026-06-01T00:00:00Z", value: 20, level: "high" as const, sample_size: 1 },
      { start: "2026-06-08T00:00:00Z", value: null, level: "low" as const, sample_size: 1 },
      { start: "2026-06-15T00:00:00Z", value: null, level: null, sample_size: 0 },
    ];
    render(<TrendChart title="Recovery time by week" unit="hours" points={points} previous={[]} regions={[]} />);
    const rows = within(screen.getByRole("table", { name: "Recovery time by week" })).getAllByRole("row").slice(1);
    const cells = rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent ?? ""));
    expect(cells.map((c) => [c[1], c[2]])).toEqual([
      ["20 h", "high"],
      ["still open", "low"],
      ["—", "—"],
    ]);
  });

  it("a share's trend axis stops at 100 %, in whole percents", () => {
    // A partial week at 100 % (one deployment, one incident) drew the axis up to "150.0 %".
    const points = [0, 10, 100].map((value, i) => ({ start: `2026-06-0${i + 1}T00:00:00Z`, value, level: null, sample_size: 1 }));
    render(<TrendChart title="Change failure rate by week" unit="percent" points={points} previous={[]} regions={[]} />);
    const axis = [...document.querySelectorAll("svg text.axis")].map((t) => t.textContent ?? "").filter((t) => t.endsWith("%"));
    expect(axis).toEqual(["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]);
    expect(axisTicks(0.23, "ratio").map((t) => t.label)).toEqual(["0 %", "5 %", "10 %", "15 %", "20 %", "25 %"]);
  });

  it("a bar's date under the chart's last bar stays inside the drawing", () => {
    // "Nov 30" under the last of 13 weekly bars at 390 px was cut to "Nov 3".
    expect(labelX(300, "Nov 30", 302, 11)).toBeLessThanOrEqual(302 - textWidth("Nov 30", 11) / 2);
    expect(labelX(3, "Sep 7", 302, 11)).toBeGreaterThanOrEqual(textWidth("Sep 7", 11) / 2);
    expect(labelX(150, "Oct 5", 302, 11)).toBe(150);
  });

  it("a trend axis in hours reads round days once past two days", () => {
    const ticks = axisTicks(190, "hours");
    expect(ticks.map((t) => t.label)).toEqual(["0 days", "2 days", "4 days", "6 days", "8 days"]);
    expect(ticks[1]?.value).toBe(48);
    expect(axisTicks(30, "hours").map((t) => t.label)).toEqual(["0 h", "10 h", "20 h", "30 h"]);
  });
});

describe("charts have text alternatives", () => {
  it("BarChart repeats every bar in its data table", () => {
    render(<BarChart title="PRs per week" bucket="Week of" unit="PRs" bars={[{ label: "Jun 1", value: 3 }, { label: "Jun 8", value: 5 }]} />);
    const table = screen.getByRole("table", { name: "PRs per week" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(["Jun 13", "Jun 85"]);
    // Its first column says what the bars are: "Bucket" said nothing.
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Week of", "PRs"]);
    expect(document.querySelectorAll("rect.bar")).toHaveLength(2);
  });

  it("Sparkline describes its line, and says when there is too little data", () => {
    const { rerender } = render(<Sparkline values={[1, null, 3, 2]} label="Weekly lead time: from 1 h to 2 h" />);
    expect(screen.getByRole("img", { name: "Weekly lead time: from 1 h to 2 h" })).toBeInTheDocument();
    // The gap (null) splits the line in two.
    expect(document.querySelectorAll("path.spark-line")).toHaveLength(2);
    rerender(<Sparkline values={[null, 4]} label="x" />);
    expect(screen.getByText("Not enough data for a trend")).toBeInTheDocument();
  });

  it("TrendChart draws the bands and the points and lists them with their level", () => {
    const points = [
      { start: "2026-06-01T00:00:00Z", value: 10, level: "elite" as const, sample_size: 4 },
      { start: "2026-06-08T00:00:00Z", value: null, level: null, sample_size: 0 },
      { start: "2026-06-15T00:00:00Z", value: 30, level: "high" as const, sample_size: 6 },
    ];
    render(
      <TrendChart
        title="Lead time by week"
        unit="hours"
        points={points}
        previous={[{ value: 20 }, { value: 20 }, { value: null }]}
        regions={[
          { level: "elite", from: 0, to: 24 },
          { level: "high", from: 24, to: 168 },
          { level: "low", from: 168, to: Infinity },
        ]}
      />,
    );
    expect(document.querySelectorAll("circle.trend-dot")).toHaveLength(2);
    expect(document.querySelector("rect.band-elite")).not.toBeNull();
    const rows = within(screen.getByRole("table", { name: "Lead time by week" })).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(3);
    const cells = rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent));
    expect(cells[0]).toEqual([expect.any(String), "10 h", "elite", "4", "20 h"]);
    expect(cells[1]?.[1]).toBe("—");
  });

  it("TrendChart draws a partial period hollow, dashes the step into it and says its days", () => {
    const points = [
      { start: "2026-06-06T00:00:00Z", value: 2, level: "high" as const, sample_size: 2, partial: true, days: 2, period_days: 7 },
      { start: "2026-06-08T00:00:00Z", value: 3, level: "high" as const, sample_size: 3, partial: false, days: 7, period_days: 7 },
      { start: "2026-06-15T00:00:00Z", value: 4, level: "high" as const, sample_size: 4, partial: false, days: 7, period_days: 7 },
      { start: "2026-06-22T00:00:00Z", value: 0.5, level: "low" as const, sample_size: 0, partial: true, days: 2.5, period_days: 7 },
    ];
    render(<TrendChart title="Lead time by week" unit="hours" points={points} previous={[]} regions={[{ level: "elite", from: 0, to: 24 }]} />);
    const dots = [...document.querySelectorAll("circle.trend-dot")];
    expect(dots.map((d) => d.classList.contains("trend-dot-partial"))).toEqual([true, false, false, true]);
    expect(dots[3]?.querySelector("title")?.textContent).toMatch(/\(partial: 2\.5 of 7 days\)$/);
    // Whole to whole solid; each step into or out of a partial one dashed.
    expect(document.querySelector("path.trend-line")?.getAttribute("d")?.match(/[ML]/g)).toEqual(["M", "M", "L", "M"]);
    expect(document.querySelector("path.trend-partial")?.getAttribute("d")?.match(/M/g)).toHaveLength(2);
    const rows = within(screen.getByRole("table", { name: "Lead time by week" })).getAllByRole("row").slice(1);
    const periods = rows.map((r) => within(r).getAllByRole("cell")[0]?.textContent ?? "");
    expect(periods.map((t) => t.includes("partial"))).toEqual([true, false, false, true]);
    expect(periods[0]).toMatch(/\(partial: 2 of 7 days\)$/);
    expect(screen.getByText(/partial period \(its days only\)/)).toBeInTheDocument();
  });

  it("TrendChart's legend names no partial period when every point is whole", () => {
    const whole = { level: null, sample_size: 1, partial: false, days: 7, period_days: 7 };
    render(<TrendChart title="t" unit="hours" points={[{ start: "2026-06-01T00:00:00Z", value: 1, ...whole }, { start: "2026-06-08T00:00:00Z", value: 2, ...whole }]} previous={[]} regions={[]} />);
    expect(document.querySelector("circle.trend-dot-partial, path.trend-partial")).toBeNull();
    expect(screen.queryByText(/partial/)).toBeNull();
  });

  it("Sparkline dashes the step into a partial last week and leaves its dot hollow", () => {
    render(<Sparkline values={[1, 3, 2, 0]} partial={[false, false, false, true]} label="x" />);
    expect(document.querySelectorAll("path.spark-partial")).toHaveLength(1);
    expect(document.querySelector("circle.spark-dot")).toHaveClass("spark-dot-partial");
  });

  it("partialText counts the days covered, whole periods say nothing", () => {
    expect(partialText({ partial: true, days: 3, period_days: 7 })).toBe("partial: 3 of 7 days");
    expect(partialText({ partial: true, days: 9.5, period_days: 31 })).toBe("partial: 9.5 of 31 days");
    expect(partialText({ partial: false, days: 7, period_days: 7 })).toBeNull();
    expect(partialText({})).toBeNull();
  });

  it("LevelBadge names the level in words", () => {
    render(
      <>
        <LevelBadge level="medium" />
        <LevelBadge level={null} />
      </>,
    );
    expect(screen.getByText("medium")).toHaveClass("level-medium");
    expect(screen.getByText("no level")).toBeInTheDocument();
  });

  it("says why a figure has no level, next to the badge, for every metric that can lack one", () => {
    const def = (slug: string): MetricDef => {
      const found = METRICS.find((m) => m.slug === slug);
      if (!found) throw new Error(slug);
      return found;
    };
    const [rework, lead, recovery] = [def("rework-rate"), def("lead-time"), def("recovery-time")];
    expect([rework.slug, lead.slug, recovery.slug]).toEqual(["rework-rate", "lead-time", "recovery-time"]);
    // Rework rate has a value but no DORA report publishes its bands.
    expect(levelReason(rework, { level: null, value: 12.5 }, 2023)).toBe("DORA publishes no levels for rework rate");
    expect(levelReason(lead, { level: null, value: null }, 2024)).toBe("no PR deployed in this period");
    expect(levelReason(recovery, { level: null, value: null }, 2024)).toBe("no failed deployment in this period");
    expect(levelReason(lead, { level: null, value: 30 }, 2019)).toBe("the 2019 DORA report has no bands for it");
    expect(levelReason(lead, { level: "high", value: 30 }, 2024)).toBeNull();
    for (const m of METRICS) expect(levelReason(m, { level: null, value: null }, 2024)).toMatch(/\w/);
    render(<LevelBadge level={null} reason={levelReason(rework, { level: null, value: 12.5 }, 2023)} />);
    // In text beside the badge, so a screen reader reads it with the badge.
    expect(screen.getByText("no level").parentElement).toHaveTextContent("no level: DORA publishes no levels for rework rate");
  });

  it("says why a level stands without a value: recovery with most incidents open", () => {
    const recovery = METRICS.find((m) => m.slug === "recovery-time");
    if (!recovery) throw new Error("recovery-time");
    const open = { level: "low" as const, value: null, sample_size: 4 };
    render(<LevelBadge level={open.level} reason={levelReason(recovery, open, 2024)} />);
    expect(screen.getByText("low")).toHaveClass("level-low");
    expect(screen.getByText("low").parentElement).toHaveTextContent("low: unresolved incidents count as slower than any band");
  });
});

describe("period dates in the zone the request used", () => {
  const row = (start: string) => ({ start, value: 5, level: "high" as const, sample_size: 1 });
  const chart = (points: ReturnType<typeof row>[], timeZone: string) =>
    render(<TrendChart title="Lead time by week" unit="hours" points={points} previous={points.map(() => ({ value: null }))} regions={[]} timeZone={timeZone} />);
  const labels = () => ({
    ticks: [...document.querySelectorAll("svg text.axis")].map((t) => t.textContent).filter((t) => /[A-Z][a-z]{2} \d/.test(t ?? "")),
    tips: [...document.querySelectorAll("circle.trend-dot title")].map((t) => t.textContent?.split(":")[0]),
    table: within(screen.getByRole("table", { name: "Lead time by week" }))
      .getAllByRole("row")
      .slice(1)
      .map((r) => within(r).getAllByRole("cell")[0]?.textContent),
  });

  it("Kolkata: a week from Monday 00:00 local (Sunday 18:30 UTC) is labelled Monday", () => {
    expect(shortDate("2026-09-06T18:30:00Z", "Asia/Kolkata")).toBe("Sep 7");
    expect(shortDate("2026-09-07T00:00:00+05:30", "Asia/Kolkata")).toBe("Sep 7");
    chart([row("2026-09-06T18:30:00Z"), row("2026-09-13T18:30:00Z")], "Asia/Kolkata");
    const seen = labels();
    expect(seen.ticks).toEqual(["Sep 7", "Sep 14"]);
    expect(seen.tips).toEqual(["Sep 7", "Sep 14"]);
    expect(seen.table).toEqual(["Sep 7", "Sep 14"]);
  });

  it("New York across the end of daylight saving: local dates, whatever the offset", () => {
    // A range from UTC midnight starts the evening before in New York; the
    // weeks then start at 04:00 UTC (EDT) and, from November, 05:00 UTC (EST).
    const starts = ["2026-10-21T00:00:00Z", "2026-10-26T04:00:00Z", "2026-11-02T05:00:00Z"];
    expect(starts.map((s) => shortDate(s, "America/New_York"))).toEqual(["Oct 20", "Oct 26", "Nov 2"]);
    expect(shortDate("2026-11-02T04:30:00Z", "America/New_York")).toBe("Nov 1");
    chart(starts.map(row), "America/New_York");
    expect(labels().table).toEqual(["Oct 20", "Oct 26", "Nov 2"]);
    expect(labels().tips).toEqual(["Oct 20", "Oct 26", "Nov 2"]);
  });

  it("a calendar date (a week's start as the API writes it, \"2026-11-23\") names that day in every zone", () => {
    // Parsed as an instant it is UTC midnight: the Sunday evening before in New York.
    for (const zone of ["America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati", "UTC"]) {
      expect(shortDate("2026-11-23", zone)).toBe("Nov 23");
    }
  });

  it("without a zone the labels are in the API's default, UTC", () => {
    expect(shortDate("2026-09-06T18:30:00Z")).toBe("Sep 6");
  });
});
