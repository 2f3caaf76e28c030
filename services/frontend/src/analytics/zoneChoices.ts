/**
 * The zones the filter bar offers: UTC on its own (the company reporting
 * zone, often), then every IANA zone the browser knows grouped by region
 * ("Europe", "America"...), so a manager in Berlin can read a team's
 * figures on San Francisco's calendar. The API takes IANA names only.
 */
import { isZone } from "./zone";

/** Offered where the browser cannot list its zones (Intl.supportedValuesOf is recent). */
export const FALLBACK_ZONES: readonly string[] = [
  "Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
  "America/Anchorage", "America/Bogota", "America/Chicago", "America/Denver", "America/Halifax", "America/Los_Angeles",
  "America/Mexico_City", "America/New_York", "America/Phoenix", "America/Sao_Paulo", "America/Toronto", "America/Vancouver",
  "Asia/Bangkok", "Asia/Dubai", "Asia/Hong_Kong", "Asia/Jakarta", "Asia/Jerusalem", "Asia/Karachi", "Asia/Kolkata",
  "Asia/Manila", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Tokyo",
  "Atlantic/Reykjavik", "Australia/Brisbane", "Australia/Perth", "Australia/Sydney",
  "Europe/Amsterdam", "Europe/Berlin", "Europe/Dublin", "Europe/Helsinki", "Europe/Istanbul", "Europe/Lisbon",
  "Europe/London", "Europe/Madrid", "Europe/Moscow", "Europe/Paris", "Europe/Stockholm", "Europe/Warsaw", "Europe/Zurich",
  "Pacific/Auckland", "Pacific/Honolulu",
];

type SupportedValuesOf = (key: "timeZone") => string[];

/** The browser's zone names, else the fallback list. */
export function knownZones(intl: { supportedValuesOf?: SupportedValuesOf } = Intl as { supportedValuesOf?: SupportedValuesOf }): readonly string[] {
  try {
    const zones = intl.supportedValuesOf?.("timeZone");
    if (zones && zones.length > 0) return zones;
  } catch {
    // An engine that names the function but not the key: the fallback.
  }
  return FALLBACK_ZONES;
}

export interface ZoneGroup {
  region: string;
  zones: string[];
}

/**
 * `zones` by region, sorted, UTC left out (it is offered first), with
 * `extra` (a zone from the URL the list lacks, an alias like
 * "Asia/Calcutta") added so the control can show it.
 */
export function groupZones(zones: readonly string[], extra: (string | undefined)[] = []): ZoneGroup[] {
  const all = new Set([...zones, ...extra.filter((z): z is string => !!z)]);
  all.delete("UTC");
  const groups = new Map<string, string[]>();
  for (const zone of [...all].sort()) {
    const slash = zone.indexOf("/");
    const region = slash > 0 ? zone.slice(0, slash) : "Other";
    groups.set(region, [...(groups.get(region) ?? []), zone]);
  }
  return [...groups].map(([region, z]) => ({ region, zones: z }));
}

/**
 * What the URL's `timezone` says, for the filter bar: nothing to say when
 * absent or a zone, else the text it carried, which is not applied (the
 * figures stay in the viewer's zone) and is named so the reader knows why.
 */
export function unknownZone(raw: string | null): string | undefined {
  return raw && !isZone(raw) ? raw : undefined;
}
