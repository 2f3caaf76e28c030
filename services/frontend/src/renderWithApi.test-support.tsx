/** Test support: a page rendered against a stubbed API (a signed-in session
 * without permissions), as the page tests need it. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { makeApi } from "./api/client";
import { Session } from "./api/session";
import { AuthContext, type Auth } from "./auth/AuthContext";

/** `answer` gets every request the page makes (its URL made absolute); `user`, the signed-in user a page reads (none by default). */
export function renderWithApi(element: ReactNode, answer: (req: Request) => Response | Promise<Response>, { user = null }: { user?: Auth["user"] } = {}) {
  const base = (async (input: Request | string, init?: RequestInit) =>
    answer(input instanceof Request ? input : new Request(new URL(input, "http://localhost"), init))) as unknown as typeof fetch;
  const session = new Session();
  const auth = { api: makeApi(session, () => undefined, base), status: "signed-in", session: session.current, user } as unknown as Auth;
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <AuthContext.Provider value={auth}>{element}</AuthContext.Provider>
    </QueryClientProvider>,
  );
}
