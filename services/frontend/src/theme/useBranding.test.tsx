import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSetBranding } from "../api/adminQueries";
import { makeApi } from "../api/client";
import { Session } from "../api/session";
import { AuthContext, type Auth } from "../auth/AuthContext";
import { applyBranding, BRANDING_KEY, clearBranding } from "./branding";
import { CARD, contrast } from "./contrast";
import { logoRatio, platformLogoUrl, tenantLogoUrl, toBranding, useApplyBranding, type BrandingOut } from "./useBranding";

const scheme = (mode: "light" | "dark", primary: string, onPrimary = "#FFFFFF") => ({
  mode,
  primary_color: primary,
  secondary_color: "#102A43",
  accent_color: "#AAAAAA",
  background_color: "#FFFFFF",
  surface_color: "#FFFFFF",
  text_color: "#1F2328",
  on_primary: onPrimary,
  on_secondary: "#FFFFFF",
  on_accent: "#000000",
  on_surface: "#000000",
  text_contrast: 15,
});
const api: BrandingOut = {
  source: "tenant",
  light: scheme("light", "#7A1FA2"),
  dark: scheme("dark", "#9549B5"),
  logo_url: "/api/v1/settings/branding/logo?v=1",
  logo_source: "tenant",
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

  it("draws charts in the primary, or a shade of it that stands out 3:1 on the cards", () => {
    // Pale yellow and a dark grey are accepted brand colours: their lines and bars vanished on the cards.
    const b = toBranding({ ...api, light: scheme("light", "#FFE066", "#1F2328"), dark: scheme("dark", "#2A2A2A") }, null);
    expect(contrast(b.light["--brand-chart"] ?? "", CARD.light)).toBeGreaterThanOrEqual(3);
    expect(contrast(b.dark["--brand-chart"] ?? "", CARD.dark)).toBeGreaterThanOrEqual(3);
    // Still the brand's hue (darker), not a colour of its own; a colour that reads is kept.
    expect(b.light["--brand-chart"]).toMatch(/^#[0-9A-F]{6}$/);
    expect(b.light["--brand-primary"]).toBe("#FFE066");
    expect(toBranding(api, null).light["--brand-chart"]).toBe("#7A1FA2");
    expect(toBranding(api, null).dark["--brand-chart"]).toBe("#9549B5");
  });

  it("prints charts in the light scheme's colour whatever the mode", () => {
    // Dark mode's lighter chart colour (#9549B5) printed pale on white paper.
    const b = toBranding(api, null);
    expect(b.dark["--brand-chart-print"]).toBe("#7A1FA2");
    expect(b.light["--brand-chart-print"]).toBe("#7A1FA2");
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

  it("shows the platform's https logo directly, and nothing that is not one", () => {
    const platform = (logo_url: string) => platformLogoUrl({ ...api, logo_source: "platform", logo_url });
    expect(platform("https://cdn.example/logo.svg")).toBe("https://cdn.example/logo.svg");
    // Quotes cannot end the CSS url("…") the address goes in.
    expect(platform('https://cdn.example/a").x{') ).toBe("https://cdn.example/a%22).x%7B");
    expect(platform("http://cdn.example/logo.svg")).toBeNull();
    expect(platform("javascript:alert(1)")).toBeNull();
    expect(platform("https://user:pw@cdn.example/logo.svg")).toBeNull();
    expect(platform("not a url")).toBeNull();
    expect(platformLogoUrl(api)).toBeNull(); // the tenant's own logo is fetched instead
  });
});

const saved: BrandingOut = { ...api, light: scheme("light", "#FFEE88", "#000000"), logo_url: null, logo_source: "none" };

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

/** The backend's branding routes, counting the calls each receives. */
function fakeBackend() {
  const calls: string[] = [];
  const base = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    calls.push(`${req.method} ${path}`);
    if (path === "/api/v1/settings/branding" && req.method === "GET") return json(api);
    if (path === "/api/v1/settings/branding" && req.method === "PUT") return json(saved);
    if (path === "/api/v1/settings/branding/logo") {
      const res = new Response("<svg/>", { headers: { "content-type": "image/svg+xml" } });
      // Node's Response makes Node's Blob, which jsdom's FileReader refuses; a browser has one Blob.
      res.blob = async () => new Blob(["<svg/>"], { type: "image/svg+xml" });
      return res;
    }
    return new Response("not found", { status: 404 });
  };
  return { calls, base: base as unknown as typeof fetch };
}

function Harness() {
  useApplyBranding();
  const save = useSetBranding();
  return (
    <button type="button" onClick={() => save.mutate({ primary_color: "#FFEE88", secondary_color: "#102A43", light: {}, dark: {} })}>
      save
    </button>
  );
}

function renderWith(base: typeof fetch) {
  const session = new Session();
  const auth = { api: makeApi(session, () => undefined, base), status: "signed-in", session: session.current, user: null } as unknown as Auth;
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <AuthContext.Provider value={auth}>
        <Harness />
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
}

const prop = (name: string) => document.documentElement.style.getPropertyValue(name);

afterEach(() => {
  clearBranding();
  delete document.documentElement.dataset.theme;
});

describe("the one branding query", () => {
  it("applies colours and the inlined logo, follows the mode, and recolours from a save without refetching", async () => {
    const backend = fakeBackend();
    renderWith(backend.base);
    await waitFor(() => expect(prop("--brand-logo")).toMatch(/^url\("data:image\/svg\+xml/));
    expect(prop("--brand-primary")).toBe("#7A1FA2");
    // Cached for theme-init.js: the next visit paints in these colours.
    expect(JSON.parse(localStorage.getItem(BRANDING_KEY) ?? "{}").dark["--brand-primary"]).toBe("#9549B5");

    await act(async () => {
      document.documentElement.dataset.theme = "dark";
    });
    await waitFor(() => expect(prop("--brand-primary")).toBe("#9549B5"));
    await act(async () => {
      document.documentElement.dataset.theme = "light";
    });

    await act(async () => screen.getByRole("button", { name: "save" }).click());
    await waitFor(() => expect(prop("--brand-primary")).toBe("#FFEE88"));
    expect(prop("--brand-on-primary")).toBe("#000000");
    // The logo was removed in the saved answer: it does not linger.
    expect(prop("--brand-logo")).toBe("");
    expect(backend.calls.filter((c) => c === "GET /api/v1/settings/branding")).toHaveLength(1);
    expect(backend.calls).toContain("PUT /api/v1/settings/branding");
  });
});

// In a fixed square an 8:1 wordmark was a strip a few pixels high.
describe("the logo's box follows its shape", () => {
  it("is as wide as the logo, from square to 4:1", () => {
    expect(logoRatio(320, 40)).toBe("4");
    expect(logoRatio(300, 100)).toBe("3");
    expect(logoRatio(64, 64)).toBe("1");
    expect(logoRatio(40, 200)).toBe("1");
    expect(logoRatio(250, 100)).toBe("2.5");
    expect(logoRatio(0, 0)).toBeNull();
  });

  it("sets --brand-logo-ratio with a logo only, a value applyBranding accepts", () => {
    const b = toBranding(api, "data:image/svg+xml;base64,PHN2Zy8+", "2.5");
    expect(b.light["--brand-logo-ratio"]).toBe("2.5");
    applyBranding(b, "light");
    expect(document.documentElement.style.getPropertyValue("--brand-logo-ratio")).toBe("2.5");
    expect(toBranding(api, null, "2.5").light["--brand-logo-ratio"]).toBeUndefined();
  });
});
