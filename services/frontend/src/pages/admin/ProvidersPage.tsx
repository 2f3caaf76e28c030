import { useState, type FormEvent } from "react";
import {
  useCreateProvider,
  useDeleteProvider,
  useProviders,
  useRotateCredentials,
  useSetProviderActive,
  useTestProvider,
  useUpdateProvider,
  type ProviderCreate,
  type ProviderOut,
  type ProviderPatch,
} from "../../api/adminQueries";
import { fieldSentence, formErrors } from "../../api/fieldErrors";
import type { Schemas } from "../../api/queries";
import { Field } from "../../components/Field";
import { Table } from "../../components/Table";
import { FormError, QueryState } from "../../components/States";
import { optionalNumber } from "../../format/numbers";
import { countOf } from "../../format/plural";
import { Button } from "../../components/Button";

type Kind = Schemas["ProviderKind"];
type PType = Schemas["ProviderType"];
const KINDS: Kind[] = ["openai-compatible", "azure-openai", "local"];
const EMPTY = { name: "", type: "ai" as PType, kind: "openai-compatible" as Kind, base_url: "", model: "", gateway_route: "yes", priority: "100", fallback: "", api_version: "", deployment: "", api_key: "", connect: "5", read: "60", dimensions: "", min_score: "" };
type Draft = typeof EMPTY;

/** The form as the API's ProviderCreate; empty optional fields are left out so the API's defaults apply. */
export function toProviderCreate(d: Draft): ProviderCreate {
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  // Sent as typed: a non-number reaches the API, which names the field.
  const num = (v: string, fallback: number) => (v.trim() === "" ? fallback : Number(v));
  return {
    name: d.name.trim(),
    type: d.type,
    api_key: opt(d.api_key) ?? null,
    config: {
      kind: d.kind,
      base_url: d.base_url.trim(),
      model: d.model.trim(),
      gateway_route: d.gateway_route !== "no",
      priority: num(d.priority, 100),
      timeouts: { connect_seconds: num(d.connect, 5), read_seconds: num(d.read, 60) },
      limits: {},
      fallback: opt(d.fallback) ?? null,
      api_version: opt(d.api_version) ?? null,
      deployment: opt(d.deployment) ?? null,
      // Embedding providers only: the vector size search needs to match the
      // collection's, and the model's own relevance cut-off.
      dimensions: d.type === "embedding" ? optionalNumber(d.dimensions) : null,
      min_score: d.type === "embedding" ? optionalNumber(d.min_score) : null,
    },
  };
}

/** A stored provider as the form's draft (the key is write-only: never shown, empty = keep). */
export function fromProvider(p: ProviderOut): Draft {
  const c = p.config;
  const text = (v: string | number | null | undefined) => (v === null || v === undefined ? "" : String(v));
  return {
    ...EMPTY,
    name: p.name,
    type: p.type,
    kind: c.kind,
    base_url: text(c.base_url),
    model: c.model,
    gateway_route: c.gateway_route ? "yes" : "no",
    priority: text(c.priority),
    fallback: text(c.fallback),
    api_version: text(c.api_version),
    deployment: text(c.deployment),
    connect: text(c.timeouts?.connect_seconds),
    read: text(c.timeouts?.read_seconds),
    dimensions: text(c.dimensions),
    min_score: text(c.min_score),
  };
}

/** The edit form as the API's ProviderPatch: the whole routing config (token limits kept), a key only if typed. */
export function toProviderPatch(d: Draft, p: ProviderOut, clearKey: boolean): ProviderPatch {
  const { config, api_key } = toProviderCreate(d);
  return { config: { ...config, limits: p.config.limits ?? {} }, api_key: clearKey ? null : api_key, clear_api_key: clearKey };
}

function ProviderForm({ editing, onDone }: { editing: ProviderOut | null; onDone: () => void }) {
  const create = useCreateProvider();
  const update = useUpdateProvider();
  const write = editing ? update : create;
  const [d, setD] = useState<Draft>(editing ? fromProvider(editing) : EMPTY);
  const [clearKey, setClearKey] = useState(false);
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD((x) => ({ ...x, [k]: e.target.value }));
  const shows = [...(editing ? [] : ["name"]), "config", "config.base_url", "config.model", "config.priority", "config.timeouts.connect_seconds", "config.timeouts.read_seconds", "config.fallback", "api_key"];
  if (d.kind === "azure-openai") shows.push("config.api_version", "config.deployment");
  if (d.type === "embedding") shows.push("config.dimensions", "config.min_score");
  const { fields: f, form } = formErrors(write.error, shows);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (editing) update.mutate({ id: editing.id, body: toProviderPatch(d, editing, clearKey) }, { onSuccess: onDone });
    else create.mutate(toProviderCreate(d), { onSuccess: () => setD(EMPTY) });
  };
  const title = editing ? `Edit ${editing.name}` : "Add a provider";
  return (
    <form className="stack" onSubmit={submit} aria-labelledby="provider-form-heading" noValidate>
      <h2 id="provider-form-heading">{title}</h2>
      {editing ? (
        <p className="muted">Name and type are fixed; the routing below replaces the stored one.</p>
      ) : (
        <Field label="Name" value={d.name} onChange={set("name")} error={f.name} placeholder="e.g. gateway-main" />
      )}
      <div className="grid-2 tight">
        <label className="field">
          <span>Type</span>
          <select value={d.type} onChange={set("type")} disabled={editing !== null}>
            <option value="ai">Chat (ai)</option>
            <option value="embedding">Embedding</option>
          </select>
        </label>
        <label className="field">
          <span>Kind</span>
          <select value={d.kind} onChange={set("kind")}>
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
      </div>
      {f.config && <p className="field-error" role="alert">{fieldSentence(f.config)}</p>}
      <Field label="Base URL" value={d.base_url} onChange={set("base_url")} error={f["config.base_url"]} placeholder="https://gateway.example/v1" />
      <Field label="Model" value={d.model} onChange={set("model")} error={f["config.model"]} />
      <div className="grid-2 tight">
        <label className="field">
          <span>Route</span>
          {/* Interactive requests prefer gateway providers (quality), ETL work the others (cost). */}
          <select value={d.gateway_route} onChange={set("gateway_route")}>
            <option value="yes">Paid gateway</option>
            <option value="no">Local / self-hosted</option>
          </select>
        </label>
        <Field label="Priority (0–1000)" inputMode="numeric" value={d.priority} onChange={set("priority")} error={f["config.priority"]} />
      </div>
      <div className="grid-2 tight">
        <Field label="Connect timeout (s)" inputMode="decimal" value={d.connect} onChange={set("connect")} error={f["config.timeouts.connect_seconds"]} />
        <Field label="Read timeout (s)" inputMode="decimal" value={d.read} onChange={set("read")} error={f["config.timeouts.read_seconds"]} />
      </div>
      <Field label="Fallback provider (name)" value={d.fallback} onChange={set("fallback")} error={f["config.fallback"]} />
      {d.type === "embedding" && (
        <>
          <div className="grid-2 tight">
            <Field label="Dimensions" inputMode="numeric" value={d.dimensions} onChange={set("dimensions")} error={f["config.dimensions"]} />
            <Field label="Relevance cut-off" inputMode="decimal" value={d.min_score} onChange={set("min_score")} error={f["config.min_score"]} />
          </div>
          <p className="muted small">Search uses the provider only when its dimensions equal the tenant's vector size, and leaves out hits scoring below the cut-off (−1 to 1; empty: none).</p>
        </>
      )}
      {d.kind === "azure-openai" && (
        <div className="grid-2 tight">
          <Field label="API version" value={d.api_version} onChange={set("api_version")} error={f["config.api_version"]} />
          <Field label="Deployment" value={d.deployment} onChange={set("deployment")} error={f["config.deployment"]} />
        </div>
      )}
      <Field
        label={editing ? "New API key (empty keeps the stored one)" : "API key"}
        type="password"
        autoComplete="off"
        value={d.api_key}
        onChange={set("api_key")}
        error={f.api_key}
        disabled={clearKey}
      />
      {editing?.has_credentials && (
        <label className="toggle">
          <input type="checkbox" checked={clearKey} onChange={(e) => setClearKey(e.target.checked)} /> Forget the stored key
        </label>
      )}
      <FormError error={form} />
      {create.isSuccess && !editing && <p role="status" className="ok-text">Provider {create.data.name} added.</p>}
      <div className="actions">
        <Button type="submit" className="btn btn-primary" unavailable={write.isPending}>
          {editing ? "Save changes" : "Add provider"}
        </Button>
        {editing && (
          <button type="button" className="btn" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function ProviderRow({ p, onEdit }: { p: ProviderOut; onEdit: () => void }) {
  const probe = useTestProvider();
  const del = useDeleteProvider();
  const active = useSetProviderActive();
  const [confirm, setConfirm] = useState(false);
  return (
    <tr>
      <td>
        <strong>{p.name}</strong>
        <div className="muted">{p.type === "ai" ? "chat" : "embedding"} · {p.config.kind}</div>
      </td>
      <td>
        {p.config.model}
        <div className="muted break">{p.config.base_url}</div>
      </td>
      <td>
        {p.config.priority}
        <div className="muted">{p.config.gateway_route ? "gateway" : "local"}</div>
        {p.config.fallback && <div className="muted">then {p.config.fallback}</div>}
      </td>
      <td>{p.has_credentials ? `••••${p.credentials_last4 ?? ""}` : "none"}</td>
      <td>{p.active ? "Active" : "Inactive"}</td>
      <td className="row-actions">
        <button type="button" className="btn" onClick={onEdit}>
          Edit<span className="sr-only"> {p.name}</span>
        </button>
        <Button type="button" className="btn" unavailable={probe.isPending} onClick={() => probe.mutate(p.id)}>
          Test connection<span className="sr-only"> of {p.name}</span>
        </Button>
        <Button type="button" className="btn" unavailable={active.isPending} onClick={() => active.mutate({ id: p.id, active: !p.active })}>
          {p.active ? "Deactivate" : "Activate"}
          <span className="sr-only"> {p.name}</span>
        </Button>
        {confirm ? (
          <>
            <Button type="button" className="btn btn-danger" onClick={() => del.mutate(p.id)} unavailable={del.isPending}>
              Confirm delete<span className="sr-only"> {p.name}</span>
            </Button>
            <button type="button" className="btn" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="btn" onClick={() => setConfirm(true)}>
            Delete<span className="sr-only"> {p.name}</span>
          </button>
        )}
        {probe.isPending && <p role="status">Testing…</p>}
        {probe.data && (
          <p role="status" className={probe.data.ok ? "ok-text" : "field-error"}>
            {probe.data.ok ? "Connected" : "Failed"} in {Math.round(probe.data.latency_ms)} ms: {probe.data.detail}
          </p>
        )}
        <FormError error={probe.error ?? del.error ?? active.error} />
      </td>
    </tr>
  );
}

function Rotate() {
  const rotate = useRotateCredentials();
  return (
    <div className="stack">
      <Button type="button" className="btn" unavailable={rotate.isPending} onClick={() => rotate.mutate(undefined)}>
        Rotate credentials
      </Button>
      {rotate.data && (
        <p role="status">
          Re-encrypted {countOf(rotate.data.reencrypted, "credential")} with key {rotate.data.active_key}
          {rotate.data.unreadable > 0 && `; ${countOf(rotate.data.unreadable, "credential")} could not be read and must be entered again`}.
        </p>
      )}
      <FormError error={rotate.error} />
    </div>
  );
}

export function ProvidersPage() {
  const providers = useProviders();
  const [editing, setEditing] = useState<ProviderOut | null>(null);
  const edit = (p: ProviderOut) => {
    setEditing(p);
    // The form is below the table: take the keyboard (and the eyes) there.
    requestAnimationFrame(() => document.getElementById("provider-form-heading")?.closest("form")?.querySelector<HTMLElement>("input:enabled, select:enabled")?.focus());
  };
  return (
    <>
      <h1>AI providers</h1>
      <div className="grid-1">
        <section className="card table-card" aria-labelledby="providers-heading">
          <div className="card-head">
            <h2 id="providers-heading">Configured providers</h2>
            {/* Rotation re-encrypts the providers' stored keys: with none, the
                button offered to act on nothing. */}
            {providers.data?.some((p) => p.has_credentials) && <Rotate />}
          </div>
          <QueryState query={providers} isEmpty={(l) => l.length === 0} empty="No AI provider yet: add one below.">
            {(list) => (
              <Table label="Providers table" caption="AI and embedding providers" columns={["Provider", "Model", "Priority", "Key", "Status", ""]}>
                    {list.map((p) => (
                      <ProviderRow key={p.id} p={p} onEdit={() => edit(p)} />
                    ))}
                  </Table>
            )}
          </QueryState>
        </section>
        <section className="card form-card">
          <ProviderForm key={editing?.id ?? "new"} editing={editing} onDone={() => setEditing(null)} />
        </section>
      </div>
    </>
  );
}
