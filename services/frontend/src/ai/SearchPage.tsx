import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { Empty, ErrorState, Loading } from "../components/States";
import { useSearch, type SearchHit } from "./api";
import "./ai.css";
import { formatDate } from "../format/dates";

const GROUPS: { type: SearchHit["type"]; label: string }[] = [
  { type: "work_item", label: "Work items" },
  { type: "pull_request", label: "Pull requests" },
  { type: "incident", label: "Incidents" },
];

function Hit({ hit }: { hit: SearchHit }) {
  return (
    <li className="hit">
      <div className="hit-head">
        {hit.url ? (
          <a href={hit.url} target="_blank" rel="noreferrer noopener">
            {hit.title}
          </a>
        ) : (
          <span className="hit-title">{hit.title}</span>
        )}
        {/* Why it matched, in words: a full-text rank (0.061 on every hit of
            a one-word query) told a reader nothing; the figure stays on hover. */}
        <span className="hit-score" title={`relevance ${hit.score.toFixed(3)}`}>
          {hit.matched_by === "meaning" ? "Similar in meaning" : "Matches your words"}
        </span>
      </div>
      {hit.snippet && hit.snippet !== hit.title && <p className="hit-snippet">{hit.snippet}</p>}
      {hit.updated_at && <p className="muted hit-meta">updated {formatDate(hit.updated_at)}</p>}
    </li>
  );
}

export function Results({ q }: { q: string }) {
  const query = useSearch(q);
  if (query.isPending) return <Loading label="Searching…" />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  const { mode, notice, results, no_results: none } = query.data;
  return (
    <div aria-live="polite">
      <p className="muted search-mode" data-mode={mode}>
        {results.length} result{results.length === 1 ? "" : "s"} ·{" "}
        {mode === "semantic" ? "semantic search" : "full-text search (fallback)"}
      </p>
      {notice && (
        <p className="notice" role="note">
          {notice}
        </p>
      )}
      {results.length === 0 ? (
        // The API says why it is empty (below the relevance cut-off, filters) and what to try.
        <Empty>
          <p className="empty-title">{none?.message ?? `No results for “${q}”.`}</p>
          <p className="muted">{none?.hint ?? "Try other words."}</p>
        </Empty>
      ) : (
        GROUPS.map(({ type, label }) => {
          const hits = results.filter((h) => h.type === type);
          if (hits.length === 0) return null;
          return (
            <section key={type} className="card result-group" aria-labelledby={`group-${type}`}>
              <h2 id={`group-${type}`}>
                {label} <span className="muted">({hits.length})</span>
              </h2>
              <ul className="hits" role="list">
                {hits.map((h) => (
                  <Hit key={`${h.type}-${h.id}`} hit={h} />
                ))}
              </ul>
            </section>
          );
        })
      )}
    </div>
  );
}

/** One box; the question lives in the URL (?q=) so a search can be shared or reloaded. */
export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [draft, setDraft] = useState(q);
  const [seen, setSeen] = useState(q);
  // Back/forward changes the URL: the box follows it.
  if (seen !== q) {
    setSeen(q);
    setDraft(q);
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = draft.trim();
    setParams(next ? { q: next } : {});
  };
  return (
    <>
      <h1>Search</h1>
      <form role="search" className="search-form" onSubmit={submit}>
        <label htmlFor="search-q" className="sr-only">
          Search work items, pull requests and incidents
        </label>
        <input
          id="search-q"
          type="search"
          value={draft}
          maxLength={500}
          placeholder="Search work items, pull requests and incidents"
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="btn btn-primary">
          Search
        </button>
      </form>
      {q ? <Results q={q} /> : <Empty>Type a few words: results come grouped by type, with links to their source.</Empty>}
    </>
  );
}
