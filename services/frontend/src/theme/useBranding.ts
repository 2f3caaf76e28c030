/**
 * The tenant's branding from the API, applied as --brand-* properties and
 * cached for theme-init.js (the next visit paints in the brand colours).
 * The logo is behind the API's token, so it is fetched and inlined as a
 * data: URL (the CSP allows images from 'self' and data: only).
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { unwrap } from "../api/client";
import type { Schemas } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { applyBranding, BRANDING_KEY, type BrandVars, type Branding } from "./branding";

type Scheme = Schemas["ColorScheme"];
export const BRANDING_QUERY = ["branding"] as const;
// Larger logos are shown but not kept in localStorage (a few MB in all).
const MAX_CACHED_LOGO = 150_000;

export function schemeVars(s: Scheme, logo: string | null): BrandVars {
  const vars: BrandVars = {
    "--brand-primary": s.primary_color,
    "--brand-on-primary": s.on_primary,
    "--brand-secondary": s.secondary_color,
    "--brand-on-secondary": s.on_secondary,
  };
  if (logo) vars["--brand-logo"] = `url("${logo}")`;
  return vars;
}

function readAsDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error("cannot read the logo"));
    r.readAsDataURL(blob);
  });
}

export function toBranding(b: Schemas["BrandingOut"], logo: string | null): Branding {
  return { light: schemeVars(b.light, logo), dark: schemeVars(b.dark, logo) };
}

export function useBranding() {
  const { api } = useAuth();
  const query = useQuery({
    queryKey: BRANDING_QUERY,
    staleTime: 5 * 60_000,
    queryFn: async () => {
      const b = await unwrap(api.GET("/api/v1/settings/branding"));
      let logo: string | null = null;
      if (b.logo_url?.startsWith("/api/v1/settings/branding/logo")) {
        const { data, response } = await api.GET("/api/v1/settings/branding/logo", { parseAs: "blob" });
        // A missing or unreadable logo leaves the platform mark: the colours still apply.
        if (response.ok && data) logo = await readAsDataUrl(data as Blob).catch(() => null);
      }
      return { branding: b, logo };
    },
  });
  const data = query.data;
  useEffect(() => {
    if (!data) return;
    const root = document.documentElement;
    const apply = () => {
      const theme = root.dataset.theme === "dark" ? "dark" : "light";
      const full = toBranding(data.branding, data.logo);
      // A logo removed since the last visit must not linger from the cache.
      if (!data.logo) root.style.removeProperty("--brand-logo");
      applyBranding(full, theme);
      if (data.logo && data.logo.length > MAX_CACHED_LOGO) {
        const lean = toBranding(data.branding, null);
        localStorage.setItem(BRANDING_KEY, JSON.stringify(lean));
      }
    };
    apply();
    // The mode can change at any time (button, system): re-apply that mode's colours.
    const watch = new MutationObserver(apply);
    watch.observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    return () => watch.disconnect();
  }, [data]);
  return query;
}
