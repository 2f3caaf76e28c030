// A brand-new tenant's first day (no integration loaded yet): each
// dashboard says that no data has been loaded, not that the filters match
// nothing; an admin gets the data sources and ETL jobs pages, a member is
// told who connects Jira and GitHub. See run.mjs.
import { DESKTOP, heading, inModesAndWidths, newPage, shot, signedIn, signIn, TABLET, PHONE_390 } from "./lib.mjs";

const PAGES = [
  { path: "/", title: "Overview", name: "overview" },
  { path: "/dora/deployment-frequency", title: "Deployment frequency", name: "dora" },
  { path: "/engineering", title: "Engineering", name: "engineering" },
  { path: "/work-items", title: "Work items", name: "work-items" },
];
const WIDE = { width: 1440, height: 900 };

async function emptyState(page) {
  const state = page.locator(".state-empty").first();
  await state.waitFor();
  // The catalog may answer after the page's query: wait for its verdict.
  await page.locator("[data-testid=no-data-yet]").first().waitFor({ timeout: 10_000 }).catch(() => undefined);
  return {
    text: (await state.innerText()).replace(/\s+/g, " ").trim(),
    links: await state.locator("a").evaluateAll((as) => as.map((a) => [a.textContent, new URL(a.href).pathname])),
    overflow: await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth),
  };
}

export async function firstDay({ browser, config }) {
  const screenshots = [];
  const admin = {};
  const { page } = await signedIn(browser, config, { viewport: WIDE });
  await inModesAndWidths(
    page,
    async (mode, width) => {
      for (const p of width === "1440" ? PAGES : PAGES.slice(0, 1)) {
        await page.goto(p.path);
        await heading(page, p.title);
        admin[`${p.name} ${mode} ${width}`] = await emptyState(page);
        screenshots.push(await shot(page, config, `first-day-${p.name}-${width}-${mode}`));
      }
    },
    [["1440", WIDE], ["820", TABLET], ["390", PHONE_390]],
  );
  // The admin pages with nothing to list yet: what to do about it.
  const adminEmpty = {};
  await page.setViewportSize(DESKTOP);
  for (const [path, title] of [["/admin/integrations", "Integrations"], ["/admin/ml", "ML monitoring"]]) {
    await page.goto(path);
    await heading(page, title);
    await page.waitForFunction(() => document.querySelector("main .state-empty") && !document.querySelector("main .state-loading"));
    adminEmpty[path] = (await page.locator(".state-empty").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    screenshots.push(await shot(page, config, `first-day-${path.split("/").at(-1)}-light`));
  }
  const member = {};
  const other = await newPage(browser, config, { viewport: DESKTOP });
  await other.page.goto("/");
  await signIn(other.page, { ...config, email: config.memberEmail, password: config.memberPassword });
  await heading(other.page, "Overview");
  for (const p of PAGES) {
    await other.page.goto(p.path);
    await heading(other.page, p.title);
    member[p.name] = await emptyState(other.page);
  }
  screenshots.push(await shot(other.page, config, "first-day-work-items-member-light"));
  return { admin, adminEmpty, member, screenshots };
}
