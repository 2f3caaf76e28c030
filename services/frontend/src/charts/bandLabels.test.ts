import { describe, expect, it } from "vitest";
import { crosses, labelSize, placeBandLabel, type Box, type LabelSpot } from "./bandLabels";

const FONT = 14;
// The demo's lead time by month at desktop width: the elite band (0–1 day)
// at the bottom, the last month's point (0.7 days) at its top right.
const ELITE: Box = { x: 66, y: 255, width: 1070, height: 37 };
const dot = (cx: number, cy: number): Box => ({ x: cx - 4.5, y: cy - 4.5, width: 9, height: 9 });
const last = dot(1104, 266);

const boxOf = (spot: LabelSpot | null, text: string): Box => {
  if (!spot) throw new Error(`${text} was not placed`);
  const { width, height } = labelSize(text, FONT);
  return { x: spot.anchor === "end" ? spot.x - width : spot.x, y: spot.y - FONT, width, height };
};
const apart = (a: Box, b: Box) => a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;

describe("band names placed clear of the data", () => {
  it("keeps the top right, ending at the band's edge, when nothing is there", () => {
    expect(placeBandLabel("elite", ELITE, FONT, { points: [dot(74, 60)], lines: [], columns: [74, 1104] })).toEqual({ x: 1132, y: 255 + 2 + FONT, anchor: "end" });
  });

  it("moves off the last point drawn where the name was", () => {
    const data = { points: [dot(74, 90), dot(589, 150), last], lines: [[589, 150, 1104, 266]] as const, columns: [74, 589, 1104] };
    const spot = placeBandLabel("elite", ELITE, FONT, { ...data, lines: [...data.lines] });
    const box = boxOf(spot, "elite");
    for (const p of data.points) expect(apart(box, p)).toBe(true);
    expect(crosses(box, data.lines[0])).toBe(false);
    // Inside its band.
    expect(box.x).toBeGreaterThanOrEqual(ELITE.x);
    expect(box.y).toBeGreaterThanOrEqual(ELITE.y);
    expect(box.y + box.height).toBeLessThanOrEqual(ELITE.y + ELITE.height);
  });

  it("takes a gap between points when both corners are taken", () => {
    const band: Box = { x: 0, y: 0, width: 600, height: 20 };
    const points = [dot(10, 10), dot(300, 10), dot(590, 10)];
    const spot = placeBandLabel("high", band, FONT, { points, lines: [], columns: [10, 300, 590] });
    const box = boxOf(spot, "high");
    for (const p of points) expect(apart(box, p)).toBe(true);
  });

  it("leaves a band too low for the text unnamed", () => {
    expect(placeBandLabel("low", { x: 0, y: 0, width: 600, height: FONT + 3 }, FONT, { points: [], lines: [], columns: [] })).toBeNull();
  });

  it("tells a segment crossing a box from one passing by", () => {
    const box: Box = { x: 10, y: 10, width: 20, height: 10 };
    expect(crosses(box, [0, 0, 40, 30])).toBe(true);
    expect(crosses(box, [0, 0, 40, 0])).toBe(false);
    expect(crosses(box, [15, 12, 16, 13])).toBe(true); // wholly inside
    expect(crosses(box, [0, 25, 40, 25])).toBe(false);
  });
});
