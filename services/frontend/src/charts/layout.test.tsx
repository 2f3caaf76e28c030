import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BarChart } from "./BarChart";
import { axisMargin, chartHeight, DEFAULT_WIDTH, fontPx, labelStride, relayout, textWidth } from "./layout";
import { TrendChart } from "./TrendChart";

/** Thirteen weekly dates, as a quarter's trend chart has them ("Sep 2" … "Nov 25"). */
const WEEKS = Array.from({ length: 13 }, (_, i) => new Date(Date.UTC(2026, 8, 2 + 7 * i)).toISOString());

/** jsdom lays nothing out: give every element the width a phone's card has. */
function shownAt(width: number) {
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(width);
}

/** The drawn axis labels' estimated boxes along x: none may overlap its neighbour. */
function overlaps(labels: Element[], font = 11): string[] {
  const boxes = labels.map((t) => {
    const x = Number(t.getAttribute("x"));
    const w = textWidth(t.textContent ?? "", font);
    return { text: t.textContent, from: x - w / 2, to: x + w / 2 };
  });
  return boxes.slice(1).flatMap((b, i) => (b.from < (boxes[i]?.to ?? -Infinity) ? [`${boxes[i]?.text} / ${b.text}`] : []));
}

afterEach(() => vi.restoreAllMocks());

describe("chart layout for the width it is shown at", () => {
  it("thins labels so that the widest plus a gap fits in its stride", () => {
    const dates = ["Sep 2", "Sep 9", "Sep 16", "Sep 23"];
    // A desktop slot holds any date: only the cap of labels applies.
    expect(labelStride(dates, 80, 8)).toBe(1);
    expect(labelStride(Array(13).fill("Sep 2"), 80, 8)).toBe(2);
    // A phone's ~22 px slot needs three of them for "Sep 16" (~40 px) and its gap.
    const stride = labelStride(dates, 22, 8);
    expect(stride).toBe(3);
    expect(stride * 22).toBeGreaterThanOrEqual(textWidth("Sep 16") + 8);
    expect(labelStride(["only"], 1, 8)).toBe(1);
    expect(labelStride(dates, 0, 8)).toBe(dates.length);
  });

  it("makes room for the widest value label and keeps the height readable", () => {
    expect(axisMargin(["0", "10"], 40)).toBe(40);
    expect(axisMargin(["0 days", "12.5 days"], 40)).toBeGreaterThanOrEqual(textWidth("12.5 days") + 6);
    expect(chartHeight(DEFAULT_WIDTH, 240)).toBe(240);
    expect(chartHeight(340, 240)).toBe(204);
    expect(chartHeight(1200, 240)).toBe(320);
  });

  it("keeps the text 11 px up to the default width and lets it grow to 14 px on a wide screen", () => {
    expect([fontPx(240), fontPx(330), fontPx(DEFAULT_WIDTH)]).toEqual([11, 11, 11]);
    expect(fontPx(760)).toBe(13);
    expect(fontPx(1000)).toBe(14);
    expect(fontPx(2000)).toBe(14);
    // Wider text needs wider strides: what fits at 11 px may not at 14.
    expect([labelStride(["Sep 16", "Sep 23"], 52, 8, 11), labelStride(["Sep 16", "Sep 23"], 52, 8, 14)]).toEqual([1, 2]);
  });

  it("a wide chart draws its text larger and still thins labels that would touch", () => {
    shownAt(1000);
    const points = WEEKS.map((start, i) => ({ start, value: 10 + i, level: "high" as const, sample_size: 3 }));
    render(<TrendChart title="Lead time by week" unit="hours" points={points} previous={[]} regions={[]} />);
    const svg = document.querySelector<SVGSVGElement>("svg.chart-svg");
    expect(svg?.style.fontSize).toBe("14px");
    expect(svg?.getAttribute("viewBox")).toBe("0 0 1000 320");
    const dates = [...document.querySelectorAll("svg text.axis[text-anchor='middle']")];
    expect(dates.length).toBeGreaterThan(5);
    expect(overlaps(dates, 14)).toEqual([]);
  });

  it("TrendChart on a phone: drawn at the card's width, dates thinned out, none overlapping", () => {
    shownAt(330);
    const points = WEEKS.map((start, i) => ({ start, value: 10 + i, level: "high" as const, sample_size: 3 }));
    render(<TrendChart title="Lead time by week" unit="hours" points={points} previous={[]} regions={[]} />);
    const svg = document.querySelector("svg.chart-svg");
    expect(svg?.getAttribute("viewBox")).toBe(`0 0 330 ${chartHeight(330, 240)}`);
    const dates = [...document.querySelectorAll("svg text.axis[text-anchor='middle']")];
    expect(dates.length).toBeGreaterThanOrEqual(3);
    expect(dates.length).toBeLessThan(7);
    expect(overlaps(dates)).toEqual([]);
    // The last date stays inside the drawing.
    const last = dates[dates.length - 1];
    expect(Number(last?.getAttribute("x")) + textWidth(last?.textContent ?? "") / 2).toBeLessThanOrEqual(330);
    // Every figure is still in the data table.
    expect(screen.getByRole("table", { name: "Lead time by week", hidden: true }).querySelectorAll("tbody tr")).toHaveLength(13);
  });

  it("BarChart on a phone: bars fit the width, bucket labels do not overlap", () => {
    shownAt(330);
    const bars = ["< 1 h", "1–4 h", "4–24 h", "1–3 d", "3–7 d", "1–4 w", "> 4 w"].map((label, i) => ({ label, value: i }));
    render(<BarChart title="Lead time of the PRs" bucket="Lead time" unit="PRs" bars={bars} />);
    expect(document.querySelector("svg.chart-svg")?.getAttribute("viewBox")).toMatch(/^0 0 330 /);
    const rects = [...document.querySelectorAll("rect.bar")];
    expect(rects).toHaveLength(7);
    const last = rects[rects.length - 1];
    expect(Number(last?.getAttribute("x")) + Number(last?.getAttribute("width"))).toBeLessThanOrEqual(330);
    const labels = [...document.querySelectorAll("svg text.axis[text-anchor='middle']")];
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(overlaps(labels)).toEqual([]);
  });

  it("lays out again for a real resize, not for a scrollbar coming and going", () => {
    expect(relayout(null, 343)).toBe(true);
    expect(relayout(null, 0)).toBe(false);
    // A classic scrollbar takes 15-17 px: no new height that would take it away again.
    expect(relayout(900, 885)).toBe(false);
    expect(relayout(885, 900)).toBe(false);
    expect(relayout(900, 700)).toBe(true);
    expect(relayout(343, 720)).toBe(true);
  });

  it("without a measurement (first render, no layout) keeps the 640-wide drawing", () => {
    render(<BarChart title="Merged PRs per week" bucket="Week of" unit="PRs" bars={[{ label: "Sep 2", value: 3 }]} />);
    expect(document.querySelector("svg.chart-svg")?.getAttribute("viewBox")).toBe("0 0 640 220");
  });
});
