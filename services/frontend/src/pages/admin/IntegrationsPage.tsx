import { Link } from "react-router-dom";
import { useIntegrations } from "../../api/adminQueries";
import type { Schemas } from "../../api/queries";
import { Table } from "../../components/Table";
import { QueryState } from "../../components/States";
import { formatDateTime } from "../../format/dates";
import { When } from "../../components/When";

type Integration = Schemas["DataIntegrationOut"];

const when = (v: string | null | undefined) => formatDateTime(v, "never");

/** The badge tone of a sync job's status (the ETL's states: a run that "succeeded" is good news). */
export function statusTone(status: string): "good" | "bad" | "neutral" {
  return status === "failed" ? "bad" : status === "succeeded" ? "good" : "neutral";
}

function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${statusTone(status)}`}>{status}</span>;
}

function IntegrationCard({ i }: { i: Integration }) {
  return (
    <section className="card" aria-labelledby={`integration-${i.id}`}>
      <div className="card-head">
        <h2 id={`integration-${i.id}`}>
          {i.name} <span className="muted">({i.provider})</span>
        </h2>
        <span className={`badge ${i.active ? "badge-good" : "badge-neutral"}`}>{i.active ? "active" : "inactive"}</span>
      </div>
      <p className="muted break">
        {i.base_url ?? "no URL"} · last successful sync {when(i.last_sync_at)}
      </p>
      {i.jobs.length === 0 ? (
        <p>No sync has run yet.</p>
      ) : (
        <Table label={`Sync jobs of ${i.name}`} caption={`Sync jobs of ${i.name}`} columns={["Job", "Status", "Last run", "Data up to", "Error"]}>
              {i.jobs.map((j) => (
                <tr key={j.job_name}>
                  <td>{j.job_name}</td>
                  <td>
                    <StatusBadge status={j.status} />
                  </td>
                  <td>
                    <When iso={j.last_run_finished_at ?? j.last_run_started_at} none="never" />
                  </td>
                  <td>
                    <When iso={j.last_success_watermark} none="never" />
                  </td>
                  <td>{j.error_message ?? "—"}</td>
                </tr>
              ))}
            </Table>
      )}
    </section>
  );
}

/** The next step, not only the fact: an admin cannot add one here, the platform operator does. */
function NoIntegration() {
  return (
    <>
      <p className="empty-title">No data integration is configured for this tenant.</p>
      <p className="muted">
        Jira and GitHub are connected in the tenant&apos;s configuration (its PulseTenant), which the platform operator sets: ask them to add one. It is
        listed here once applied, and its first sync starts on <Link to="/admin/etl">ETL jobs</Link>.
      </p>
    </>
  );
}

export function IntegrationsPage() {
  const integrations = useIntegrations();
  return (
    <>
      <h1>Integrations</h1>
      <p className="muted">Jira and GitHub connections come from the tenant's configuration; their sync status is live from the ETL.</p>
      <QueryState query={integrations} isEmpty={(l) => l.length === 0} empty={<NoIntegration />}>
        {(list) => (
          <div className="grid-1">
            {list.map((i) => (
              <IntegrationCard key={i.id} i={i} />
            ))}
          </div>
        )}
      </QueryState>
    </>
  );
}
