import { describe, expect, it, vi } from "vitest";
import { authFetch } from "./client";
import { ApiError, describeError } from "./problem";
import { Session, tenantOf } from "./session";

function jwt(claims: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "EdDSA" })}.${b64(claims)}.sig`;
}

const user = {
  id: 1, email: "a@x.example", first_name: null, last_name: null, role: "admin" as const,
  theme_mode: "system" as const, active: true, must_change_password: false, invited: false, last_login_at: null,
  created_at: "2026-01-01T00:00:00Z",
};

function tokens(token: string) {
  return { access_token: token, token_type: "bearer", expires_in: 900, must_change_password: false, user, permissions: [] };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

describe("authFetch", () => {
  it("refreshes once on 401 and replays the request (body included) with the new token", async () => {
    const seen: { auth: string | null; body: string }[] = [];
    const base = vi.fn(async (req: Request) => {
      seen.push({ auth: req.headers.get("authorization"), body: await req.text() });
      return req.headers.get("authorization") === "Bearer new" ? json(200, { ok: true }) : json(401, { detail: "expired", code: "unauthenticated" });
    });
    const refreshFetch = vi.fn(async () => json(200, tokens("new")));
    const session = new Session(refreshFetch as unknown as typeof fetch);
    session.accept(tokens("old"));
    const onExpired = vi.fn();

    const res = await authFetch(session, onExpired, base as unknown as typeof fetch)(new Request("http://localhost/api/v1/profile", { method: "PATCH", body: '{"first_name":"A"}' }));

    expect(res.status).toBe(200);
    expect(seen).toEqual([
      { auth: "Bearer old", body: '{"first_name":"A"}' },
      { auth: "Bearer new", body: '{"first_name":"A"}' },
    ]);
    expect(refreshFetch).toHaveBeenCalledTimes(1);
    expect(onExpired).not.toHaveBeenCalled();
  });

  it("reports expiry when the refresh is refused, and returns the 401", async () => {
    const base = vi.fn(async () => json(401, { detail: "expired", code: "unauthenticated" }));
    const session = new Session((async () => json(401, { detail: "no cookie", code: "unauthenticated" })) as unknown as typeof fetch);
    session.accept(tokens("old"));
    const onExpired = vi.fn();
    const res = await authFetch(session, onExpired, base as unknown as typeof fetch)(new Request("http://localhost/api/v1/users"));
    expect(res.status).toBe(401);
    expect(onExpired).toHaveBeenCalledTimes(1);
  });

  it("never refreshes for a failed login", async () => {
    const base = vi.fn(async () => json(401, { detail: "invalid email or password", code: "invalid_credentials" }));
    const refreshFetch = vi.fn();
    const session = new Session(refreshFetch as unknown as typeof fetch);
    session.accept(tokens("old"));
    const res = await authFetch(session, vi.fn(), base as unknown as typeof fetch)(new Request("http://localhost/api/v1/auth/login", { method: "POST" }));
    expect(res.status).toBe(401);
    expect(refreshFetch).not.toHaveBeenCalled();
  });
});

describe("Session", () => {
  it("shares one refresh between concurrent callers", async () => {
    let release: (r: Response) => void = () => undefined;
    const refreshFetch = vi.fn(() => new Promise<Response>((r) => (release = r)));
    const session = new Session(refreshFetch as unknown as typeof fetch);
    const a = session.refresh();
    const b = session.refresh();
    release(json(200, tokens(jwt({ ten: "acme" }))));
    expect(await Promise.all([a, b])).toEqual([true, true]);
    expect(refreshFetch).toHaveBeenCalledTimes(1);
    expect(session.current.tenant).toBe("acme");
  });

  it("reads the tenant slug from the token and tolerates garbage", () => {
    expect(tenantOf(jwt({ ten: "globex", sub: "1" }))).toBe("globex");
    expect(tenantOf("not-a-token")).toBeNull();
    expect(tenantOf("a.%%%.c")).toBeNull();
  });
});

describe("describeError and the session's permissions", () => {
  const problem = (status: number, code: string, detail: string) => new ApiError(status, { type: "about:blank", title: "x", status, code, detail });
  it("shows the API's detail, and what a generic server error's code means", () => {
    expect(describeError(problem(409, "job_running", "integration jira is already syncing"))).toBe("integration jira is already syncing");
    expect(describeError(problem(502, "etl_bad_gateway", "internal error"))).toMatch(/ETL service did not answer/);
    expect(describeError(problem(500, "internal_error", "internal error"))).toBe("internal error");
    // A refusal outside a form says what was wrong (a search over 500 characters
    // showed only "invalid value for: q").
    const refused = new ApiError(422, { type: "about:blank", title: "x", status: 422, code: "invalid_input", detail: "invalid value for: q", errors: [{ field: "q", message: "String should have at most 500 characters" }] });
    expect(describeError(refused)).toBe("q: String should have at most 500 characters");
    // Carries the session's permissions from the token response.
    const session = new Session();
    session.accept({ ...tokens(jwt({ ten: "acme" })), permissions: ["dashboards:read"] });
    expect(session.current.permissions).toEqual(["dashboards:read"]);
    session.clear();
    expect(session.current.permissions).toEqual([]);
  });
});
