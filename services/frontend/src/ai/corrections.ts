/**
 * The review of the assistant's corrections (README "Who a correction
 * steers"): a member's correction steers only their own answers until a
 * reviewer accepts it; a reviewer's is accepted as given.
 */
import type { Schemas } from "../api/queries";

export type Memory = Schemas["MemoryOut"];
export type Review = Schemas["CorrectionReview"];

/** Who reviews corrections (pulse_backend/ml/learning.py REVIEWER): whoever
 * chooses the model every user is answered by, admins by default. */
export const REVIEWER = "integrations:write";

/** The stored correction's review, as the feedback's answer says it (null without a correction). */
export type SavedReview = Schemas["FeedbackOut"]["review"];

/** What the answer's feedback says once saved: whom a correction now steers,
 * as the stored entry's `review` says. An older server's answer does not say
 * it: then the session's permissions decide, as the backend's `may_review`
 * does (a guess: permissions may have changed since the session began). */
export function feedbackSaved(corrected: boolean, reviewer: boolean, review?: SavedReview): string {
  if (!corrected) return "Thanks for the feedback.";
  const accepted = review ? review === "accepted" : reviewer;
  return accepted ? "Correction saved: the assistant will use it next time." : "Correction saved: it applies to your own questions until an admin accepts it.";
}

/** A user's email from the users list; the id alone when it is not there
 * (no `users:read`, a user since removed), never an empty cell. */
export function personOf(id: number | null | undefined, emails: ReadonlyMap<number, string>): string {
  if (id === null || id === undefined) return "Unknown user";
  return emails.get(id) ?? `User #${id}`;
}

/** The corrections a reviewer already decided, newest first as listed (the
 * learning memory also holds plain ratings, which have nothing to review). */
export function decidedCorrections(entries: readonly Memory[]): Memory[] {
  return entries.filter((e) => e.corrected_answer !== null && e.review !== "pending");
}

/** What a decision's button and announcement say. */
export const DECISION: Record<Decision, { verb: string; past: string; effect: string }> = {
  accepted: { verb: "Accept", past: "Accepted", effect: "it now applies to everyone's questions" },
  rejected: { verb: "Reject", past: "Rejected", effect: "it applies to nobody's questions, its author's included" },
};
export type Decision = Exclude<Review, "pending">;

/** A question short enough for a button's name or an announcement. */
export function clip(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
