import { useState, type FormEvent } from "react";
import { useDoraSettings, useSaveDoraSettings, type DoraRules } from "../../api/analytics";
import { REPORT_YEARS } from "../../analytics/filters";
import { formErrors } from "../../api/fieldErrors";
import type { Schemas } from "../../api/queries";
import { Field } from "../../components/Field";
import { FormError, QueryState } from "../../components/States";
import { optionalNumber } from "../../format/numbers";
import { Button } from "../../components/Button";

type Fallback = Schemas["DeploymentFallback"];
const FALLBACKS: { value: Fallback; label: string }[] = [
  { value: "none", label: "None: only deployments count" },
  { value: "releases", label: "Releases, when a repository has no deployment" },
  { value: "default_branch_merges", label: "Merges to the default branch, when nothing else" },
];

interface Draft {
  production_pattern: string;
  deployment_fallback: Fallback;
  hotfix_pattern: string;
  revert_pattern: string;
  incident_window_hours: string;
  report_year: string;
  incident_types: string;
}

/** "Incident, Outage," -> ["Incident", "Outage"]; nothing -> null (each Jira integration's option decides). */
function typeList(text: string): string[] | null {
  const names = text.split(",").map((n) => n.trim()).filter((n) => n !== "");
  return names.length === 0 ? null : names;
}

export function toDraft(r: DoraRules): Draft {
  return {
    production_pattern: r.production_pattern,
    deployment_fallback: r.deployment_fallback,
    hotfix_pattern: r.hotfix_pattern,
    revert_pattern: r.revert_pattern,
    incident_window_hours: r.incident_window_hours == null ? "" : String(r.incident_window_hours),
    report_year: String(r.report_year),
    incident_types: (r.incident_types ?? []).join(", "),
  };
}

/** The form as the API's body: every rule (PUT replaces them); an empty window means none. */
export function toRules(d: Draft): Schemas["DoraSettingsIn"] {
  return {
    production_pattern: d.production_pattern,
    deployment_fallback: d.deployment_fallback,
    hotfix_pattern: d.hotfix_pattern,
    revert_pattern: d.revert_pattern,
    // Empty is "no window"; a typo is sent as typed for the API to name the field.
    incident_window_hours: optionalNumber(d.incident_window_hours),
    report_year: Number(d.report_year),
    // PUT replaces every rule: a field the form left out would be cleared.
    incident_types: typeList(d.incident_types),
  };
}

// The rules the form has a field for; a problem with any other is the form's.
const RULE_FIELDS = ["production_pattern", "hotfix_pattern", "revert_pattern", "incident_window_hours", "incident_types"];

function RulesForm({ rules }: { rules: DoraRules }) {
  const save = useSaveDoraSettings();
  const [d, setD] = useState<Draft>(() => toDraft(rules));
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD((x) => ({ ...x, [k]: e.target.value }));
  const { fields: f, form } = formErrors(save.error, RULE_FIELDS);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(toRules(d));
  };
  const relinked = save.data?.relinked;
  return (
    <form className="stack" onSubmit={submit} aria-labelledby="rules-heading" noValidate>
      <h2 id="rules-heading">DORA rules</h2>
      <p className="muted">Patterns are regular expressions, matched without regard to case. Saving relinks deployments, pull requests and incidents, and every figure is computed again.</p>
      <Field label="Production environment pattern" value={d.production_pattern} onChange={set("production_pattern")} error={f.production_pattern} spellCheck={false} />
      <label className="field">
        <span>When a repository has no deployments</span>
        <select value={d.deployment_fallback} onChange={set("deployment_fallback")}>
          {FALLBACKS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <div className="grid-2 tight">
        <Field label="Hotfix pattern" value={d.hotfix_pattern} onChange={set("hotfix_pattern")} error={f.hotfix_pattern} spellCheck={false} />
        <Field label="Revert pattern" value={d.revert_pattern} onChange={set("revert_pattern")} error={f.revert_pattern} spellCheck={false} />
      </div>
      <div className="grid-2 tight">
        <Field label="Incident window (hours, empty for none)" inputMode="numeric" value={d.incident_window_hours} onChange={set("incident_window_hours")} error={f.incident_window_hours} />
        <label className="field">
          <span>Performance levels of the DORA report</span>
          <select value={d.report_year} onChange={set("report_year")}>
            {REPORT_YEARS.map((y) => (
              <option key={y}>{y}</option>
            ))}
          </select>
        </label>
      </div>
      <Field
        label="Jira issue types that are incidents (comma-separated; empty: each Jira integration's own setting)"
        value={d.incident_types}
        onChange={set("incident_types")}
        error={f.incident_types}
        spellCheck={false}
      />
      <FormError error={form} />
      {save.isSuccess && (
        <p role="status" className="ok-text">
          Saved.{relinked ? " Links rebuilt under the new rules; the dashboards show the new figures." : ""}
        </p>
      )}
      <Button type="submit" className="btn btn-primary" unavailable={save.isPending}>
        Save rules
      </Button>
    </form>
  );
}

export function AnalyticsSettingsPage() {
  const settings = useDoraSettings();
  return (
    <>
      <h1>Analytics settings</h1>
      <section className="card form-card">
        <QueryState query={settings}>{(s) => <RulesForm rules={s.rules} />}</QueryState>
      </section>
    </>
  );
}
