import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../renderWithApi.test-support";
import { CorrectionsPage } from "./CorrectionsPage";

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

const accepted = {
  id: 4,
  user_id: 7,
  kind: "assistant_feedback",
  user_intent: "How often do we deploy?",
  original_answer: "Twice a day.",
  user_feedback: "down",
  corrected_answer: "Count production deploys only.",
  context: {},
  active: true,
  review: "accepted",
  reviewed_by: 1,
  reviewed_at: "2026-01-02T10:00:00Z",
  created_at: "2026-01-01T10:00:00Z",
};

describe("the corrections page", () => {
  it("asks the API for the decided corrections by review state, not for every rating", async () => {
    const urls: URL[] = [];
    renderWithApi(<CorrectionsPage />, (req) => {
      const url = new URL(req.url);
      urls.push(url);
      return json(url.pathname === "/api/v1/ml/learning-memory" ? [accepted] : []);
    });
    const table = await screen.findByRole("region", { name: "Decided corrections" });
    expect(within(table).getByText("Count production deploys only.")).toBeInTheDocument();
    const decided = urls.filter((u) => u.pathname === "/api/v1/ml/learning-memory");
    expect(decided).toHaveLength(1);
    expect(decided[0]?.searchParams.getAll("review")).toEqual(["accepted", "rejected"]);
    expect(decided[0]?.searchParams.get("kind")).toBe("assistant_feedback");
  });

  it("shows older decided corrections than the latest 500 on request, by the API's offset", async () => {
    // The list stopped at the latest 500 with no way to see older ones.
    const decided = (offset: number, n: number) => Array.from({ length: n }, (_, i) => ({ ...accepted, id: 1000 - offset - i, corrected_answer: `Correction ${offset + i + 1}` }));
    const offsets: string[] = [];
    renderWithApi(<CorrectionsPage />, (req) => {
      const url = new URL(req.url);
      if (url.pathname !== "/api/v1/ml/learning-memory") return json([]);
      offsets.push(`${url.searchParams.get("offset") ?? "0"}+${url.searchParams.get("limit") ?? ""}`);
      return json(url.searchParams.get("offset") === "500" ? decided(500, 3) : decided(0, 500));
    });
    // Rows counted and the button found by its text: role queries over
    // 500 rows (each with its own button) took most of 30 s in jsdom.
    const rows = () => document.querySelectorAll('[aria-label="Decided corrections"] tbody tr');
    await waitFor(() => expect(rows()).toHaveLength(500));
    expect(screen.getByText(/Showing the latest 500 decided corrections/)).toBeInTheDocument();
    fireEvent.click(screen.getByText("Show older corrections"));
    await waitFor(() => expect(rows()).toHaveLength(503));
    expect(rows()[502]?.textContent).toContain("Correction 503");
    expect(offsets).toEqual(["0+500", "500+500"]);
    // All shown: no button left, and the line says so.
    expect(screen.queryByText("Show older corrections")).toBeNull();
    expect(screen.getByText(/Showing all 503 decided corrections/)).toBeInTheDocument();
  });

  it("lists a decided correction once when the list moved between two pages", async () => {
    // Newest given first, paged by offset: a correction given (admins' are
    // accepted as given) or decided after the first page moves the rest down
    // one, so the next page starts with the first page's last row: it was
    // listed twice, under one React key.
    const decided = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ ...accepted, id: 1000 - from - i, corrected_answer: `Correction ${from + i + 1}` }));
    renderWithApi(<CorrectionsPage />, (req) => {
      const url = new URL(req.url);
      if (url.pathname !== "/api/v1/ml/learning-memory") return json([]);
      return json(url.searchParams.get("offset") === "500" ? decided(499, 3) : decided(0, 500));
    });
    const rows = () => document.querySelectorAll('[aria-label="Decided corrections"] tbody tr');
    await waitFor(() => expect(rows()).toHaveLength(500));
    fireEvent.click(screen.getByText("Show older corrections"));
    await waitFor(() => expect(screen.getByText(/Showing all 502 decided corrections/)).toBeInTheDocument());
    expect(rows()).toHaveLength(502);
    expect(Array.from(rows(), (r) => r.textContent).filter((t) => t?.includes("Correction 500"))).toHaveLength(1);
  });
});
