import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../renderWithApi.test-support";
import { WorkItemsPage } from "./WorkItemsPage";

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
const CATALOG = { projects: [], repositories: [], authors: [], assignees: ["Ada Lovelace", "Zoë Quinn"], capped: {}, jira_url: null, bands: {} };
const FLOW = { resolved: 1, throughput: [], lead_time: { median_hours: 5, sample_size: 1 }, cycle_time: { median_hours: 2, sample_size: 1 }, wip: 0, median_wip_age_hours: null, oldest: [] };

function Where() {
  const l = useLocation();
  return <output data-testid="location">{l.search}</output>;
}
const search = () => new URLSearchParams(screen.getByTestId("location").textContent ?? "");

/** The page at `path`; the assignee of each work-items request the page made (null: everyone's). */
function renderAt(path: string, catalog: object = CATALOG) {
  const asked: (string | null)[] = [];
  renderWithApi(
    <MemoryRouter initialEntries={[path]}>
      <Where />
      <Routes>
        <Route path="*" element={<WorkItemsPage />} />
      </Routes>
    </MemoryRouter>,
    (req) => {
      const url = new URL(req.url);
      if (url.pathname.endsWith("/catalog")) return json(catalog);
      asked.push(url.searchParams.get("assignee"));
      return json(FLOW);
    },
  );
  return asked;
}

describe("the work items' assignee filter", () => {
  it("reads the assignee from the URL and asks the API for their items", async () => {
    const asked = renderAt("/work-items?days=30&assignee=Zo%C3%AB+Quinn");
    const box = await screen.findByLabelText<HTMLSelectElement>("Assignee");
    expect(box.value).toBe("Zoë Quinn");
    await waitFor(() => expect(asked).toContain("Zoë Quinn"));
    expect(asked).not.toContain(null);
  });

  it("puts the choice in the URL, keeps it through other filters and clears it with them", async () => {
    const user = userEvent.setup();
    const asked = renderAt("/work-items");
    const box = await screen.findByLabelText<HTMLSelectElement>("Assignee");
    expect(box.value).toBe("");
    await user.selectOptions(box, "Ada Lovelace");
    expect(search().get("assignee")).toBe("Ada Lovelace");
    await waitFor(() => expect(asked).toContain("Ada Lovelace"));
    await user.selectOptions(screen.getByLabelText("Period"), "Last 30 days");
    expect(search().get("assignee")).toBe("Ada Lovelace");
    expect(search().get("days")).toBe("30");
    await user.click(screen.getByRole("button", { name: "Clear 1 filter" }));
    expect(search().has("assignee")).toBe(false);
    expect(search().get("days")).toBe("30");
    await user.selectOptions(box, "Zoë Quinn");
    await user.selectOptions(box, "Everyone");
    expect(search().has("assignee")).toBe(false);
  });

  it("offers a chosen name the list lacks, and says when the list was cut", async () => {
    renderAt("/work-items?assignee=Grace+Hopper", { ...CATALOG, capped: { assignees: 500 } });
    const box = await screen.findByLabelText<HTMLSelectElement>("Assignee");
    expect(box.value).toBe("Grace Hopper");
    expect(screen.getByText("The first 500 names only")).toBeTruthy();
  });
});
