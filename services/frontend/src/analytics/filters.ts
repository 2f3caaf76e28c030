/**
 * The dashboards' period and filters live in the URL query (shareable,
 * kept by reload and back/forward): `days`, `year`, `project`, `repository`,
 * `author` (repeated), and `timezone` only when the user chose one; the
 * work-items page adds `assignee` (one Jira name, its own: see `Own`).
 * `useFilters` turns them into the API's parameters, in the viewer's zone
 * (analytics/zone) unless the URL names another.
 */
import { useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { API_ZONE } from "../charts/scale";
import { isZone, localDate, localMidnight, pickZone, useRefusedZones, viewerZone } from "./zone";

export const PERIODS = [7, 30, 90, 180, 365] as const;
export const DEFAULT_DAYS = 90;
export const REPORT_YEARS = [2023, 2024] as const;
export type ReportYear = (typeof REPORT_YEARS)[number];

export interface Filters {
  days: number;
  /** null: the tenant's own choice (its analytics settings), which the API applies. */
  year: ReportYear | null;
  projects: number[];
  repositories: number[];
  authors: string[];
  /** A zone the user chose (in the URL); absent: the viewer's own. */
  zone?: string;
  /** The work-items page's one assignee (a Jira display name); absent: everyone. */
  assignee?: string;
}

/**
 * The filters a page reads beside the shared ones. The assignee filters only
 * work items (the DORA figures have no assignee): another page neither reads
 * it nor carries it on, so no "Clear 1 filter" there names a filter that
 * does nothing.
 */
export interface Own {
  assignee?: boolean;
}

/** The API's common query: an explicit range ending at the next midnight in `timezone` (UTC without one). */
export interface AnalyticsParams {
  start: string;
  end: string;
  report_year?: ReportYear;
  project: number[];
  repository: number[];
  author: string[];
  /** The zone periods start at local midnight in; the API reads UTC without one. */
  timezone?: string;
}

/** The zone the API computes `p`'s periods in: label them in it (charts/scale's shortDate). */
const MAX_NAME = 255;

export const zoneOf = (p: AnalyticsParams): string => p.timezone ?? API_ZONE;

const ids = (values: string[]) => values.map(Number).filter((n) => Number.isInteger(n) && n > 0);

export function parseFilters(q: URLSearchParams, own: Own = {}): Filters {
  const days = Number(q.get("days"));
  const year = Number(q.get("year"));
  const zone = q.get("timezone");
  const assignee = own.assignee ? q.get("assignee") : null;
  // The API takes at most 255 characters: a longer name is no one's.
  return {
    days: (PERIODS as readonly number[]).includes(days) ? days : DEFAULT_DAYS,
    year: (REPORT_YEARS as readonly number[]).includes(year) ? (year as ReportYear) : null,
    projects: ids(q.getAll("project")),
    repositories: ids(q.getAll("repository")),
    authors: q.getAll("author").filter(Boolean),
    ...(zone && isZone(zone) && { zone }),
    ...(assignee && assignee.length <= MAX_NAME && { assignee }),
  };
}

/**
 * The API's parameters for `f`, computed in `timeZone` (UTC without one).
 * The range ends at the next midnight there (the same range, and cache key,
 * all day long) and starts at a midnight `f.days` calendar days before, so
 * its first and last days are whole local days.
 */
export function toParams(f: Filters, now: Date = new Date(), timeZone?: string): AnalyticsParams {
  const { y, m, d } = timeZone ? localDate(now, timeZone) : { y: now.getUTCFullYear(), m: now.getUTCMonth(), d: now.getUTCDate() };
  const midnight = (day: number) => (timeZone ? localMidnight(y, m, day, timeZone) : new Date(Date.UTC(y, m, day)));
  return {
    start: midnight(d + 1 - f.days).toISOString(),
    end: midnight(d + 1).toISOString(),
    ...(timeZone && { timezone: timeZone }),
    ...(f.year !== null && { report_year: f.year }),
    project: f.projects,
    repository: f.repositories,
    author: f.authors,
  };
}

export function writeFilters(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.days !== DEFAULT_DAYS) q.set("days", String(f.days));
  if (f.year !== null) q.set("year", String(f.year));
  f.projects.forEach((p) => q.append("project", String(p)));
  f.repositories.forEach((r) => q.append("repository", String(r)));
  f.authors.forEach((a) => q.append("author", a));
  if (f.zone) q.set("timezone", f.zone);
  if (f.assignee) q.set("assignee", f.assignee);
  return q;
}

export function useFilters(own: Own = {}) {
  const [search, setSearch] = useSearchParams();
  const ownAssignee = own.assignee ?? false;
  const filters = useMemo(() => parseFilters(search, { assignee: ownAssignee }), [search, ownAssignee]);
  const refused = useRefusedZones();
  const zone = pickZone(filters.zone, viewerZone(), refused);
  const params = useMemo(() => toParams(filters, new Date(), zone), [filters, zone]);
  const update = (patch: Partial<Filters>) => setSearch(writeFilters({ ...filters, ...patch }));
  /** The query string to carry to another dashboard page: the shared filters only. */
  const query = writeFilters({ ...filters, assignee: undefined }).toString();
  return { filters, params, update, query: query ? `?${query}` : "" };
}
