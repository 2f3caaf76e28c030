/**
 * The dashboards' period and filters live in the URL query (shareable,
 * kept by reload and back/forward): `days`, `year`, `project`, `repository`,
 * `author` (repeated). `useFilters` turns them into the API's parameters.
 */
import { useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { API_ZONE } from "../charts/scale";

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
}

/** The API's common query: an explicit range ending at the next UTC midnight. */
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
export const zoneOf = (p: AnalyticsParams): string => p.timezone ?? API_ZONE;

const ids = (values: string[]) => values.map(Number).filter((n) => Number.isInteger(n) && n > 0);

export function parseFilters(q: URLSearchParams): Filters {
  const days = Number(q.get("days"));
  const year = Number(q.get("year"));
  return {
    days: (PERIODS as readonly number[]).includes(days) ? days : DEFAULT_DAYS,
    year: (REPORT_YEARS as readonly number[]).includes(year) ? (year as ReportYear) : null,
    projects: ids(q.getAll("project")),
    repositories: ids(q.getAll("repository")),
    authors: q.getAll("author").filter(Boolean),
  };
}

export function toParams(f: Filters, now: Date = new Date()): AnalyticsParams {
  // The next UTC midnight: the same range (and cache key) all day long.
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  const start = new Date(end.getTime() - f.days * 86_400_000);
  return {
    start: start.toISOString(),
    end: end.toISOString(),
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
  return q;
}

export function useFilters() {
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => parseFilters(search), [search]);
  const params = useMemo(() => toParams(filters), [filters]);
  const update = (patch: Partial<Filters>) => setSearch(writeFilters({ ...filters, ...patch }));
  /** The query string to carry to another dashboard page. */
  const query = writeFilters(filters).toString();
  return { filters, params, update, query: query ? `?${query}` : "" };
}
