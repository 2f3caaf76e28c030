import { createContext, useContext } from "react";
import type { Api } from "../api/client";
import type { SessionState, User } from "../api/session";

export type AuthStatus = "starting" | "anonymous" | "signed-in" | "expired";

export interface Auth {
  api: Api;
  status: AuthStatus;
  session: SessionState;
  user: User | null;
  signIn(tenant: string, email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  updateUser(user: User): void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** The signed-in user (components under the signed-in shell only). */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error("useUser without a signed-in user");
  return user;
}

/** Whether the session holds `permission` (the API decides; this only hides what it would refuse). */
export function useCan(permission: string): boolean {
  return useAuth().session.permissions.includes(permission);
}
