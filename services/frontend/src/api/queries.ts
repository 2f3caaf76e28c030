import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useAuth } from "../auth/AuthContext";
import { applyThemeMode } from "../theme/theme";
import { unwrap } from "./client";
import type { components } from "./schema";

export type Schemas = components["schemas"];
export type ThemeModeValue = Schemas["ThemeMode"];
export type Role = Schemas["Role"];

export const keys = {
  users: ["users"] as const,
};

/** `enabled` false: not asked (a session without `users:read`). */
export function useUsers(enabled = true) {
  const { api } = useAuth();
  return useQuery({ queryKey: keys.users, queryFn: () => unwrap(api.GET("/api/v1/users")), enabled });
}

export function useInviteUser() {
  const { api } = useAuth();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["Invite"]) => unwrap(api.POST("/api/v1/users", { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.users }),
  });
}

export function useUpdateUser() {
  const { api } = useAuth();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: Schemas["UserPatch"] }) =>
      unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body: patch })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.users }),
  });
}

export function useSetThemeMode() {
  const { api, user, updateUser } = useAuth();
  return useMutation({
    mutationFn: (theme_mode: ThemeModeValue) => unwrap(api.PUT("/api/v1/profile/preferences", { body: { theme_mode } })),
    // Shown at once; put back if the server refuses.
    onMutate: (theme_mode) => {
      const before = user;
      if (user) updateUser({ ...user, theme_mode });
      return before;
    },
    onError: (_error, _mode, before) => {
      if (before) {
        updateUser(before);
        applyThemeMode(before.theme_mode);
      }
    },
  });
}

export function useUpdateProfile() {
  const { api, updateUser } = useAuth();
  return useMutation({
    mutationFn: (body: Schemas["ProfilePatch"]) => unwrap(api.PATCH("/api/v1/profile", { body })),
    onSuccess: updateUser,
  });
}
