import { screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { User } from "../api/session";
import { renderWithApi } from "../renderWithApi.test-support";
import { useEmptyText } from "./NoDataYet";

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
const user = (role: User["role"]) =>
  ({ id: 1, email: `${role}@t.example`, role, active: true, invited: false, created_at: "2026-01-01T00:00:00Z", first_name: null, last_name: null, last_login_at: null, must_change_password: false, theme_mode: "light" }) as User;
const EMPTY = { authors: [], bands: {}, jira_url: null, projects: [], repositories: [] };
const LOADED = { ...EMPTY, repositories: [{ id: 1, full_name: "acme/api" }] };
const RUNNING = {
  integration: "github", integration_id: 1, state: "running", attempts: 1, control: null, started_at: "2026-01-01T00:00:00Z", finished_at: null,
  last_error: null, resumable: false, watermark: null, progress: { done: 120, estimated: 400, phase: "pull requests" },
};

function Probe() {
  return <div>{useEmptyText("No PRs merged in this period and scope.")}</div>;
}

/** The empty text for `role` with this catalog; the requests it made. */
function renderFor(role: User["role"], catalog: unknown) {
  const calls: string[] = [];
  renderWithApi(
    <MemoryRouter>
      <Probe />
    </MemoryRouter>,
    (req) => {
      const path = new URL(req.url).pathname;
      calls.push(path);
      return json(path === "/api/v1/catalog" ? catalog : [RUNNING]);
    },
    { user: user(role) },
  );
  return calls;
}

describe("a dashboard with nothing to show", () => {
  it("tells an admin of a brand-new tenant that no data is loaded, with the running first sync and the pages to go to", async () => {
    renderFor("admin", EMPTY);
    expect(await screen.findByText("No data has been loaded yet.")).toBeTruthy();
    expect(await screen.findByText("First sync of github: 120 of 400 items · pull requests")).toBeTruthy();
    expect(screen.getByRole("link", { name: "ETL jobs" }).getAttribute("href")).toBe("/admin/etl");
    expect(screen.getByRole("link", { name: "Integrations" }).getAttribute("href")).toBe("/admin/integrations");
    expect(screen.queryByText(/in this period/)).toBeNull();
  });

  it("tells a member the first sync has not run yet (an admin starts it), without asking the admins' ETL API", async () => {
    const calls = renderFor("member", EMPTY);
    expect(await screen.findByText(/has not been synced yet; the dashboards fill in after the first sync, which an admin starts/)).toBeTruthy();
    expect(screen.queryByRole("link")).toBeNull();
    expect(calls).not.toContain("/api/v1/etl/jobs");
  });

  it("keeps the period's message once data exists", async () => {
    renderFor("admin", LOADED);
    expect(await screen.findByText("No PRs merged in this period and scope.")).toBeTruthy();
  });
});
