import { describe, expect, it } from "vitest";
import { clip, decidedCorrections, feedbackSaved, personOf, type Memory } from "./corrections";

const entry = (id: number, review: Memory["review"], corrected: string | null): Memory => ({
  id,
  user_id: 7,
  kind: "assistant_feedback",
  user_intent: "How often do we deploy?",
  original_answer: "Twice a day.",
  user_feedback: corrected ? "down" : "up",
  corrected_answer: corrected,
  context: {},
  active: true,
  review,
  reviewed_by: review === "pending" ? null : 1,
  reviewed_at: review === "pending" ? null : "2026-01-02T10:00:00Z",
  created_at: "2026-01-01T10:00:00Z",
});

describe("correction review", () => {
  it("tells a member their correction is theirs until an admin accepts it", () => {
    expect(feedbackSaved(true, false)).toBe("Correction saved: it applies to your own questions until an admin accepts it.");
  });

  it("keeps the reviewer's wording: their correction applies at once", () => {
    expect(feedbackSaved(true, true)).toBe("Correction saved: the assistant will use it next time.");
  });

  it("words a saved correction by the review the API says, not by the session's permissions", () => {
    expect(feedbackSaved(true, false, "accepted")).toBe("Correction saved: the assistant will use it next time.");
    expect(feedbackSaved(true, true, "pending")).toBe("Correction saved: it applies to your own questions until an admin accepts it.");
  });

  it("falls back to the session's permissions when the API's answer has no review", () => {
    expect(feedbackSaved(true, true, undefined)).toBe("Correction saved: the assistant will use it next time.");
    expect(feedbackSaved(true, false, null)).toBe("Correction saved: it applies to your own questions until an admin accepts it.");
  });

  it("thanks for a rating without a correction, whoever gives it", () => {
    expect(feedbackSaved(false, false)).toBe("Thanks for the feedback.");
    expect(feedbackSaved(false, true)).toBe("Thanks for the feedback.");
  });

  it("names a person by email, else by id, never with an empty cell", () => {
    const emails = new Map([[7, "member@acme.example"]]);
    expect(personOf(7, emails)).toBe("member@acme.example");
    expect(personOf(9, emails)).toBe("User #9");
    expect(personOf(null, emails)).toBe("Unknown user");
  });

  it("lists as decided only corrections accepted or rejected, not ratings or pending ones", () => {
    const list = [entry(1, "pending", "fix"), entry(2, "accepted", "fix"), entry(3, "accepted", null), entry(4, "rejected", "no")];
    expect(decidedCorrections(list).map((e) => e.id)).toEqual([2, 4]);
  });
});

describe("clip", () => {
  it("keeps a short question whole and ends a long one with an ellipsis", () => {
    expect(clip("How often do we deploy?")).toBe("How often do we deploy?");
    const long = clip("Where do most of our production outages originate, by repository, last quarter?", 30);
    expect(long).toBe("Where do most of our producti…");
    expect(long.length).toBe(30);
  });
});
