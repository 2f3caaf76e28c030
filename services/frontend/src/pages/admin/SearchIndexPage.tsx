import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { unwrap } from "../../api/client";
import type { Schemas } from "../../api/queries";
import { useAuth } from "../../auth/AuthContext";
import { FormError, QueryState } from "../../components/States";
import { formatDateTime } from "../../format/dates";
import { Button } from "../../components/Button";

export type SearchStatus = Schemas["SearchStatus"];
const STATUS = ["search-status"] as const;
// While rows wait to be embedded the page follows the queue down.
const POLL_MS = 5000;

const LABEL: Record<SearchStatus["state"], string> = {
  ready: "Semantic search works",
  empty: "Index still empty",
  missing: "No index yet",
  dimension_mismatch: "Vector size mismatch",
  unavailable: "Unavailable",
};

export function stateLabel(s: SearchStatus): string {
  return LABEL[s.state];
}

/** What the admin should do next, in plain words (null: nothing to do). */
export function wayOut(s: SearchStatus): string | null {
  const size = s.vector_size ?? "its";
  switch (s.state) {
    case "dimension_mismatch":
      return (
        `This tenant's index holds vectors of ${size} numbers, but the embedding model produces ${s.dimension ?? "another number"}. ` +
        `Until they match, search finds only exact words. Way out: add an embedding provider with ${size} dimensions ` +
        `(AI providers, type "embedding", dimensions ${size}); the platform then embeds every document with it. ` +
        `Or ask the platform operator to re-create the tenant's index with the size of the built-in model (384), then re-index.`
      );
    case "missing":
      return "The tenant's index is still being provisioned. Search finds exact words meanwhile; come back in a minute.";
    case "unavailable":
      return "The vector store or the embedding provider cannot be reached right now. Search falls back to exact words and recovers by itself; check the AI providers if this lasts.";
    case "empty":
      return s.queued > 0
        ? `${s.queued} documents are waiting to be embedded. Search finds exact words until the first ones are in.`
        : "Nothing has been embedded yet. Run a sync (ETL jobs) or re-index to embed the existing documents.";
    case "ready":
      if (s.last_run?.error && s.queued > 0) return `Indexing is failing and will be retried: ${s.last_run.error}. Check the embedding provider.`;
      return s.queued > 0 ? `${s.queued} documents are waiting to be embedded; search already uses the others.` : null;
  }
}

function badge(s: SearchStatus): string {
  if (s.state === "ready") return s.last_run?.error ? "badge badge-bad" : "badge badge-good";
  return s.state === "empty" || s.state === "missing" ? "badge badge-neutral" : "badge badge-bad";
}

function useSearchStatus() {
  const { api } = useAuth();
  return useQuery({
    queryKey: STATUS,
    queryFn: () => unwrap(api.GET("/api/v1/search/status")),
    refetchInterval: (q) => ((q.state.data?.queued ?? 0) > 0 ? POLL_MS : false),
  });
}

function useReindex() {
  const { api } = useAuth();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/search/reindex")),
    onSuccess: () => qc.invalidateQueries({ queryKey: STATUS }),
  });
}

function Figures({ s }: { s: SearchStatus }) {
  return (
    <dl className="stats card section">
      <div>
        <dt>Documents indexed</dt>
        <dd data-metric="points">{s.points ?? "—"}</dd>
      </div>
      <div>
        <dt>Waiting to be embedded</dt>
        <dd data-metric="queued">{s.queued}</dd>
      </div>
      <div>
        <dt>Index vector size</dt>
        <dd data-metric="vector-size">{s.vector_size ?? "—"}</dd>
      </div>
      <div>
        <dt>Model dimensions</dt>
        <dd data-metric="dimension">{s.dimension ?? "—"}</dd>
      </div>
    </dl>
  );
}

export function SearchIndexPage() {
  const status = useSearchStatus();
  const reindex = useReindex();
  return (
    <>
      <h1>Search index</h1>
      <QueryState query={status}>
        {(s) => {
          const advice = wayOut(s);
          return (
            <div aria-busy={status.isFetching}>
              <section className="card" aria-labelledby="index-state">
                <div className="card-head">
                  <h2 id="index-state">Semantic search</h2>
                  <span className={badge(s)} data-state={s.state}>
                    {stateLabel(s)}
                  </span>
                </div>
                <p className="muted">
                  Collection <code>{s.collection}</code>
                  {s.model && (
                    <>
                      {" "}
                      · model <code>{s.model}</code>
                    </>
                  )}
                  {s.indexed_by && ` · embedded by ${s.indexed_by === "etl" ? "the tenant's ETL (built-in model)" : "the platform, with the tenant's embedding provider"}`}
                </p>
                {advice && (
                  <p className="notice" role="note" data-testid="way-out">
                    {advice}
                  </p>
                )}
                {s.last_run && (
                  <p className="muted" data-testid="last-run">
                    Last indexing run {formatDateTime(s.last_run.at)}: {s.last_run.embedded} embedded, {s.last_run.removed} removed
                    {s.last_run.error ? ` · failed: ${s.last_run.error}` : ""}
                  </p>
                )}
              </section>
              <Figures s={s} />
              <section className="card section" aria-labelledby="reindex">
                <h2 id="reindex">Re-index</h2>
                <p className="muted">
                  Embeds every work item, pull request and incident again: after adding an embedding provider or changing its model. Search keeps answering with
                  the current vectors meanwhile.
                </p>
                <div className="actions">
                  <Button type="button" className="btn btn-primary" unavailable={reindex.isPending} onClick={() => reindex.mutate()}>
                    Re-index all documents
                  </Button>
                </div>
                {reindex.data && (
                  <p role="status" className="muted">
                    {reindex.data.queued} documents queued for embedding.
                  </p>
                )}
                <FormError error={reindex.error} />
              </section>
            </div>
          );
        }}
      </QueryState>
    </>
  );
}
