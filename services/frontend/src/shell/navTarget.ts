import { parseFilters, writeFilters } from "../analytics/filters";

/** The dashboards, which share the period and filters (analytics/filters). */
const DASHBOARDS = ["/", "/dora", "/engineering", "/work-items"];

const isDashboard = (path: string): boolean =>
  DASHBOARDS.some((d) => (d === "/" ? path === "/" : path === d || path.startsWith(`${d}/`)));

/**
 * Where a nav link goes from `pathname?search`: from one dashboard to
 * another it keeps the period and filters, as the tiles and tabs do (the nav
 * dropped them: 30 days on the overview, then Engineering showed 90). Only
 * the filters, never another page's own parameters (a drill-down's page);
 * from any other page (search has its own `project`) nothing is carried.
 */
export function navTarget(to: string, pathname: string, search: string): string {
  if (!isDashboard(to) || !isDashboard(pathname)) return to;
  const query = writeFilters(parseFilters(new URLSearchParams(search))).toString();
  return query ? `${to}?${query}` : to;
}
