// The journey's browser steps, one exported function each, run by
// tests/frontend/browser/run.mjs (PULSE_BROWSER_SCENARIOS names this file).
import { captureTokens, check, heading, newPage, shot, signIn } from "../../frontend/browser/lib.mjs";

/** The new tenant's first admin: initial password, forced change, overview. */
export async function firstSignIn({ browser, config }) {
  const { page, consoleErrors } = await newPage(browser, config);
  const tokens = captureTokens(page);
  await page.goto("/");
  await heading(page, "Sign in to Pulse");
  await signIn(page, config);
  await heading(page, "Choose a new password");
  await page.getByLabel("Current password").fill(config.password);
  await page.getByLabel("New password", { exact: true }).fill(config.newPassword);
  await page.getByLabel("Repeat the new password").fill(config.newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await overviewOrWhatInstead(page);
  const badge = await page.locator(".tenant-badge").textContent();
  const screenshot = await shot(page, config, "journey-overview");
  check(tokens.length > 0, "the app received an access token");
  return { tenantBadge: badge, screenshot, consoleErrors };
}

/** Waits for the overview; on failure says what the page shows instead. */
async function overviewOrWhatInstead(page) {
  try {
    await heading(page, "Overview");
  } catch (e) {
    const shown = (await page.locator("body").innerText()).slice(0, 1500);
    throw new Error(`no Overview heading at ${page.url()}; the page shows:\n${shown}`, { cause: e });
  }
}

/** Signs in with the chosen password: the overview, or the refusal shown. */
export async function signInAgain({ browser, config }) {
  const { page } = await newPage(browser, config);
  await page.goto("/");
  await heading(page, "Sign in to Pulse");
  await signIn(page, config);
  const overview = page.getByRole("heading", { level: 1, name: "Overview" });
  const alert = page.getByRole("alert");
  await Promise.race([overview.waitFor(), alert.waitFor()]);
  if (await overview.isVisible()) return { overview: true, alert: null };
  return { overview: false, alert: await alert.textContent() };
}

/** The overview's DORA tiles once every panel has loaded: metric -> shown value and sample. */
export async function overviewTiles({ browser, config }) {
  const { page, consoleErrors } = await newPage(browser, config);
  await page.goto("/");
  await heading(page, "Sign in to Pulse");
  await signIn(page, config);
  await overviewOrWhatInstead(page);
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => document.querySelectorAll(".tile-value").length > 0 && !document.querySelector(".state-loading, [aria-busy='true']"));
  const tiles = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll(".tile")].map((tile) => {
        const value = tile.querySelector(".tile-value");
        const sample = [...tile.querySelectorAll("p")].map((p) => p.textContent).find((t) => t.startsWith("Sample:"));
        return [value.dataset.metric, { value: value.textContent, sample: sample ?? null }];
      }),
    ),
  );
  const screenshot = await shot(page, config, "journey-overview-synced");
  return { tiles, screenshot, consoleErrors };
}
