/**
 * Light/dark/system mode. public/theme-init.js applies the stored mode before
 * the first paint (a blocking script in <head>), so there is no flash; this
 * module keeps it up to date afterwards. Keep the two in step.
 */
export type ThemeMode = "light" | "dark" | "system";
export const THEME_KEY = "pulse.theme";

const dark = () => window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;

export function storedThemeMode(): ThemeMode {
  const v = localStorage.getItem(THEME_KEY);
  return v === "light" || v === "dark" ? v : "system";
}

export function resolveTheme(mode: ThemeMode): "light" | "dark" {
  if (mode === "system") return dark() ? "dark" : "light";
  return mode;
}

export function applyThemeMode(mode: ThemeMode): void {
  localStorage.setItem(THEME_KEY, mode);
  const root = document.documentElement;
  root.dataset.themeMode = mode;
  root.dataset.theme = resolveTheme(mode);
}

/** Follows the operating system while the mode is "system". */
export function watchSystemTheme(): () => void {
  const query = window.matchMedia?.("(prefers-color-scheme: dark)");
  if (!query) return () => undefined;
  const onChange = () => {
    if (storedThemeMode() === "system") applyThemeMode("system");
  };
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}
