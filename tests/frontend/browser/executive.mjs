// An executive's walk through the DORA pages on the demo seed: from one
// metric to the next by its tabs (one page, no reload). See run.mjs.
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
