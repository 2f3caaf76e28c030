import { screen, within } from "@testing-library/react";
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
});
