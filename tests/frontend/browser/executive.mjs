// An executive's walk through the DORA pages on the demo seed: from one
// metric to the next by its tabs (one page, no reload), Back and a shared
// link after paging a drill-down. See run.mjs.
import { heading, signedIn } from "./lib.mjs";
import { PAGES, settled } from "./dashboards.mjs";

const DORA = PAGES.filter((p) => p.path.startsWith("/dora/"));

/**
 * Every DORA page reached from the one before by its tab, as a person
 * clicks through them: the kept figure of one metric was read as the
 * next's (the lead time's breakdown of a deployment frequency figure) and
 * the page went blank. Returns what each shows: its heading, figure, rows.
 */
export async function doraTabs({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  await page.goto(`${DORA[0].path}?days=30`);
  await heading(page, DORA[0].title);
  await settled(page);
  const seen = [];
  for (const p of [...DORA.slice(1), DORA[0]]) {
    await page.locator(`nav[aria-label="DORA metrics"] a[href="${p.path}?days=30"]`).click();
    // No settled() first: the crash came with the kept data, before the new figure.
    const shown = await page.getByRole("heading", { level: 1, name: p.title }).waitFor({ timeout: 10_000 }).then(() => true, () => false);
    if (shown) await settled(page);
    seen.push({
      path: new URL(page.url()).pathname + new URL(page.url()).search,
      shown,
      figure: shown ? await page.locator("section[aria-label='Figure'] .tile-value").textContent() : null,
      rows: shown ? await page.locator("#rows-heading").textContent() : null,
    });
  }
  return { seen, consoleErrors };
}

/**
 * The overview's period chosen, a metric's drill-down opened from its tile
 * and paged, another metric's tab, then Back: what the page shows (period,
 * rows) after Back, and in a new page opened at the same URL (a shared link).
 */
export async function backAndShare({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const view = async () => ({
    url: new URL(page.url()).pathname + new URL(page.url()).search,
    period: await page.getByLabel("Period").inputValue(),
    rows: await page.getByRole("navigation", { name: "Deployments pages" }).locator(".muted").textContent(),
  });
  await page.getByLabel("Period").selectOption("180");
  await settled(page);
  await page.locator(".tile h3 a", { hasText: "Deployment frequency" }).click();
  await heading(page, "Deployment frequency");
  await settled(page);
  const pager = page.getByRole("navigation", { name: "Deployments pages" });
  await pager.getByRole("button", { name: "Next" }).click();
  await pager.getByText(/^Rows 21–/).waitFor();
  const paged = await view();
  await page.locator('nav[aria-label="DORA metrics"] a', { hasText: "Lead time" }).click();
  await heading(page, "Lead time for changes");
  await settled(page);
  await page.goBack();
  await heading(page, "Deployment frequency");
  await settled(page);
  const back = await view();
  const shared = await signedIn(browser, config);
  await shared.page.goto(paged.url);
  await heading(shared.page, "Deployment frequency");
  await settled(shared.page);
  const opened = {
    url: new URL(shared.page.url()).pathname + new URL(shared.page.url()).search,
    period: await shared.page.getByLabel("Period").inputValue(),
    rows: await shared.page.getByRole("navigation", { name: "Deployments pages" }).locator(".muted").textContent(),
  };
  return { paged, back, opened, consoleErrors: [...consoleErrors, ...shared.consoleErrors] };
}
