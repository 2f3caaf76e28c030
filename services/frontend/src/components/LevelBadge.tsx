import type { Level } from "../analytics/metrics";

/**
 * A DORA level as a word (colour only repeats it). Without a level, the
 * reason is said next to the badge (analytics/metrics' levelReason), in
 * text, so a screen reader reads it too.
 */
export function LevelBadge({ level, reason }: { level: Level | null | undefined; reason?: string | null }) {
  if (!level)
    return (
      <span className="level-none-wrap">
        {/* "no level" and its reason read as one phrase; the gap is the wrapper's. */}
        <span className="level level-none">no level</span>
        {reason && (
          <span className="level-reason">
            <span className="sr-only">: </span>
            {reason}
          </span>
        )}
      </span>
    );
  return <span className={`level level-${level}`}>{level}</span>;
}
