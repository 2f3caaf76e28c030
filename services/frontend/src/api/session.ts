import type { components } from "./schema";

export type TokenResponse = components["schemas"]["TokenResponse"];
export type User = components["schemas"]["UserOut"];

const REFRESH_URL = "/api/v1/auth/refresh";
// Renew this long before the access token expires, so that requests rarely
// meet an expired token at all.
const RENEW_MARGIN_MS = 60_000;

type Listener = (s: SessionState) => void;

export interface SessionState {
  token: string | null;
  user: User | null;
  tenant: string | null;
  mustChangePassword: boolean;
  /** What the session may do (`resource:action`), from the token response. */
  permissions: readonly string[];
}

const SIGNED_OUT: SessionState = { token: null, user: null, tenant: null, mustChangePassword: false, permissions: [] };

/**
 * The access token lives only in memory (never in storage, where any script
 * could read it); the refresh token is an httpOnly cookie the browser sends
 * to /api/v1/auth only. A reload therefore starts with a refresh.
 */
export class Session {
  private state: SessionState = SIGNED_OUT;
  private listeners = new Set<Listener>();
  private inflight: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly fetchFn: typeof fetch;

  constructor(fetchFn: typeof fetch = (...args) => fetch(...args)) {
    this.fetchFn = fetchFn;
  }

  get current(): SessionState {
    return this.state;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  accept(tokens: TokenResponse): void {
    this.set({
      token: tokens.access_token,
      user: tokens.user,
      tenant: tenantOf(tokens.access_token),
      mustChangePassword: tokens.must_change_password,
      permissions: tokens.permissions,
    });
    this.schedule(tokens.expires_in * 1000);
  }

  updateUser(user: User): void {
    this.set({ ...this.state, user, mustChangePassword: user.must_change_password });
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.set(SIGNED_OUT);
  }

  /** Exchanges the refresh cookie for a new access token; concurrent callers share one request. */
  refresh(): Promise<boolean> {
    this.inflight ??= this.doRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async doRefresh(): Promise<boolean> {
    let response: Response;
    try {
      response = await this.fetchFn(REFRESH_URL, { method: "POST", credentials: "same-origin" });
    } catch {
      return false;
    }
    if (!response.ok) return false;
    this.accept((await response.json()) as TokenResponse);
    return true;
  }

  private schedule(ttlMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.max(ttlMs - RENEW_MARGIN_MS, ttlMs / 2);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  private set(next: SessionState): void {
    this.state = next;
    for (const l of this.listeners) l(next);
  }
}

/** The tenant slug from the token's `ten` claim (display only; the server verifies). */
export function tenantOf(token: string): string | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as { ten?: unknown };
    return typeof claims.ten === "string" ? claims.ten : null;
  } catch {
    return null;
  }
}
