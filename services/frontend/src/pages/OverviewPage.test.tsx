import { screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../renderWithApi.test-support";
import { OverviewPage } from "./OverviewPage";

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
const CATALOG = { authors: [], bands: {}, jira_url: null, projects: [], repositories: [{ id: 1, full_name: "acme/api" }] };
const TREND = { metric: "x", granularity: "week", unit: "hours", points: [], previous: [] };

function line(metric: string, extra: Record<string, unknown>) {
  return {
    metric, value: 20, unit: "hours", level: "high", sample_size: 5, previous_value: null, previous_level: null,
    previous_sample_size: 0, change: "no_comparison", unresolved: null, previous_unresolved: null, level_reason: "", ...extra,
  };
}

function renderOverview(recovery: Record<string, unknown>) {
  const summary = {
    start: "2026-06-01T00:00:00Z", end: "2026-07-01T00:00:00Z", report_year: 2024, insights: [],
    lines: [line("lead_time_for_changes", { sample_size: 12 }), line("failed_deployment_recovery_time", recovery)],
  };
  renderWithApi(
    <MemoryRouter>
      <OverviewPage />
    </MemoryRouter>,
    (req) => {
      const path = new URL(req.url).pathname;
      if (path.endsWith("/analytics/summary")) return json(summary);
      if (path.endsWith("/analytics/trends")) return json(TREND);
      return json(CATALOG);
    },
  );
}

async function recoveryTile() {
  const link = await screen.findByRole("link", { name: "Failed deployment recovery time" });
  return link.closest("li") as HTMLElement;
}

describe("the overview's recovery tile", () => {
  it("says how many incidents are still open when some are, beside a known median", async () => {
    renderOverview({ unresolved: 2, sample_size: 5 });
    const tile = await recoveryTile();
    expect(within(tile).getByText("2 of 5 incidents still open")).toBeTruthy();
    expect(tile.querySelector(".tile-value")?.textContent).toBe("20 h");
  });

  it("says it when most are open, the value being 'Still open'", async () => {
    renderOverview({ value: null, level: "low", unresolved: 4, sample_size: 5 });
    const tile = await recoveryTile();
    expect(within(tile).getByText("4 of 5 incidents still open")).toBeTruthy();
    expect(within(tile).getByText("Still open")).toBeTruthy();
  });

  it("says nothing of open incidents when all are resolved, nor on the other tiles", async () => {
    renderOverview({ unresolved: 0 });
    const tile = await recoveryTile();
    expect(within(tile).queryByText(/still open/)).toBeNull();
    expect(screen.queryByText(/still open/)).toBeNull();
  });
});
