import { LEVELS, type Level } from "../analytics/metrics";

export interface BandIn {
  level: string;
  lower: number | null;
  upper: number | null;
}

export interface Region {
  level: Level;
  from: number;
  to: number; // Infinity: open
}

/**
 * The published bands overlap and leave gaps; drawn behind a chart they
 * must tile the axis. As the backend classifies (analytics/levels.py):
 * levels best first, each owns what it admits beyond the better levels, a
 * level a better one covers is dropped, and low owns everything left.
 */
export function regions(bands: BandIn[], higherIsBetter: boolean): Region[] {
  const byLevel = new Map(bands.map((b) => [b.level, b]));
  const out: Region[] = [];
  let edge = higherIsBetter ? Infinity : 0;
  for (const level of LEVELS) {
    const band = byLevel.get(level);
    if (!band) continue;
    if (higherIsBetter) {
      const floor = level === "low" ? 0 : (band.lower ?? 0);
      if (floor >= edge) continue;
      out.push({ level, from: floor, to: edge });
      edge = floor;
    } else {
      const ceiling = level === "low" ? Infinity : (band.upper ?? Infinity);
      if (ceiling <= edge) continue;
      out.push({ level, from: edge, to: ceiling });
      edge = ceiling;
    }
    if (edge === 0 || edge === Infinity) break;
  }
  return out;
}
