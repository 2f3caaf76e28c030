import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyBranding, clearBranding } from "./branding";
import { applyThemeMode, storedThemeMode, THEME_KEY } from "./theme";

import initScript from "../../public/theme-init.js?raw";

function prefersDark(dark: boolean) {
  vi.stubGlobal("matchMedia", (q: string) => ({ matches: dark && q.includes("dark"), addEventListener() {}, removeEventListener() {} }));
}

beforeEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset.theme;
  clearBranding();
});
afterEach(() => vi.unstubAllGlobals());

describe("theme mode", () => {
  it("applies and stores an explicit mode", () => {
    prefersDark(false);
    applyThemeMode("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem(THEME_KEY)).toBe("dark");
    expect(storedThemeMode()).toBe("dark");
  });

  it("follows the system in system mode", () => {
    prefersDark(true);
    applyThemeMode("system");
    expect(document.documentElement.dataset.theme).toBe("dark");
    prefersDark(false);
    applyThemeMode("system");
    expect(document.documentElement.dataset.theme).toBe("light");
  });

  it.each([
    ["dark", false, "dark"],
    ["light", true, "light"],
    ["system", true, "dark"],
    [null, false, "light"],
    ["bogus", true, "dark"],
  ])("theme-init.js (stored %s, system dark %s) paints %s before the app loads", (stored, sysDark, expected) => {
    prefersDark(sysDark);
    if (stored) localStorage.setItem(THEME_KEY, stored);
    new Function(initScript)();
    expect(document.documentElement.dataset.theme).toBe(expected);
  });

  it("theme-init.js applies the cached brand colours of the mode", () => {
    prefersDark(true);
    localStorage.setItem(THEME_KEY, "dark");
    applyBranding({ light: { "--brand-primary": "#112233" }, dark: { "--brand-primary": "#445566" } }, "light");
    document.documentElement.style.removeProperty("--brand-primary");
    new Function(initScript)();
    expect(document.documentElement.style.getPropertyValue("--brand-primary")).toBe("#445566");
  });
});

describe("branding", () => {
  it("sets well-formed colours and ignores anything else", () => {
    applyBranding(
      {
        light: { "--brand-primary": "#abcdef", "--brand-secondary": "red; background: url(x)", "--brand-logo": 'url("/api/v1/logo")' },
        dark: {},
      },
      "light",
    );
    const style = document.documentElement.style;
    expect(style.getPropertyValue("--brand-primary")).toBe("#abcdef");
    expect(style.getPropertyValue("--brand-secondary")).toBe("");
    expect(style.getPropertyValue("--brand-logo")).toBe('url("/api/v1/logo")');
  });
});
