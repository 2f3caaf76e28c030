/**
 * The tenant's branding: one query (key ["branding"], data BrandingOut) read
 * by the shell and the admin page, and written by the admin mutations with
 * the server's answer, so the whole app recolours without a reload.
 * useApplyBranding (mounted once, in the shell) sets the --brand-*
 * properties and caches them for theme-init.js, so the next visit paints in
 * the brand colours. The logo is behind the API's token, so it is fetched and
 * inlined as a data: URL; the platform's logo (an https URL from the tenant's
 * spec) is loaded by the browser directly (the CSP allows img-src https:).
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { unwrap } from "../api/client";
import type { Schemas } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { applyBranding, BRANDING_KEY, type BrandVars, type Branding } from "./branding";
import { chartColour } from "./contrast";

export type BrandingOut = Schemas["BrandingOut"];
type Scheme = Schemas["ColorScheme"];

export const BRANDING_QUERY = ["branding"] as const;
const LOGO_PATH = "/api/v1/settings/branding/logo";
// Larger logos are shown but not kept in localStorage (a few MB in all).
const MAX_CACHED_LOGO = 150_000;

/**
 * The logo's box, as its width to its height: from square (a taller logo
 * fits a square) to 4:1. In a fixed square a wordmark of 8:1 ("ACME
 * WIDGETS") was a strip a few pixels high, its letters unreadable. Null
 * for an image without a size (an SVG with neither width, height nor viewBox).
 */
export function logoRatio(width: number, height: number): string | null {
  if (!(width > 0 && height > 0)) return null;
  return String(Math.round(Math.min(4, Math.max(1, width / height)) * 100) / 100);
}

/** The ratio of the logo at `src` (logoRatio); undefined until the browser has decoded it. */
function useLogoRatio(src: string | null): string | null | undefined {
  const [ratio, setRatio] = useState<{ src: string; ratio: string | null } | null>(null);
  useEffect(() => {
    if (!src) return;
    let live = true;
    const img = new Image();
    img.onload = () => live && setRatio({ src, ratio: logoRatio(img.naturalWidth, img.naturalHeight) });
    img.onerror = () => live && setRatio({ src, ratio: null });
    img.src = src;
    return () => {
      live = false;
    };
  }, [src]);
  if (!src) return null;
  return ratio && ratio.src === src ? ratio.ratio : undefined;
}

export function schemeVars(s: Scheme, logo: string | null, ratio: string | null = null): BrandVars {
  const vars: BrandVars = {
    "--brand-primary": s.primary_color,
    "--brand-chart": chartColour(s.primary_color, s.mode),
    "--brand-on-primary": s.on_primary,
    "--brand-secondary": s.secondary_color,
    "--brand-on-secondary": s.on_secondary,
  };
  if (logo) vars["--brand-logo"] = `url("${logo}")`;
  if (logo && ratio) vars["--brand-logo-ratio"] = ratio;
  return vars;
}

/** Both schemes' variables; each carries the light scheme's chart colour
 * for print (--brand-chart-print): paper is white whatever the mode, and
 * dark mode's lighter chart colour printed pale on it. */
export function toBranding(b: BrandingOut, logo: string | null, ratio: string | null = null): Branding {
  const print = { "--brand-chart-print": chartColour(b.light.primary_color, b.light.mode) };
  return { light: { ...schemeVars(b.light, logo, ratio), ...print }, dark: { ...schemeVars(b.dark, logo, ratio), ...print } };
}

/** The tenant's logo URL when it is the tenant's own (served by the API), else null. */
export function tenantLogoUrl(b: BrandingOut | undefined): string | null {
  return b?.logo_source === "tenant" && b.logo_url?.startsWith(LOGO_PATH) ? b.logo_url : null;
}

/**
 * The platform's logo (the tenant spec's `logoUrl`) when the tenant has none
 * of its own: an https URL the browser loads itself (the CSP allows `img-src
 * https:` for it; see README). Normalised by the URL parser, so that it cannot
 * break out of the CSS `url("…")` it is put in.
 */
export function platformLogoUrl(b: BrandingOut | undefined): string | null {
  if (b?.logo_source !== "platform" || !b.logo_url) return null;
  try {
    const u = new URL(b.logo_url);
    return u.protocol === "https:" && !u.username && !u.password ? u.href : null;
  } catch {
    return null;
  }
}

function readAsDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error("the logo could not be read"));
    r.readAsDataURL(blob);
  });
}

export function useBranding(enabled = true) {
  const { api } = useAuth();
  return useQuery({
    queryKey: BRANDING_QUERY,
    queryFn: () => unwrap(api.GET("/api/v1/settings/branding")),
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** The logo as a data: URL; keyed by its URL, which carries the version, so an upload fetches anew. */
function useLogoDataUrl(url: string | null) {
  const { api } = useAuth();
  return useQuery({
    queryKey: ["branding-logo", url ?? ""],
    enabled: url !== null,
    staleTime: Infinity,
    queryFn: async () => {
      const { data, response } = await api.GET(LOGO_PATH, { parseAs: "blob" });
      if (!response.ok || !data) throw new Error(`the logo could not be loaded (${response.status})`);
      return readAsDataUrl(data as Blob);
    },
  });
}

export function useApplyBranding(): void {
  const branding = useBranding().data;
  const url = tenantLogoUrl(branding);
  const logo = useLogoDataUrl(url);
  // While a new logo loads the old one stays; without a tenant logo (or if it
  // cannot be loaded) the platform mark shows, the colours apply regardless.
  const logoData = url !== null ? (logo.data ?? null) : platformLogoUrl(branding);
  const settled = url === null || !logo.isPending;
  const ratio = useLogoRatio(logoData);
  useEffect(() => {
    if (!branding) return;
    const root = document.documentElement;
    const apply = () => {
      const theme = root.dataset.theme === "dark" ? "dark" : "light";
      // A logo removed since the last visit must not linger from the cache.
      if (!logoData && settled) root.style.removeProperty("--brand-logo");
      // Nor a removed wide logo's box, around the square mark that replaced
      // it (the cached one stays while a new logo decodes: no jump).
      if (ratio === null && settled) root.style.removeProperty("--brand-logo-ratio");
      applyBranding(toBranding(branding, logoData, ratio ?? null), theme);
      if (logoData && logoData.length > MAX_CACHED_LOGO) {
        localStorage.setItem(BRANDING_KEY, JSON.stringify(toBranding(branding, null)));
      }
    };
    apply();
    // The mode can change at any time (button, system): re-apply that mode's colours.
    const watch = new MutationObserver(apply);
    watch.observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    return () => watch.disconnect();
  }, [branding, logoData, settled, ratio]);
}
