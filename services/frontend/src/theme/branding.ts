/**
 * Tenant branding as CSS custom properties. Every colour in styles.css that
 * carries the brand reads a --brand-* variable, so applying a tenant's
 * scheme is setting variables on <html>; the scheme is also cached so that
 * public/theme-init.js can apply it before the first paint of the next visit.
 */
export type BrandVars = Record<`--brand-${string}`, string>;
export interface Branding {
  light: BrandVars;
  dark: BrandVars;
}

export const BRANDING_KEY = "pulse.branding";
const NAME = /^--brand-[a-z-]+$/;
// A colour, a URL, or a number (the logo's width to height, --brand-logo-ratio).
const VALUE = /^(#[0-9a-fA-F]{3,8}|url\("[^"\\]*"\)|none|\d{1,2}(\.\d{1,2})?)$/;

export function applyBranding(branding: Branding, theme: "light" | "dark"): void {
  const root = document.documentElement;
  for (const [name, value] of Object.entries(branding[theme])) {
    // The values come from the API: only well-formed colours and URLs reach CSS.
    if (NAME.test(name) && VALUE.test(value)) root.style.setProperty(name, value);
  }
  localStorage.setItem(BRANDING_KEY, JSON.stringify(branding));
}

export function clearBranding(): void {
  const root = document.documentElement;
  for (const name of Array.from(root.style)) if (NAME.test(name)) root.style.removeProperty(name);
  localStorage.removeItem(BRANDING_KEY);
}
