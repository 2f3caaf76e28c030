// The analytics settings page (DORA rules) on a demo tenant: the API's field
// errors show by field, and a saved rule changes the dashboards' figures
// without a reload; see run.mjs.
import { settled, tiles } from "./dashboards.mjs";
import { axe, heading, newPage, PHONE, setMode, shot, signedIn, signIn, theme } from "./lib.mjs";

const nav = (page, name) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();

/** Saves by keyboard (Enter on the button), as a person without a mouse does. */
async function savePut(page, form) {
  const saved = page.waitForResponse((r) => r.url().endsWith("/api/v1/analytics/settings") && r.request().method() === "PUT");
  await form.getByRole("button", { name: "Save rules" }).focus();
  await page.keyboard.press("Enter");
  return (await saved).status();
}

export async function analyticsSettings({ browser, config, axeSource }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  await settled(page);
  const before = await tiles(page);
  await page.evaluate(() => (window.__sameDocument = true));

  await nav(page, "Analytics settings");
  await heading(page, "Analytics settings");
  const form = page.getByRole("form", { name: "DORA rules" });
  const pattern = form.getByLabel("Production environment pattern");
  const stored = await pattern.inputValue();
  const violations = await axe(page, axeSource, "/admin/analytics light");
  const screenshots = [await shot(page, config, "admin-analytics-light")];

  // A pattern that does not compile: refused, the message under its field.
  await pattern.fill("(prod");
  const badStatus = await savePut(page, form);
  await page.waitForFunction(() => document.querySelector('form input[aria-invalid="true"]'));
  const invalid = await pattern.getAttribute("aria-invalid");
  const error = await page.locator(`[id="${await pattern.getAttribute("aria-describedby")}"]`).textContent();
  violations.push(...(await axe(page, axeSource, "/admin/analytics error light")));

  // No environment is production any more: no deployment counts.
  await pattern.fill("^no-such-environment$");
  // Every rule goes back with the PUT (it replaces them): incident types too.
  await form.getByLabel(/issue types that are incidents/).fill("Incident, Outage");
  const okStatus = await savePut(page, form);
  const saved = await page.getByRole("status").filter({ hasText: "Saved." }).textContent();
  // The button keeps the focus once saved (disabled while saving, it dropped
  // the focus to the page's top: Tab started again at "Skip to content").
  const focusAfterSave = await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent?.trim().slice(0, 40)}`);
  // The cached figures were computed under the old rule: they are fetched again.
  const refetched = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/analytics/summary" && r.status() === 200);
  await nav(page, "Overview");
  await heading(page, "Overview");
  await refetched;
  await settled(page);
  const after = await tiles(page);
  const sameDocument = await page.evaluate(() => window.__sameDocument === true);

  await setMode(page, "Dark");
  await page.goto("/admin/analytics");
  await heading(page, "Analytics settings");
  const kept = await form.getByLabel("Production environment pattern").inputValue();
  const keptTypes = await form.getByLabel(/issue types that are incidents/).inputValue();
  const dark = (await theme(page)).theme;
  violations.push(...(await axe(page, axeSource, "/admin/analytics dark")));
  screenshots.push(await shot(page, config, "admin-analytics-dark"));

  const phone = await newPage(browser, config, { viewport: PHONE });
  await phone.page.goto("/admin/analytics");
  await signIn(phone.page, config);
  await heading(phone.page, "Analytics settings");
  const phoneOverflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  violations.push(...(await axe(phone.page, axeSource, "phone /admin/analytics")));
  screenshots.push(await shot(phone.page, config, "phone-admin-analytics-dark"));
  return { before, after, stored, badStatus, invalid, error, okStatus, saved, focusAfterSave, sameDocument, kept, keptTypes, dark, phoneOverflow, violations, screenshots, consoleErrors };
}
