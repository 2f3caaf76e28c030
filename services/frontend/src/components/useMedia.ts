import { useSyncExternalStore } from "react";

/** A phone's width: tables there get a shorter date and a stacked row. */
export const PHONE_WIDTH = "(max-width: 40rem)";

/** Whether the CSS media `query` matches now, following its changes (false where matchMedia is missing). */
export function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia?.(query);
      list?.addEventListener("change", onChange);
      return () => list?.removeEventListener("change", onChange);
    },
    () => window.matchMedia?.(query).matches ?? false,
  );
}
