import { useState } from "react";
import { useAcknowledgeAlert, useAlerts, usePredictions } from "../../api/adminQueries";
import type { Schemas } from "../../api/queries";
import { Table } from "../../components/Table";
import { FormError, QueryState } from "../../components/States";
import { formatDateTime } from "../../format/dates";
import { Button } from "../../components/Button";
import { When } from "../../components/When";

type Alert = Schemas["AlertOut"];
type Prediction = Schemas["PredictionOut"];

export interface ModelAccuracy {
  model: string;
  predictions: number;
  scored: number;
  accuracy: number | null;
  confidence: number | null;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Per model: how many predictions, how many have an outcome, their mean accuracy and confidence. */
export function accuracyByModel(predictions: Prediction[]): ModelAccuracy[] {
  const by = new Map<string, Prediction[]>();
  for (const p of predictions) by.set(p.model_name, [...(by.get(p.model_name) ?? []), p]);
  return [...by.entries()]
    .map(([model, ps]) => {
      const scores = ps.map((p) => p.accuracy_score).filter((x): x is number => x !== null && x !== undefined);
      const conf = ps.map((p) => p.confidence_score).filter((x): x is number => x !== null && x !== undefined);
      return { model, predictions: ps.length, scored: scores.length, accuracy: mean(scores), confidence: mean(conf) };
    })
    .sort((a, b) => a.model.localeCompare(b.model));
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)} %`);

function AlertRow({ a }: { a: Alert }) {
  const ack = useAcknowledgeAlert();
  const summary = Object.entries(a.alert_data)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
  return (
    <tr>
      <td>
        <span className={`badge severity-${a.severity}`}>{a.severity}</span>
      </td>
      <td>{a.model_name}</td>
      <td className="break">{summary || "—"}</td>
      <td>
        <When iso={a.created_at} />
      </td>
      <td>
        {a.acknowledged ? (
          <span>
            Acknowledged{a.acknowledged_by ? ` by ${a.acknowledged_by}` : ""}
            {a.acknowledged_at && <span className="muted"> {formatDateTime(a.acknowledged_at)}</span>}
          </span>
        ) : (
          <Button type="button" className="btn" unavailable={ack.isPending} onClick={() => ack.mutate(a.id)}>
            Acknowledge<span className="sr-only"> alert {a.id}</span>
          </Button>
        )}
        <FormError error={ack.error} />
      </td>
    </tr>
  );
}

function Alerts() {
  const [open, setOpen] = useState(true);
  const alerts = useAlerts(open ? false : undefined);
  return (
    <section className="card" aria-labelledby="alerts-heading">
      <div className="card-head">
        <h2 id="alerts-heading">Anomaly alerts</h2>
        <label className="toggle">
          <input type="checkbox" checked={open} onChange={(e) => setOpen(e.target.checked)} /> Only unacknowledged
        </label>
      </div>
      <QueryState query={alerts} isEmpty={(l) => l.length === 0} empty={open ? "No open alert." : "No alert yet."}>
        {(list) => (
          <Table label="Alerts table" caption="Anomaly alerts, newest first" columns={["Severity", "Model", "What", "Raised", "State"]}>
                {list.map((a) => (
                  <AlertRow key={a.id} a={a} />
                ))}
              </Table>
        )}
      </QueryState>
    </section>
  );
}

function Accuracy() {
  const predictions = usePredictions();
  return (
    <section className="card" aria-labelledby="accuracy-heading">
      <h2 id="accuracy-heading">Prediction accuracy</h2>
      <QueryState query={predictions} isEmpty={(l) => l.length === 0} empty={
          <>
            <p className="empty-title">No prediction recorded yet.</p>
            <p className="muted">Monitoring runs after each successful sync: predictions and their accuracy appear here after the first one.</p>
          </>
        }
      >
        {(list) => (
          <Table label="Accuracy table" caption={`Accuracy per model over the latest ${list.length} predictions`} columns={["Model", "Predictions", "With outcome", "Mean accuracy", "Mean confidence"]}>
                {accuracyByModel(list).map((m) => (
                  <tr key={m.model}>
                    <td>{m.model}</td>
                    <td>{m.predictions}</td>
                    <td>{m.scored}</td>
                    <td>
                      {pct(m.accuracy)}
                      {m.accuracy !== null && (
                        <meter className="accuracy-meter" min={0} max={1} low={0.6} high={0.8} optimum={1} value={m.accuracy} aria-label={`Accuracy of ${m.model}`} />
                      )}
                    </td>
                    <td>{pct(m.confidence)}</td>
                  </tr>
                ))}
              </Table>
        )}
      </QueryState>
    </section>
  );
}

export function MlPage() {
  return (
    <>
      <h1>ML monitoring</h1>
      <div className="grid-1">
        <Alerts />
        <Accuracy />
      </div>
    </>
  );
}
