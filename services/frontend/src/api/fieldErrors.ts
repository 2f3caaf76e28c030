import { ApiError } from "./problem";

/** The API's per-field messages (422 `errors`), keyed by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.problem.errors) return {};
  return Object.fromEntries(error.problem.errors.map((e) => [e.field, e.message]));
}
