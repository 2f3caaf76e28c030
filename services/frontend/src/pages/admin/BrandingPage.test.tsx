import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../renderWithApi.test-support";
import type { BrandingOut } from "../../theme/useBranding";
import { BrandingPage, HEX_MESSAGE, invisiblePrimary } from "./BrandingPage";

const scheme = (mode: "light" | "dark", primary: string) => ({
  mode, primary_color: primary, secondary_color: "#0B1F3A", accent_color: "#AAAAAA", background_color: "#FFFFFF", surface_color: "#FFFFFF",
  text_color: "#1F2328", on_primary: "#FFFFFF", on_secondary: "#FFFFFF", on_accent: "#000000", on_surface: "#000000", text_contrast: 15,
});
const branding: BrandingOut = { source: "platform", light: scheme("light", "#1F6FEB"), dark: scheme("dark", "#4C8CEF"), logo_url: null, logo_source: "none" };

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": status < 300 ? "application/json" : "application/problem+json" } });

/** The page against a stubbed API; `put` answers the save. */
function renderPage(put: () => Response) {
  const calls: string[] = [];
  renderWithApi(<BrandingPage />, (req) => {
    calls.push(`${req.method} ${new URL(req.url).pathname}`);
    return req.method === "PUT" ? put() : json(200, branding);
  });
  return calls;
}

const errorOf = (input: HTMLElement) => document.getElementById(input.getAttribute("aria-describedby") ?? "")?.textContent;

describe("the branding form", () => {
  it("refuses a white primary colour under its field, before saving, in the API's words", async () => {
    const calls = renderPage(() => json(200, branding));
    const user = userEvent.setup({ delay: null });
    const primary = await screen.findByLabelText("Primary colour");
    await user.clear(primary);
    await user.type(primary, "#FFFFFF");
    expect(errorOf(primary)).toBe(invisiblePrimary("#FFFFFF", "light"));
    expect(errorOf(primary)).toMatch(/too close to the light page \(#FFFFFF\).*at least 20 needed/);
    // Said once: by the field, not again as a contrast warning.
    expect(screen.queryByText(/Contrast warning/)).toBeNull();
    await user.click(screen.getByRole("button", { name: "Save colours" }));
    expect(calls.filter((c) => c.startsWith("PUT"))).toEqual([]);
  });

  it("leaves the dark-mode field empty when the server derived that colour (set by hand only when it differs)", async () => {
    renderPage(() => json(200, branding));
    expect(await screen.findByLabelText("Primary colour in dark mode (optional)")).toHaveValue("");
  });

  it("keeps a yellow primary colour (its text is chosen by contrast) and a black one", () => {
    expect(invisiblePrimary("#FFD600", "light")).toBeUndefined();
    expect(invisiblePrimary("#000000", "light")).toBeUndefined();
    expect(invisiblePrimary("#0D1117", "dark")).toMatch(/too close to the dark page/);
  });

  it("says what a colour field expects in its own words, not the browser's", async () => {
    const calls = renderPage(() => json(200, branding));
    const user = userEvent.setup({ delay: null });
    const secondary = await screen.findByLabelText("Secondary colour (top bar)");
    await user.clear(secondary);
    await user.type(secondary, "navy");
    await user.click(screen.getByRole("button", { name: "Save colours" }));
    expect(secondary).toHaveAttribute("aria-invalid", "true");
    // The API's words, as a sentence under the field.
    expect(errorOf(secondary)).toBe("Use a colour as #RRGGBB, e.g. #1F6FEB");
    expect(HEX_MESSAGE).toBe("use a colour as #RRGGBB, e.g. #1F6FEB");
    expect(calls.filter((c) => c.startsWith("PUT"))).toEqual([]);
  });

  it("shows the API's refusal once, under the field it names", async () => {
    const message = "#EEEEEE is too close to the light page (#FFFFFF) …";
    renderPage(() =>
      json(422, { type: "about:blank", title: "x", status: 422, code: "primary_color_invisible", detail: `primary_color: ${message}`, errors: [{ field: "primary_color", message }] }),
    );
    const user = userEvent.setup({ delay: null });
    await screen.findByLabelText("Primary colour");
    await user.click(screen.getByRole("button", { name: "Save colours" }));
    const form = screen.getByRole("form", { name: "Colours" });
    expect(await within(form).findByText(message)).toBeInTheDocument();
    expect(within(form).getAllByText((_, el) => el?.childElementCount === 0 && (el.textContent ?? "").includes(message))).toHaveLength(1);
    expect(within(form).queryByRole("alert")).toBeNull();
  });
});
