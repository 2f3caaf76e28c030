/**
 * Where a level band's name goes on a trend chart. It was always drawn at
 * the band's top right, which is also where the latest figure is plotted:
 * when that figure sat near the top of its band, the name and the point
 * were drawn over each other and neither could be read. The name now takes
 * the first spot in its band that clears the data.
 */

/** A rectangle in the drawing's pixels, from its top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A drawn line's segment: x1, y1, x2, y2. */
export type Segment = readonly [number, number, number, number];

/**
 * One character of a band's name in em: the names are drawn in capitals
 * (CSS text-transform), wider than the axis's digits (layout.ts CHAR_EM);
 * "M" and "D" are ~0.8 em, so this errs on the side of room.
 */
const CAPS_EM = 0.75;
/** Room kept between a name and a point or the line, in pixels. */
const CLEARANCE = 2;

/** The box a name's text fills, from its top, for a baseline at 0: ascent ~1 em, descent ~0.25 em. */
export function labelSize(text: string, font: number): { width: number; height: number } {
  return { width: text.length * CAPS_EM * font, height: font * 1.25 };
}

function meets(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Whether a segment crosses the box (Liang–Barsky clipping: some part of it lies inside). */
export function crosses(box: Box, [x1, y1, x2, y2]: Segment): boolean {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const p = [-dx, dx, -dy, dy];
  const q = [x1 - box.x, box.x + box.width - x1, y1 - box.y, box.y + box.height - y1];
  let enter = 0;
  let leave = 1;
  for (let i = 0; i < 4; i++) {
    const pi = p[i] ?? 0;
    const qi = q[i] ?? 0;
    if (pi === 0) {
      if (qi < 0) return false; // parallel to this edge and outside it
      continue;
    }
    const t = qi / pi;
    if (pi < 0) enter = Math.max(enter, t);
    else leave = Math.min(leave, t);
    if (enter > leave) return false;
  }
  return true;
}

function grow(b: Box, by: number): Box {
  return { x: b.x - by, y: b.y - by, width: b.width + 2 * by, height: b.height + 2 * by };
}

/** The line through a series of values, one segment per pair of known neighbours. */
export function segments(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): Segment[] {
  return values.flatMap((v, i) => {
    const next = values[i + 1];
    return v === null || next === null || next === undefined ? [] : [[x(i), y(v), x(i + 1), y(next)] as const];
  });
}

/** Where a band's name is drawn: its baseline, and x at its start or its end. */
export interface LabelSpot {
  x: number;
  y: number;
  anchor: "start" | "end";
}

/**
 * Where a band's name is drawn, or null when the band is too low to hold
 * it. Tried in order: the top right (where it always was), the bottom
 * right, the top left, the bottom left, then the gaps between the points
 * (`columns`, their x), right to left. The first spot clear of every point
 * and line wins; failing that the first clear of the points; failing that
 * the top right.
 */
export function placeBandLabel(
  text: string,
  band: Box,
  font: number,
  data: { points: Box[]; lines: Segment[]; columns: number[] },
): LabelSpot | null {
  const size = labelSize(text, font);
  if (band.height <= font + 3) return null;
  const end = band.x + band.width - 4;
  const right = end - size.width;
  const left = band.x + 6;
  const gaps = data.columns
    .slice(1)
    .map((c, i) => ((data.columns[i] ?? c) + c) / 2 - size.width / 2)
    .filter((x) => x >= left && x <= right)
    .reverse();
  const tops = [band.y + 2];
  // The bottom spot only where the band holds the name twice over (else it is the top one again).
  if (band.height >= 2 * size.height + 4) tops.push(band.y + band.height - 3 - size.height);
  const spots = [right, left, ...gaps].flatMap((x) => tops.map((top) => ({ x, y: top, ...size })));
  const points = data.points.map((p) => grow(p, CLEARANCE));
  const clearOfPoints = spots.filter((s) => !points.some((p) => meets(s, p)));
  const clear = clearOfPoints.find((s) => !data.lines.some((l) => crosses(grow(s, CLEARANCE), l)));
  const spot = clear ?? clearOfPoints[0] ?? spots[0];
  if (!spot) return null;
  // The baseline sits an ascent (about one em) below the box's top; a name
  // on the right ends at the band's edge (its width is only an estimate).
  const y = spot.y + font;
  return spot.x === right ? { x: end, y, anchor: "end" } : { x: spot.x, y, anchor: "start" };
}
