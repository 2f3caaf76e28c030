import { ApiError, fieldsText } from "./problem";

/** The API's per-field messages (422 `errors`), keyed by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.problem.errors) return {};
  return Object.fromEntries(error.problem.errors.map((e) => [e.field, e.message]));
}

/**
 * A failed submit split between a form's fields and the form itself, so that
 * each problem is said once: `fields` has the API's message for each field,
 * shown under it; `form` is what belongs to none of the fields the form
 * `shows` (null when every problem is on one of them), for FormError. The
 * API's summary ("invalid value for: email") only repeats the fields' own
 * messages, so it is never shown next to them.
 */
export function formErrors(error: unknown, shows: readonly string[]): { fields: Record<string, string>; form: unknown } {
  const fields = fieldErrors(error);
  if (!(error instanceof ApiError) || !error.problem.errors?.length) return { fields, form: error ?? null };
  const rest = error.problem.errors.filter((e) => !shows.includes(e.field));
  if (rest.length === 0) return { fields, form: null };
  const detail = fieldsText(rest);
  return { fields, form: new ApiError(error.status, { ...error.problem, detail, errors: rest }) };
}

/**
 * A field's message as the sentence shown under the field. The API writes
 * its messages to follow the field's name ("base_url: use a full address…",
 * "password: is not your current password"), so under a field they began
 * lowercase, or with a bare "is".
 */
export function fieldSentence(message: string): string {
  const m = message.startsWith("is ") ? `this ${message}` : message;
  return m.charAt(0).toUpperCase() + m.slice(1);
}
