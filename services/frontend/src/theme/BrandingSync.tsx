import { useEffect } from "react";
import { useBranding, useLogoDataUrl, type BrandingOut } from "../api/adminQueries";
import { applyBranding, type BrandVars, type Branding } from "./branding";

type Scheme = BrandingOut["light"];

function vars(s: Scheme, logo: string | undefined): BrandVars {
  const v: BrandVars = {
    "--brand-primary": s.primary_color,
    "--brand-on-primary": s.on_primary,
    "--brand-secondary": s.secondary_color,
    "--brand-on-secondary": s.on_secondary,
  };
  if (logo) v["--brand-logo"] = `url("${logo}")`;
  return v;
}

export function toBranding(b: BrandingOut, logo: string | undefined): Branding {
  return { light: vars(b.light, logo), dark: vars(b.dark, logo) };
}

const currentTheme = () => (document.documentElement.dataset.theme === "dark" ? "dark" : "light");

/**
 * Keeps the tenant's branding on <html>: on sign-in, after an admin changes
 * it (the branding query's data is replaced by the mutation's answer, so the
 * whole app changes colour without a reload) and when light/dark switches.
 */
export function BrandingSync() {
  const branding = useBranding();
  const logo = useLogoDataUrl(branding.data?.logo_source === "tenant" ? branding.data.logo_url : null);
  const data = branding.data;
  const logoUrl = data?.logo_source === "tenant" ? logo.data : undefined;
  useEffect(() => {
    if (!data) return;
    const b = toBranding(data, logoUrl);
    const root = document.documentElement;
    // A reset or a deleted logo must not leave the old value behind.
    root.style.removeProperty("--brand-logo");
    applyBranding(b, currentTheme());
    const observer = new MutationObserver(() => applyBranding(b, currentTheme()));
    observer.observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, [data, logoUrl]);
  return null;
}
