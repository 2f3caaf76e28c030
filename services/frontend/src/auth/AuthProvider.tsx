import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { makeApi, unwrap } from "../api/client";
import { Session, type SessionState, type User } from "../api/session";
import { applyThemeMode } from "../theme/theme";
import { AuthContext, type Auth, type AuthStatus } from "./AuthContext";

export const LAST_TENANT_KEY = "pulse.tenant";

export function AuthProvider({ children, session: given }: { children: ReactNode; session?: Session }) {
  const queryClient = useQueryClient();
  const [session] = useState(() => given ?? new Session());
  const [state, setState] = useState<SessionState>(session.current);
  const [status, setStatus] = useState<AuthStatus>("starting");
  const api = useMemo(() => makeApi(session, () => setStatus("expired")), [session]);

  useEffect(() => session.subscribe(setState), [session]);

  // A reload keeps the person signed in through the refresh cookie.
  useEffect(() => {
    let live = true;
    void session.refresh().then((ok) => {
      if (live) setStatus(ok ? "signed-in" : "anonymous");
    });
    return () => {
      live = false;
    };
  }, [session]);

  useEffect(() => {
    if (state.user) applyThemeMode(state.user.theme_mode);
  }, [state.user]);

  const signIn = useCallback(
    async (tenant: string, email: string, password: string) => {
      const tokens = await unwrap(api.POST("/api/v1/auth/login", { body: { tenant, email, password } }));
      localStorage.setItem(LAST_TENANT_KEY, tenant);
      session.accept(tokens);
      setStatus("signed-in");
      // Whatever was on screen when the session expired is fetched again.
      await queryClient.invalidateQueries();
    },
    [api, session, queryClient],
  );

  const signOut = useCallback(async () => {
    // Signing out always ends the session here, even when the server cannot
    // be told (its session then ends at the refresh token's expiry).
    await unwrap(api.POST("/api/v1/auth/logout")).catch(() => undefined);
    session.clear();
    queryClient.clear();
    setStatus("anonymous");
  }, [api, session, queryClient]);

  const updateUser = useCallback((user: User) => session.updateUser(user), [session]);

  const value: Auth = { api, status, session: state, user: state.user, signIn, signOut, updateUser };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
