import { useUser, useAuth } from "../auth/AuthContext";
import { Empty } from "../components/States";

/**
 * The executive overview. The DORA and analytics APIs are not in the backend
 * yet (another issue): until they are, the page says so rather than showing
 * invented figures.
 */
export function OverviewPage() {
  const user = useUser();
  const { session } = useAuth();
  return (
    <>
      <h1>Overview</h1>
      <p className="muted">
        Welcome{user.first_name ? `, ${user.first_name}` : ""}. Tenant <strong>{session.tenant}</strong>, signed in as {user.role}.
      </p>
      <section className="card" aria-labelledby="dora-heading">
        <h2 id="dora-heading">DORA metrics</h2>
        <Empty>The DORA metrics service is not available yet: figures will appear here once it is deployed.</Empty>
      </section>
    </>
  );
}
