import type { Level } from "../analytics/metrics";

/** A DORA level as a word (colour only repeats it). */
export function LevelBadge({ level }: { level: Level | null | undefined }) {
  if (!level) return <span className="level level-none">no level</span>;
  return <span className={`level level-${level}`}>{level}</span>;
}
