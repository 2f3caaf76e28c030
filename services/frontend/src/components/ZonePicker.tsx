import { useId, useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { useRefusedZones, viewerZone } from "../analytics/zone";
import { groupZones, knownZones, unknownZone } from "../analytics/zoneChoices";

/**
 * Why the zone shown is not the one asked for: the API refused it (UTC is
 * used), or the link's `timezone` names no zone. On a phone the filter bar
 * shows them under its folded button too, so the reason needs no tap.
 */
export function useZoneNotes(chosen: string | undefined): string[] {
  const refused = useRefusedZones();
  const [search] = useSearchParams();
  const unknown = unknownZone(search.get("timezone"));
  const asked = chosen ?? viewerZone();
  return [
    asked && refused.has(asked) && `UTC used: the server does not know ${asked}.`,
    unknown && `“${unknown}” in the link is not applied: time zones are IANA names such as Europe/Berlin.`,
  ].filter((n): n is string => !!n);
}

/**
 * "Times in": the zone the dashboards compute in, and the choice of
 * another. The browser's (the default, no `timezone` in the URL), UTC, or
 * any IANA zone by region; a choice goes into the URL so the link carries
 * it. A native select: labelled, keyboard operable (type-ahead finds
 * "Europe/B..."), the phone's own picker. `zone` is the one the figures
 * are computed in: UTC after the API refused the one asked for.
 */
export function ZonePicker({ chosen, zone, onChange }: { chosen: string | undefined; zone: string; onChange: (zone: string | undefined) => void }) {
  const id = useId();
  const browser = viewerZone();
  const groups = useMemo(() => groupZones(knownZones(), [chosen]), [chosen]);
  const notes = useZoneNotes(chosen);
  return (
    <div className="filter-zone small" data-zone={zone}>
      <label htmlFor={`${id}-zone`}>Times in</label>
      <select id={`${id}-zone`} value={chosen ?? ""} aria-describedby={notes.length ? `${id}-note` : undefined} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{browser ? `Your browser's (${browser})` : "Your browser's (UTC)"}</option>
        <option value="UTC">UTC</option>
        {groups.map((g) => (
          <optgroup key={g.region} label={g.region}>
            {g.zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {notes.length > 0 && (
        <span id={`${id}-note`} className="filter-zone-note" role="status">
          {notes.join(" ")}
        </span>
      )}
    </div>
  );
}
