/**
 * What a dashboard says when it has nothing to show. A brand-new tenant,
 * before its first sync, was told "No deployments, PRs or incidents in this
 * period and scope.", as if its filters were wrong: the catalog (repositories
 * and projects the ETL loaded, what the filter bar lists) being empty is the
 * honest signal that no data has been loaded yet, with no route of its own.
 */
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { useEtlJobs } from "../api/adminQueries";
import { useCatalog } from "../api/analytics";
import { useUser } from "../auth/AuthContext";
import { progressText } from "../pages/admin/EtlPage";

/** True once the catalog is read and holds no repository and no project. */
export function useNothingLoaded(): boolean {
  const c = useCatalog().data;
  return c !== undefined && c.repositories.length === 0 && c.projects.length === 0;
}

/** `inPeriod` when data exists but not in this period and scope; else what is true: nothing loaded yet. */
export function useEmptyText(inPeriod: string): ReactNode {
  return useNothingLoaded() ? <NoDataYet /> : inPeriod;
}

export function NoDataYet() {
  const user = useUser();
  return (
    <div className="no-data-yet" data-testid="no-data-yet">
      <p>
        <strong>No data has been loaded yet.</strong>
      </p>
      {user.role === "admin" ? <FirstSync /> : <p>Your tenant's Jira and GitHub data has not been synced yet; the dashboards fill in after the first sync, which an admin starts.</p>}
    </div>
  );
}

/** An admin's next step, and the running first sync's progress if one runs (GET /etl/jobs, admins only). */
function FirstSync() {
  const jobs = useEtlJobs({ pollMs: 5_000 }).data ?? [];
  const running = jobs.filter((j) => j.state === "running" || j.state === "queued");
  return (
    <>
      {running.length > 0 ? (
        <ul className="first-sync">
          {running.map((j) => (
            <li key={j.integration}>
              First sync of {j.integration}: {progressText(j.state, j.progress.done, j.progress.estimated ?? null, j.progress.phase ?? "")}
            </li>
          ))}
        </ul>
      ) : (
        <p>
          Jira and GitHub connections come from the tenant&apos;s configuration (its PulseTenant, set by the platform operator). Once they are listed under
          Integrations, start their first sync on ETL jobs: the dashboards fill in as it loads.
        </p>
      )}
      <p>
        <Link to="/admin/integrations">Integrations</Link> · <Link to="/admin/etl">ETL jobs</Link>
      </p>
    </>
  );
}
