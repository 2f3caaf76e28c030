import { render as renderOnly, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactElement } from "react";
import { MemoryRouter, useLocation } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { sources } from "../../analytics/sources";
import { Deployments, Incidents } from "./Drilldown";

const src = sources(undefined);

/** The page's URL query, shown for the test to read. */
function Query() {
  return <output data-testid="query">{useLocation().search}</output>;
}

// A table's page lives in the URL (useRowsPage): rendered under a router.
const render = (ui: ReactElement, at = "/dora/deployment-frequency") =>
  renderOnly(
    <MemoryRouter initialEntries={[at]}>
      {ui}
      <Query />
    </MemoryRouter>,
  );

const deployment = (id: number) => ({
  id,
  external_id: `d${id}`,
  repository_id: 1,
  environment: "production",
  commit_sha: `abcdef${String(id).padStart(4, "0")}`,
  finished_at: "2026-09-26T10:23:00Z",
  source: "deployment",
  failed: false,
  rework_reasons: [],
});

describe("drill-down rows read in words, not the API's enum values", () => {
  it("names a deployment's rework reasons", () => {
    const row = {
      id: 1,
      external_id: "d1",
      repository_id: 1,
      environment: "production",
      commit_sha: "abcdef0123",
      finished_at: "2026-09-26T10:23:00Z",
      source: "deployment",
      failed: false,
      rework_reasons: ["fixes_bug", "hotfix_deployment", "hotfix_pr"],
    };
    render(<Deployments rows={[row] as never} total={1} src={src} />);
    expect(screen.getByText("Rework: fixes a bug, hotfix deployment, hotfix PR")).toBeInTheDocument();
  });

  it("says how an incident was tied to its deployment", () => {
    const incident = {
      id: 5,
      external_id: "INC-1",
      title: "web: errors after deploying 99b34bc",
      status: "resolved",
      detected_at: "2026-09-08T09:02:48Z",
      resolved_at: "2026-09-09T10:06:54Z",
      deployment_id: 43,
      deployment_finished_at: "2026-09-08T02:06:21Z",
      link_method: "last_production_deployment",
      hours: 32,
    };
    render(<Incidents rows={[incident] as never} total={1} src={src} />);
    expect(screen.getByText(/\(the last production deployment before it\)$/)).toBeInTheDocument();
    expect(screen.queryByText(/last_production_deployment/)).not.toBeInTheDocument();
    expect(screen.getByText("32 h")).toBeInTheDocument();
  });
});

// Kept in the component, the page was lost on Back from another page and
// missing from a shared link: it is in the URL, as the filters are.
describe("a drill-down's page is in the URL", () => {
  const rows = Array.from({ length: 45 }, (_, i) => deployment(i + 1));

  it("opens at the page the URL names, the filters kept", () => {
    render(<Deployments rows={rows as never} total={45} src={src} />, "/dora/deployment-frequency?days=30&deployments-page=3");
    expect(screen.getByText("Rows 41–45 of 45")).toBeInTheDocument();
  });

  it("writes the page turned to, and drops it back on the first", async () => {
    render(<Deployments rows={rows as never} total={45} src={src} />, "/dora/deployment-frequency?days=30");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getByText("Rows 21–40 of 45")).toBeInTheDocument();
    expect(screen.getByTestId("query")).toHaveTextContent("?days=30&deployments-page=2");
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(screen.getByTestId("query")).toHaveTextContent(/^\?days=30$/);
  });

  it("shows the last page for a page past the rows, and the first for nonsense", () => {
    const { unmount } = render(<Deployments rows={rows as never} total={45} src={src} />, "/dora/deployment-frequency?deployments-page=9");
    expect(screen.getByText("Rows 41–45 of 45")).toBeInTheDocument();
    unmount();
    render(<Deployments rows={rows as never} total={45} src={src} />, "/dora/deployment-frequency?deployments-page=x");
    expect(screen.getByText("Rows 1–20 of 45")).toBeInTheDocument();
  });
});
