/** Queries of the analytics API, keyed by their parameters. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { AnalyticsParams } from "../analytics/filters";
import type { FigurePath, TrendMetric } from "../analytics/metrics";
import { noteRefusedZone } from "../analytics/zone";
import { useAuth } from "../auth/AuthContext";
import { unwrap } from "./client";
import type { Schemas } from "./queries";

export type Catalog = Schemas["Catalog"];
export type Granularity = Schemas["Granularity"];

/**
 * `call`'s result; a 422 on `params.timezone` notes the zone as refused
 * (analytics/zone), so the page asks again in UTC instead of failing.
 */
async function inZone<T>(params: AnalyticsParams, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    noteRefusedZone(error, params.timezone);
    throw error;
  }
}

export function useCatalog() {
  const { api } = useAuth();
  return useQuery({ queryKey: ["catalog"], queryFn: () => unwrap(api.GET("/api/v1/catalog")), staleTime: 5 * 60_000 });
}

export function useSummary(params: AnalyticsParams) {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["analytics", "summary", params],
    queryFn: () => inZone(params, () => unwrap(api.GET("/api/v1/analytics/summary", { params: { query: { ...params, limit: 0 } } }))),
    placeholderData: keepPreviousData,
  });
}

export function useTrend(params: AnalyticsParams, metric: TrendMetric, granularity: Granularity = "week") {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["analytics", "trend", metric, granularity, params],
    queryFn: () => inZone(params, () => unwrap(api.GET("/api/v1/analytics/trends", { params: { query: { ...params, metric, granularity } } }))),
    placeholderData: keepPreviousData,
  });
}

export function useFigure<P extends FigurePath>(path: P, params: AnalyticsParams, page: { limit: number; offset: number }) {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["analytics", path, params, page],
    // Every figure route takes the same query; the union of their result types is what the page narrows.
    queryFn: () => inZone(params, () => unwrap(api.GET(path as "/api/v1/analytics/lead-time", { params: { query: { ...params, ...page } } })) as Promise<FigureOf<P>>),
    placeholderData: keepPreviousData,
  });
}

export type FigureOf<P extends FigurePath> = P extends "/api/v1/analytics/deployment-frequency"
  ? Schemas["DeploymentFrequency"]
  : P extends "/api/v1/analytics/lead-time"
    ? Schemas["LeadTime"]
    : P extends "/api/v1/analytics/change-failure-rate"
      ? Schemas["ChangeFailureRate"]
      : P extends "/api/v1/analytics/recovery-time"
        ? Schemas["RecoveryTime"]
        : Schemas["ReworkRate"];

export function useEngineering(params: AnalyticsParams) {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["analytics", "engineering", params],
    queryFn: () => inZone(params, () => unwrap(api.GET("/api/v1/analytics/engineering", { params: { query: { ...params, limit: 0 } } }))),
    placeholderData: keepPreviousData,
  });
}

/** The work items' flow, or only `assignee`'s (a Jira name; the page's own filter). */
export function useWorkItems(params: AnalyticsParams, assignee?: string) {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["analytics", "work-items", params, assignee ?? null],
    queryFn: () => inZone(params, () => unwrap(api.GET("/api/v1/analytics/work-items", { params: { query: { ...params, limit: 20, ...(assignee && { assignee }) } } }))),
    placeholderData: keepPreviousData,
  });
}

export type DoraRules = Schemas["DoraRules"];
const DORA_SETTINGS = ["dora-settings"] as const;

export function useDoraSettings() {
  const { api } = useAuth();
  return useQuery({ queryKey: DORA_SETTINGS, queryFn: () => unwrap(api.GET("/api/v1/analytics/settings")) });
}

/** Replaces the tenant's DORA rules; every figure computed under the old ones is read again. */
export function useSaveDoraSettings() {
  const { api } = useAuth();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["DoraSettingsIn"]) => unwrap(api.PUT("/api/v1/analytics/settings", { body })),
    onSuccess: (data) => {
      qc.setQueryData(DORA_SETTINGS, data);
      return qc.invalidateQueries({ queryKey: ["analytics"] });
    },
  });
}
