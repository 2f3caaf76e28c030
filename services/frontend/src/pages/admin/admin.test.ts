import type { EtlJob, ProviderOut } from "../../api/adminQueries";
import { ApiError } from "../../api/problem";
import { contrastWarnings } from "./BrandingPage";
import { formatTime } from "../../format/dates";
import { actionsFor, attemptsSince, barValue, busyReason, formatEta, liveText, parseProgress, progressText, refusal, runningText } from "./EtlPage";
import { statusTone } from "./IntegrationsPage";
import { liveEntry } from "./LogsPage";
import { toDraft, toRules } from "./AnalyticsSettingsPage";
import { accuracyByModel } from "./MlPage";
import { fromProvider, toProviderCreate, toProviderPatch } from "./ProvidersPage";

describe("admin page logic", () => {
  it("counts the unsuccessful runs since the last success, not the one running", () => {
    // A first run in progress: attempts is 1 and nothing has failed yet.
    expect(attemptsSince("running", 1)).toBe("");
    expect(attemptsSince("running", 3)).toBe(" · 2 unsuccessful runs since");
    expect(attemptsSince("failed", 1)).toBe(" · 1 unsuccessful run since");
    expect(attemptsSince("failed", 4)).toBe(" · 4 unsuccessful runs since");
    expect(attemptsSince("succeeded", 0)).toBe("");
    expect(attemptsSince("failed", 1, false)).toBe(" · 1 unsuccessful run");
  });

  it("shows a sync that succeeded as good news and a failed one as bad", () => {
    expect(statusTone("succeeded")).toBe("good");
    expect(statusTone("failed")).toBe("bad");
    expect(statusTone("queued")).toBe("neutral");
  });

  it("warns about a pale primary colour and not about a strong one", () => {
    expect(contrastWarnings("#FFEE88", "#0B1F3A", "light").join(" ")).toMatch(/against the page/);
    expect(contrastWarnings("#1F6FEB", "#0B1F3A", "light")).toEqual([]);
  });

  it("sends the provider form as the API's body, defaults for empty optional fields", () => {
    const draft = {
      name: " gw ", type: "ai" as const, kind: "openai-compatible" as const, base_url: "http://x/v1", model: "m", gateway_route: "no",
      priority: "abc", fallback: "", api_version: "", deployment: "", api_key: "", connect: "", read: "30", dimensions: "768", min_score: "0.5",
    };
    const body = toProviderCreate(draft);
    expect(body.name).toBe("gw");
    expect(body.api_key).toBeNull();
    expect(body.config.gateway_route).toBe(false);
    expect(toProviderCreate({ ...draft, gateway_route: "yes" }).config.gateway_route).toBe(true);
    // Not a number: sent as NaN -> JSON null, which the API refuses naming config.priority.
    expect(Number.isNaN(body.config.priority)).toBe(true);
    expect(body.config.timeouts).toEqual({ connect_seconds: 5, read_seconds: 30 });
    // Dimensions and the relevance cut-off: an embedding provider's, typos sent as typed.
    expect(body.config).toMatchObject({ dimensions: null, min_score: null });
    const embedding = toProviderCreate({ ...draft, type: "embedding", dimensions: " 1536 ", min_score: "" }).config;
    expect(embedding).toMatchObject({ dimensions: 1536, min_score: null });
    expect(toProviderCreate({ ...draft, type: "embedding", dimensions: "", min_score: "0.x" }).config).toMatchObject({ dimensions: null, min_score: "0.x" });
  });

  it("edits a stored provider: filled from its config, sent back whole, the key only when typed", () => {
    const stored = {
      id: 3, name: "gw", type: "embedding" as const, active: true, has_credentials: true, credentials_last4: "1234", created_at: "", last_updated_at: "",
      config: {
        kind: "azure-openai" as const, base_url: "https://az.example/", model: "gpt", gateway_route: false, priority: 40, fallback: "spare",
        timeouts: { connect_seconds: 3, read_seconds: 90 }, limits: { tokens_per_minute: 1000 }, api_version: "2024-06-01", deployment: "d1", dimensions: 1536, min_score: 0.42,
      },
    } as ProviderOut;
    const draft = fromProvider(stored);
    expect(draft).toMatchObject({ name: "gw", kind: "azure-openai", gateway_route: "no", priority: "40", fallback: "spare", connect: "3", read: "90", api_key: "", dimensions: "1536", min_score: "0.42" });
    const same = toProviderPatch(draft, stored, false);
    expect(same.config).toEqual({ ...stored.config });
    expect(same.api_key).toBeNull();
    expect(same.clear_api_key).toBe(false);
    expect(toProviderPatch({ ...draft, api_key: " sk-new " }, stored, false).api_key).toBe("sk-new");
    // Forgetting the key never sends a new one along.
    expect(toProviderPatch({ ...draft, api_key: "sk-new" }, stored, true)).toMatchObject({ api_key: null, clear_api_key: true });
  });

  it("sends every DORA rule back, an empty incident window as none", () => {
    const rules = { production_pattern: "^prod$", deployment_fallback: "releases" as const, hotfix_pattern: "hotfix", revert_pattern: "^revert", incident_window_hours: null, report_year: 2024, incident_types: null };
    const draft = toDraft(rules);
    expect(draft.incident_window_hours).toBe("");
    expect(toRules(draft)).toEqual(rules);
    expect(toRules({ ...draft, incident_window_hours: " 48 " }).incident_window_hours).toBe(48);
    // Not a number: sent as typed for the API to refuse by name (NaN would be JSON null, "no window").
    expect(JSON.parse(JSON.stringify(toRules({ ...draft, incident_window_hours: "two days" }))).incident_window_hours).toBe("two days");
    // Incident types survive a save: the form sends back what it was given.
    const typed = toDraft({ ...rules, incident_types: ["Incident", "Outage"] });
    expect(typed.incident_types).toBe("Incident, Outage");
    expect(toRules(typed).incident_types).toEqual(["Incident", "Outage"]);
    expect(toRules({ ...typed, incident_types: " Bug ,, Outage , " }).incident_types).toEqual(["Bug", "Outage"]);
  });

  it("turns a live log message into a row and applies the filters", () => {
    const msg = { type: "log", entry: { timestamp: "2026-01-01T00:00:00Z", level: "warning", category: "AUTH", event: "login failed", fields: '{"ip": "1.2.3.4"}' } };
    expect(liveEntry(msg, "", "")?.fields).toEqual({ ip: "1.2.3.4" });
    expect(liveEntry(msg, "error", "")).toBeNull();
    expect(liveEntry(msg, "info", "HTTP")).toBeNull();
    expect(liveEntry({ type: "job" }, "", "")).toBeNull();
  });

  it("averages accuracy per model over the predictions that have one", () => {
    const p = (model_name: string, accuracy_score: number | null) => ({
      id: 1, model_name, model_version: null, prediction_type: "f", input_data: {}, prediction_result: {},
      confidence_score: 0.5, actual_outcome: null, accuracy_score, created_at: "2026-01-01T00:00:00Z",
    });
    const rows = accuracyByModel([p("b", 0.5), p("a", 1), p("a", null), p("a", 0.5)]);
    expect(rows.map((r) => [r.model, r.predictions, r.scored, r.accuracy])).toEqual([["a", 3, 2, 0.75], ["b", 1, 1, 0.5]]);
  });
});

describe("ETL jobs page logic", () => {
  const job = (state: string, control: "pause" | "cancel" | null = null) =>
    ({ integration: "jira", integration_id: 1, state, attempts: 0, last_error: null, watermark: null, started_at: null, finished_at: null, control, resumable: false, progress: { phase: null, done: 0, estimated: null } }) as EtlJob;

  it("offers only the controls the job's state allows", () => {
    expect(actionsFor(job("running"))).toEqual(["pause", "cancel"]);
    expect(actionsFor(job("running", "pause"))).toEqual([]);
    expect(actionsFor(job("paused"))).toEqual(["resume", "cancel"]);
    expect(actionsFor(job("failed"))).toEqual(["start"]);
    // A queued job nobody runs yet (a new integration) can be started.
    expect(actionsFor(job("queued"))).toEqual(["start", "pause", "cancel"]);
    expect(actionsFor(job("queued", "cancel"))).toEqual([]);
  });

  it("shows an indeterminate bar only for a running job without an estimate", () => {
    expect(barValue("running", 3, null)).toEqual({});
    expect(barValue("running", 30, 20)).toEqual({ max: 20, value: 20 });
    expect(barValue("queued", 0, null)).toEqual({ max: 1, value: 0 });
    expect(barValue("succeeded", 48, null)).toEqual({ max: 1, value: 1 });
  });

  it("reads progress events and nothing else", () => {
    const p = parseProgress({ type: "etl.progress", integration: "jira", state: "running", phase: "issues", done: 40, estimated: 100, rate: 12.5, eta_seconds: 4.8 });
    expect(p).toMatchObject({ done: 40, estimated: 100, eta_seconds: 4.8 });
    expect(parseProgress({ type: "log", integration: "jira", done: 1 })).toBeNull();
    expect(parseProgress({ type: "etl.progress", integration: "jira", done: "40" })).toBeNull();
  });

  it("says a rate-limit wait instead of the pace while the run is in one, naming the source", () => {
    const base = { type: "etl.progress", integration: "github-main", state: "running", phase: "pulls", done: 40, estimated: 100, rate: 12.5, eta_seconds: 4.8, source: "github" };
    const going = parseProgress(base);
    const waiting = parseProgress({ ...base, waiting_until: "2026-03-02T14:05:00Z" });
    if (!going || !waiting) throw new Error("progress events not read");
    expect(liveText(going)).toBe("12.5 items/s · ETA 5 s");
    expect(liveText(waiting)).toBe(`Waiting for GitHub's rate limit until ${formatTime("2026-03-02T14:05:00Z")}`);
    expect(liveText(waiting)).toMatch(/until \d/);
    // An event of an older ETL, without the source.
    const older = parseProgress({ ...base, source: undefined, waiting_until: "2026-03-02T14:05:00Z" });
    expect(older && liveText(older)).toMatch(/^Waiting for the source's rate limit until /);
  });

  it("says a stored wait when no event has come, and only while the job runs", () => {
    const stored = { ...job("running"), progress: { phase: "pulls", done: 5, estimated: null, source: "jira", waiting_until: "2026-03-02T14:05:00Z", notices: [] } } as EtlJob;
    expect(runningText("running", undefined, stored)).toBe(`Waiting for Jira's rate limit until ${formatTime("2026-03-02T14:05:00Z")}`);
    expect(runningText("failed", undefined, stored)).toBeNull();
    expect(runningText("running", undefined, job("running"))).toBeNull();
    const live = parseProgress({ type: "etl.progress", integration: "jira", state: "running", done: 6, rate: 2, eta_seconds: 30 });
    expect(runningText("running", live ?? undefined, stored)).toBe("2.0 items/s · ETA 30 s");
  });

  it("reads a run's notices from its events", () => {
    const notice = "acme/old is now acme/new; update the PulseTenant's repositories";
    const p = parseProgress({ type: "etl.progress", integration: "github", done: 1, notices: [notice, 3] });
    expect(p?.notices).toEqual([notice]);
    expect(parseProgress({ type: "etl.progress", integration: "github", done: 1 })?.notices).toEqual([]);
  });

  it("says a failed run failed, with its error, not the phase it never left", () => {
    expect(progressText("failed", 0, null, "starting")).toBe("Failed before any item was loaded");
    expect(progressText("failed", 12, 40, "issues")).toBe("Failed after 12 of 40 items");
    expect(progressText("running", 12, 40, "issues")).toBe("12 of 40 items · issues");
    expect(progressText("running", 1, null, "issues")).toBe("1 item · issues");
    expect(progressText("succeeded", 40, 40, "deployments")).toBe("40 of 40 items");
    // A large sync's counts, their thousands grouped (they read "12345 of 50000 items").
    expect(progressText("running", 12345, 50000, "issues")).toBe("12,345 of 50,000 items · issues");
    const failed = parseProgress({ type: "etl.progress", integration: "github", state: "failed", phase: "starting", done: 0, error: "github: not found" });
    expect(failed).toMatchObject({ state: "failed", error: "github: not found" });
  });

  it("says what an action waits for and why one was refused", () => {
    expect(busyReason("start", "github")).toBe("Waiting for the ETL to start the run of github…");
    const conflict = new ApiError(409, { type: "about:blank", title: "Conflict", status: 409, detail: "integration github is already syncing on this replica", code: "job_running" });
    expect(refusal("start", "github", conflict)).toBe("Could not start the run of github: integration github is already syncing on this replica");
    expect(refusal("pause", "jira", new TypeError("Failed to fetch"))).toBe("Could not pause the run of jira: The server could not be reached. Check your connection and retry.");
  });

  it("words the ETA", () => {
    expect(formatEta(null)).toBe("unknown");
    expect(formatEta(4.2)).toBe("4 s");
    expect(formatEta(600)).toBe("10 min");
    expect(formatEta(5400)).toBe("1.5 h");
  });
});
