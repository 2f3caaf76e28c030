import { stateLabel, wayOut, type SearchStatus } from "./SearchIndexPage";

const base: SearchStatus = {
  state: "ready",
  collection: "tenant_acme",
  vector_size: 384,
  points: 120,
  model: "local/all-MiniLM-L6-v2",
  dimension: 384,
  message: null,
  queued: 0,
  indexed_by: "etl",
  last_run: null,
};

describe("search index status", () => {
  it("has nothing to ask of a working index", () => {
    expect(stateLabel(base)).toBe("Semantic search works");
    expect(wayOut(base)).toBeNull();
  });

  it("names both sizes and both ways out of a mismatch", () => {
    const s: SearchStatus = { ...base, state: "dimension_mismatch", vector_size: 1536, dimension: 384, points: null, indexed_by: "backend" };
    const text = wayOut(s) ?? "";
    expect(stateLabel(s)).toBe("Vector size mismatch");
    expect(text).toMatch(/vectors of 1536 numbers/);
    expect(text).toMatch(/produces 384/);
    expect(text).toMatch(/embedding provider with 1536 dimensions/);
    expect(text).toMatch(/re-index/);
  });

  it("shows the queue's progress and a failing run's reason", () => {
    expect(wayOut({ ...base, queued: 7 })).toMatch(/^7 documents are waiting/);
    expect(wayOut({ ...base, state: "empty", points: 0, queued: 3 })).toMatch(/^3 documents are waiting/);
    expect(wayOut({ ...base, state: "empty", points: 0, queued: 0 })).toMatch(/re-index/);
    const failing = { ...base, queued: 2, last_run: { at: "2026-11-29T10:00:00Z", model: "big/m", embedded: 0, removed: 0, error: "provider big answered 500" } };
    expect(wayOut(failing)).toMatch(/Indexing is failing.*answered 500/);
  });
});
