/**
 * Queries and mutations of the admin pages (branding, AI providers, data
 * integrations, logs, ML monitoring, the assistant's corrections). Kept apart from queries.ts so that the
 * data pages and the admin pages grow without touching the same file.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useAuth } from "../auth/AuthContext";
import { unwrap } from "./client";
import type { Schemas } from "./queries";
import { BRANDING_QUERY, type BrandingOut } from "../theme/useBranding";

export type { BrandingOut };

export type BrandingUpdate = Schemas["BrandingUpdate"];
export type ProviderOut = Schemas["ProviderOut"];
export type ProviderCreate = Schemas["ProviderCreate"];
export type LogEvent = Schemas["LogEvent"];
export type LogLevel = Schemas["Level"];

export const adminKeys = {
  providers: ["ai-providers"] as const,
  integrations: ["integrations"] as const,
  logs: (level: string, category: string) => ["logs", level, category] as const,
  alerts: (acknowledged: boolean | undefined) => ["ml-alerts", acknowledged ?? "all"] as const,
  predictions: ["ml-predictions"] as const,
  etlJobs: ["etl-jobs"] as const,
  corrections: ["corrections"] as const,
};

/** Sets the branding query's data from a mutation's answer: every subscriber (the shell too) sees it at once. */
function useBrandingWrite<V>(call: (v: V) => Promise<BrandingOut>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: (data) => qc.setQueryData(BRANDING_QUERY, data),
  });
}

export function useSetBranding() {
  const { api } = useAuth();
  return useBrandingWrite((body: BrandingUpdate) => unwrap(api.PUT("/api/v1/settings/branding", { body })));
}

export function useResetBranding() {
  const { api } = useAuth();
  return useBrandingWrite<undefined>(() => unwrap(api.DELETE("/api/v1/settings/branding")));
}

export function useUploadLogo() {
  const { api } = useAuth();
  return useBrandingWrite((file: File) => {
    const form = new FormData();
    form.append("file", file);
    return unwrap(
      api.PUT("/api/v1/settings/branding/logo", {
        // The generated type says string; the browser sends the file as multipart.
        body: form as unknown as { file: string },
        bodySerializer: (b) => b as unknown as FormData,
      }),
    );
  });
}

export function useDeleteLogo() {
  const { api } = useAuth();
  return useBrandingWrite<undefined>(() => unwrap(api.DELETE("/api/v1/settings/branding/logo")));
}


export function useProviders() {
  const { api } = useAuth();
  return useQuery({ queryKey: adminKeys.providers, queryFn: () => unwrap(api.GET("/api/v1/ai-providers")) });
}

function useProviderWrite<V, R>(call: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: call, onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.providers }) });
}

export function useCreateProvider() {
  const { api } = useAuth();
  return useProviderWrite((body: ProviderCreate) => unwrap(api.POST("/api/v1/ai-providers", { body })));
}

export type ProviderPatch = Schemas["ProviderPatch"];

export function useUpdateProvider() {
  const { api } = useAuth();
  return useProviderWrite(({ id, body }: { id: number; body: ProviderPatch }) =>
    unwrap(api.PATCH("/api/v1/ai-providers/{provider_id}", { params: { path: { provider_id: id } }, body })),
  );
}

export function useDeleteProvider() {
  const { api } = useAuth();
  return useProviderWrite((id: number) => unwrap(api.DELETE("/api/v1/ai-providers/{provider_id}", { params: { path: { provider_id: id } } })));
}

export function useSetProviderActive() {
  const { api } = useAuth();
  return useProviderWrite(({ id, active }: { id: number; active: boolean }) =>
    unwrap(api.PATCH("/api/v1/ai-providers/{provider_id}", { params: { path: { provider_id: id } }, body: { active, clear_api_key: false } })),
  );
}

export function useRotateCredentials() {
  const { api } = useAuth();
  return useProviderWrite<undefined, Schemas["RotationResult"]>(() => unwrap(api.POST("/api/v1/ai-providers/rotate-credentials")));
}

export function useTestProvider() {
  const { api } = useAuth();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.POST("/api/v1/ai-providers/{provider_id}/test", { params: { path: { provider_id: id } } })),
  });
}

export function useIntegrations() {
  const { api } = useAuth();
  return useQuery({ queryKey: adminKeys.integrations, queryFn: () => unwrap(api.GET("/api/v1/integrations")) });
}

export function useLogs(level: LogLevel | "", category: string) {
  const { api } = useAuth();
  return useQuery({
    queryKey: adminKeys.logs(level, category),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/logs", {
          params: { query: { level: level || undefined, category: category ? [category] : undefined, limit: 200 } },
        }),
      ),
  });
}

export function useAlerts(acknowledged: boolean | undefined) {
  const { api } = useAuth();
  return useQuery({
    queryKey: adminKeys.alerts(acknowledged),
    queryFn: () => unwrap(api.GET("/api/v1/ml/alerts", { params: { query: { acknowledged, limit: 100 } } })),
  });
}

export function useAcknowledgeAlert() {
  const { api } = useAuth();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.POST("/api/v1/ml/alerts/{alert_id}/acknowledge", { params: { path: { alert_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["ml-alerts"] }),
  });
}

export function usePredictions() {
  const { api } = useAuth();
  return useQuery({
    queryKey: adminKeys.predictions,
    queryFn: () => unwrap(api.GET("/api/v1/ml/predictions", { params: { query: { limit: 500 } } })),
  });
}

export type EtlJob = Schemas["EtlJob"];
export type EtlAction = "start" | "pause" | "resume" | "cancel";

/** The tenant's ETL jobs; `pollMs` reads them again while one runs (a first sync's progress outside the ETL page, which follows its events instead). */
export function useEtlJobs({ pollMs }: { pollMs?: number } = {}) {
  const { api } = useAuth();
  return useQuery({
    queryKey: adminKeys.etlJobs,
    queryFn: () => unwrap(api.GET("/api/v1/etl/jobs")),
    refetchInterval: (q) => (pollMs && q.state.data?.some((j) => j.state === "running" || j.state === "queued") ? pollMs : false),
  });
}

export function useEtlAction() {
  const { api } = useAuth();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ integration, action }: { integration: string; action: EtlAction }) =>
      unwrap(api.POST("/api/v1/etl/jobs/{integration}/{action}", { params: { path: { integration, action } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.etlJobs }),
  });
}

/** The assistant's feedback kind (pulse_backend/agent/memory.py KIND). */
const FEEDBACK_KIND = "assistant_feedback";
/** As many corrections as the API lists at once. */
export const CORRECTIONS_LISTED = 500;

export function usePendingCorrections() {
  const { api } = useAuth();
  return useQuery({
    queryKey: [...adminKeys.corrections, "pending"],
    queryFn: () => unwrap(api.GET("/api/v1/ml/learning-memory/pending", { params: { query: { kind: FEEDBACK_KIND, limit: CORRECTIONS_LISTED } } })),
  });
}

/** The corrections accepted or rejected, newest given first: asked of the
 * API by review state, not picked out of every rating; CORRECTIONS_LISTED
 * at a time (the API's largest page), older ones by `offset` on request
 * (fetchNextPage): the list stopped at the latest 500. `data` is every
 * page's rows in order, each once; a short page is the last. */
export function useDecidedCorrections() {
  const { api } = useAuth();
  return useInfiniteQuery({
    queryKey: [...adminKeys.corrections, "decided"],
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/api/v1/ml/learning-memory", { params: { query: { kind: FEEDBACK_KIND, review: ["accepted", "rejected"], limit: CORRECTIONS_LISTED, offset: pageParam } } })),
    getNextPageParam: (last, pages) => (last.length < CORRECTIONS_LISTED ? undefined : pages.length * CORRECTIONS_LISTED),
    // By id, once: a correction given or decided after a page was read moves
    // the rest down, and the next page repeats the row before it.
    select: (d) => [...new Map(d.pages.flat().map((m) => [m.id, m])).values()],
  });
}

export function useDecideCorrection() {
  const { api } = useAuth();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, accept }: { id: number; accept: boolean }) => {
      const params = { params: { path: { memory_id: id } } };
      return unwrap(accept ? api.POST("/api/v1/ml/learning-memory/{memory_id}/accept", params) : api.POST("/api/v1/ml/learning-memory/{memory_id}/reject", params));
    },
    // Both lists: the row leaves the pending one and joins the decided.
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.corrections }),
  });
}
