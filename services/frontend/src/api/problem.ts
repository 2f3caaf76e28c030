import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

/** A failed API call, carrying the backend's RFC 9457 problem details. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  get code(): string {
    return this.problem.code;
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.detail === "string" && typeof b.code === "string";
}

/** Turns whatever an openapi-fetch call returned as `error` into an ApiError. */
export function toApiError(response: Response, body: unknown): ApiError {
  if (isProblem(body)) return new ApiError(response.status, body);
  // A proxy or a crashed server answers without problem details: say what we know.
  const detail = typeof body === "string" && body.trim() ? body.trim().slice(0, 200) : response.statusText;
  return new ApiError(response.status, {
    type: "about:blank",
    title: response.statusText || "Error",
    status: response.status,
    detail: detail || `request failed with status ${response.status}`,
    code: "http_error",
  });
}

// Server errors keep their detail generic (it could name hosts); their code
// still says which part failed, which is what a person can act on.
const SERVER_CODES: Record<string, string> = {
  etl_bad_gateway: "The tenant's ETL service did not answer usably: it may be stopped or restarting. Retry in a moment.",
};

/**
 * The API's per-field messages as one line ("q: String should have at most
 * 500 characters"): its summary ("invalid value for: q") names the fields only.
 */
export function fieldsText(errors: NonNullable<Problem["errors"]>): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join("; ");
}

/**
 * Whether asking again can give another answer: not for a request the API
 * refused as it stands (400, 403, 404, 409, 422...), which only a change of
 * the request mends; yes for a timeout, a rate limit, a server or network error.
 */
export function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || error.status === 408 || error.status === 429 || error.status < 400;
}

/** The text a person should see for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const { code, detail, errors } = error.problem;
    // A refused request outside a form (a search, a page's query) says what was wrong, not only where.
    return SERVER_CODES[code] ?? (errors?.length ? fieldsText(errors) : detail);
  }
  if (error instanceof TypeError) return "The server could not be reached. Check your connection and retry.";
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
