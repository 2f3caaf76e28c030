import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { toApiError } from "./problem";
import { Session } from "./session";

const NO_RETRY = new Set(["/api/v1/auth/login", "/api/v1/auth/refresh"]);

export type ExpiredHandler = () => void;

/**
 * A fetch that adds the access token and, when the server answers 401 because
 * the token expired, refreshes once and replays the request: the page keeps
 * its state and the person never sees the expiry. When the refresh itself
 * fails, `onExpired` lets the app ask for the password again in place.
 */
export function authFetch(session: Session, onExpired: () => void, base: typeof fetch = (...a) => fetch(...a)) {
  return async (input: Request): Promise<Response> => {
    const replay = input.clone();
    const send = (req: Request) => {
      const token = session.current.token;
      if (token) req.headers.set("Authorization", `Bearer ${token}`);
      return base(req);
    };
    const response = await send(input);
    const path = new URL(input.url, window.location.href).pathname;
    if (response.status !== 401 || NO_RETRY.has(path) || !session.current.token) return response;
    if (await session.refresh()) return send(replay);
    onExpired();
    return response;
  };
}

export function makeApi(session: Session, onExpired: ExpiredHandler, base?: typeof fetch) {
  return createClient<paths>({ baseUrl: window.location.origin, fetch: authFetch(session, onExpired, base) });
}

export type Api = ReturnType<typeof makeApi>;

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of a call, or an ApiError carrying the problem `detail`. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) throw toApiError(response, error);
  return data as T;
}
