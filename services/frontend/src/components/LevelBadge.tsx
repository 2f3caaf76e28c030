import type { Level } from "../analytics/metrics";

/**
 * A DORA level as a word (colour only repeats it), with its reason beside
 * it when there is one (analytics/metrics' levelReason): why there is no
 * level, or why a level stands without a value. In text, so a screen
 * reader reads it too.
 */
export function LevelBadge({ level, reason }: { level: Level | null | undefined; reason?: string | null }) {
  const badge = <span className={`level level-${level ?? "none"}`}>{level ?? "no level"}</span>;
  if (!reason) return badge;
  return (
    <span className="level-wrap">
      {/* The level and its reason read as one phrase; the gap is the wrapper's. */}
      {badge}
      <span className="level-reason">
        <span className="sr-only">: </span>
        {reason}
      </span>
    </span>
  );
}
