import { beforeEach, describe, expect, it } from "vitest";
import { applyBranding, BRANDING_KEY, clearBranding } from "./branding";
import { tenantLogoUrl, toBranding } from "./useBranding";

const scheme = (mode: "light" | "dark", primary: string) => ({
  mode,
  primary_color: primary,
  secondary_color: "#102A43",
  accent_color: "#AAAAAA",
  background_color: "#FFFFFF",
  surface_color: "#FFFFFF",
  text_color: "#1F2328",
  on_primary: "#FFFFFF",
  on_secondary: "#FFFFFF",
  on_accent: "#000000",
  on_surface: "#000000",
  text_contrast: 15,
});
const api = {
  source: "tenant" as const,
  light: scheme("light", "#7A1FA2"),
  dark: scheme("dark", "#9549B5"),
  logo_url: "/api/v1/settings/branding/logo?v=1",
  logo_source: "tenant" as const,
};

beforeEach(() => {
  localStorage.clear();
  clearBranding();
});

describe("branding from the API", () => {
  it("maps each mode's scheme to --brand-* properties that applyBranding accepts", () => {
    const b = toBranding(api, "data:image/svg+xml;base64,PHN2Zy8+");
    expect(b.light["--brand-primary"]).toBe("#7A1FA2");
    expect(b.dark["--brand-primary"]).toBe("#9549B5");
    expect(b.dark["--brand-on-secondary"]).toBe("#FFFFFF");
    applyBranding(b, "dark");
    const style = document.documentElement.style;
    expect(style.getPropertyValue("--brand-primary")).toBe("#9549B5");
    expect(style.getPropertyValue("--brand-logo")).toBe('url("data:image/svg+xml;base64,PHN2Zy8+")');
    // Cached for theme-init.js (the next visit's first paint).
    expect(JSON.parse(localStorage.getItem(BRANDING_KEY) ?? "{}").light["--brand-primary"]).toBe("#7A1FA2");
  });

  it("sets no logo property without a logo", () => {
    expect(toBranding(api, null).light["--brand-logo"]).toBeUndefined();
  });

  it("fetches only the tenant's own logo from the API, by its versioned URL", () => {
    expect(tenantLogoUrl(api)).toBe("/api/v1/settings/branding/logo?v=1");
    expect(tenantLogoUrl({ ...api, logo_source: "platform", logo_url: "https://cdn.example/logo.svg" })).toBeNull();
    expect(tenantLogoUrl({ ...api, logo_source: "none", logo_url: null })).toBeNull();
    expect(tenantLogoUrl(undefined)).toBeNull();
  });
});
