// Browser scenarios for the data pages (overview, DORA, engineering, work
// items) on a tenant seeded with the demo profile; see run.mjs.
import { axe, check, eachPageInBothModes, heading, inModesAndWidths, isQuiet, newPage, nextFrame, openFilters, PHONE, PHONE_390, quiet, setMode, shot, signedIn, signedInForApi, signIn } from "./lib.mjs";

export const PAGES = [
  { path: "/", title: "Overview", name: "overview" },
  { path: "/dora/deployment-frequency", title: "Deployment frequency", name: "dora-deployment-frequency" },
  { path: "/dora/lead-time", title: "Lead time for changes", name: "dora-lead-time" },
  { path: "/dora/change-failure-rate", title: "Change failure rate", name: "dora-change-failure-rate" },
  { path: "/dora/recovery-time", title: "Failed deployment recovery time", name: "dora-recovery-time" },
  { path: "/dora/rework-rate", title: "Rework rate", name: "dora-rework-rate" },
  { path: "/engineering", title: "Engineering", name: "engineering" },
  { path: "/work-items", title: "Work items", name: "work-items" },
];

/**
 * Waits until every panel has left its loading state (and kept data is not
 * being refetched) with no request in flight: a request that starts as a
 * panel draws (the next lazy chunk's queries) is waited for too.
 */
export async function settled(page) {
  do {
    await quiet(page);
    await page.waitForFunction(
      () => !document.querySelector(".state-loading, [aria-busy='true']") && !document.body.textContent.includes("Loading trend"),
    );
  } while (await stillLoading(page));
}

/** Whether a request started while the panels were checked (after the next frame). */
async function stillLoading(page) {
  await nextFrame(page);
  return !isQuiet(page);
}

/** Does `action` and waits for the API answer it causes. */
async function answered(page, path, action) {
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === path && r.status() === 200);
  await action();
  await response;
  await settled(page);
}

export async function tiles(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll(".tile-value")].map((e) => [e.dataset.metric, e.textContent])));
}

async function overflow(page) {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

/** Every data page in light and dark with axe and screenshots; errors collected. */
export async function dataPages({ browser, config, axeSource }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const { violations, screenshots, seen } = await eachPageInBothModes(page, config, axeSource, PAGES, {
    open: async (pg, p) => {
      await pg.goto(p.path);
      await heading(pg, p.title);
      await settled(pg);
    },
    record: async (pg) => ({
      errors: await pg.locator(".state-error").allTextContents(),
      empties: await pg.locator(".state-empty").allTextContents(),
      // The page's text but its filter bar's: the zone list's ~400 options
      // would fill the 4000 characters kept before the tiles.
      text: (await pg.locator("main").evaluate((m) => m.innerText.replace(m.querySelector(".filter-bar")?.innerText ?? "", ""))).slice(0, 4000),
      // The dates of the work items' ageing table ("Started").
      started: await pg.locator("table").filter({ hasText: "Started" }).locator("tbody td:nth-child(2)").allTextContents(),
      // What each chart's data table heads its first column with (folded: textContent).
      chartHeads: await pg.locator(".chart-data thead th:first-child").allTextContents(),
      // The overview's recovery tile, value to sample, as read.
      recoveryTile: await pg.locator(".tile").filter({ has: pg.locator("[data-metric='failed_deployment_recovery_time']") }).allInnerTexts(),
    }),
    name: (p) => p.name,
  });
  return { violations, screenshots, seen, consoleErrors };
}

/** The overview's tiles by row as laid out: each figure's top and its title's lines. */
function tileRows() {
  const rows = {};
  for (const tile of document.querySelectorAll(".tile")) {
    const top = Math.round(tile.getBoundingClientRect().top);
    (rows[top] ??= []).push({
      metric: tile.querySelector(".tile-value").dataset.metric,
      figureTop: tile.querySelector(".tile-value").getBoundingClientRect().top,
      // One client rect per line box of the inline link.
      titleLines: tile.querySelector("h3 a").getClientRects().length,
    });
  }
  return Object.values(rows);
}

/**
 * The overview at desktop and phone width, light and dark: its tiles by row
 * (figure tops, title lines); the tiles photographed in each.
 */
export async function tileFigures({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const seen = {};
  const screenshots = [];
  await inModesAndWidths(page, async (mode, width) => {
    await page.goto("/");
    await heading(page, "Overview");
    await settled(page);
    await page.evaluate(() => document.fonts.ready);
    seen[`${width} ${mode}`] = await page.evaluate(tileRows);
    const file = `${config.artifacts}/tiles-${width}-${mode}.png`;
    await page.locator(".tiles").screenshot({ path: file });
    screenshots.push(file);
  });
  // At 1440 px the five tiles filled five of six columns, the sixth left empty.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/");
  await heading(page, "Overview");
  await settled(page);
  const wide = await page.locator(".tiles").evaluate((l) => ({ list: Math.round(l.getBoundingClientRect().right), lastTile: Math.round(l.lastElementChild.getBoundingClientRect().right) }));
  return { seen, screenshots, wide, consoleErrors };
}

/** A period or filter change changes the figures, and the URL keeps them. */
export async function filters({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  await settled(page);
  const before = await tiles(page);
  await answered(page, "/api/v1/analytics/summary", () => page.getByLabel("Period").selectOption("30"));
  check(new URL(page.url()).searchParams.get("days") === "30", "the period is in the URL");
  const after30 = await tiles(page);
  const url30 = new URL(page.url()).search;
  // The URL alone restores the same view.
  await page.reload();
  await heading(page, "Overview");
  await settled(page);
  const reloaded = await tiles(page);
  const period = await page.getByLabel("Period").inputValue();

  await page.goto("/engineering");
  await heading(page, "Engineering");
  await settled(page);
  const merged = async () => page.locator('[data-metric="merged_prs"]').textContent();
  const allRepos = await merged();
  const repos = page.getByLabel("Repositories");
  const first = await repos.locator("option").first().textContent();
  await answered(page, "/api/v1/analytics/engineering", () => repos.selectOption({ index: 0 }));
  check(new URL(page.url()).searchParams.has("repository"), "the repository filter is in the URL");
  const oneRepo = await merged();
  // While another period's figures load, the old ones are kept on screen
  // under the new heading ("last 7 days" over 90 days' tiles): they are
  // dimmed until the answer comes (held here until measured).
  await page.goto("/?days=90");
  await heading(page, "Overview");
  await settled(page);
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route("**/api/v1/analytics/summary?*", async (route) => {
    await held;
    await route.continue();
  });
  const tileList = page.getByRole("list").filter({ has: page.locator(".tile") });
  const opacity = () => tileList.evaluate((l) => Number(getComputedStyle(l).opacity));
  await page.getByLabel("Period").selectOption("7");
  await page.getByRole("heading", { name: "DORA metrics, last 7 days" }).waitFor();
  // null: never dimmed (the request is held, so nothing else can change).
  const dimmed = await page
    .waitForFunction(() => Number(getComputedStyle(document.querySelector(".tiles")).opacity) < 0.5, null, { timeout: 10_000 })
    .then(() => opacity(), () => null);
  release();
  await page.waitForFunction(() => document.querySelector(".tiles")?.getAttribute("data-stale") === "false");
  await page.waitForFunction(() => getComputedStyle(document.querySelector(".tiles")).opacity === "1");
  const shown = await opacity();
  await page.unroute("**/api/v1/analytics/summary?*");
  return { before, after30, url30, reloaded, period, allRepos, oneRepo, firstRepo: first, staleOpacity: { dimmed, shown }, consoleErrors };
}

/**
 * The work items' Assignee filter: the catalog's Jira names, the choice in
 * the URL (`?assignee=`), undone by the back button and redone by forward,
 * opened from a shared link and cleared with the other filters.
 */
export async function assigneeFilter({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  await page.goto("/work-items");
  await heading(page, "Work items");
  await settled(page);
  const box = page.getByLabel("Assignee", { exact: true });
  const view = async () => ({
    assignee: new URL(page.url()).searchParams.get("assignee"),
    box: await box.inputValue(),
    resolved: await page.locator('[data-metric="resolved"]').textContent(),
  });
  const names = await box.locator("option").allTextContents();
  const everyone = await view();
  await answered(page, "/api/v1/analytics/work-items", () => box.selectOption(names[1]));
  const chosen = await view();
  const screenshot = await shot(page, config, "work-items-assignee");
  await page.goBack();
  await settled(page);
  const back = await view();
  await page.goForward();
  await settled(page);
  const forward = await view();
  await page.goto(`/work-items?days=30&assignee=${encodeURIComponent(names[1])}`);
  await heading(page, "Work items");
  await settled(page);
  const shared = await view();
  await answered(page, "/api/v1/analytics/work-items", () => page.getByRole("button", { name: "Clear 1 filter" }).click());
  const cleared = { ...(await view()), search: new URL(page.url()).search };
  return { names, everyone, chosen, back, forward, shared, cleared, screenshot, consoleErrors };
}

/**
 * The filter lists say how to choose several (a hint the list is described
 * by), and a URL filter no list shows (`?author=nobody`) is a removable chip,
 * not a "Clear 1 filter" with nothing selected; light and dark, desktop and phone.
 */
export async function filterState({ browser, config, axeSource }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const lists = {};
  const chips = {};
  const screenshots = [];
  const violations = [];
  await inModesAndWidths(page, async (mode, width) => {
    await page.goto("/engineering?author=nobody");
    await heading(page, "Engineering");
    await settled(page);
    // On a phone the bar is folded: opened, its lists' hints and chips shown.
    await openFilters(page);
    for (const name of ["Repositories", "Team (people)"]) {
      lists[`${name} ${mode} ${width}`] = await page.getByLabel(name, { exact: true }).evaluate((s) => {
        const hint = document.getElementById(s.getAttribute("aria-describedby") ?? "");
        const box = hint?.getBoundingClientRect();
        return { multiple: s.multiple, hint: hint?.textContent ?? null, hintVisible: !!box && box.width > 0 && box.height > 0 };
      });
    }
    const group = page.getByRole("group", { name: "Filters not in the lists" });
    chips[`${mode} ${width}`] = {
      chips: await group.locator(".chip").allInnerTexts(),
      visible: await group.isVisible(),
      clear: await page.getByRole("button", { name: /^Clear \d+ filter/ }).textContent(),
    };
    violations.push(...(await axe(page, axeSource, `filters ${mode} ${width}`)));
    screenshots.push(await shot(page, config, `filter-chip-${mode}-${width}`));
  });
  await page.goto("/engineering?author=nobody");
  await heading(page, "Engineering");
  await settled(page);
  await openFilters(page);
  await answered(page, "/api/v1/analytics/engineering", () => page.getByRole("button", { name: "Remove filter author: nobody" }).click());
  const afterRemove = {
    search: new URL(page.url()).search,
    chips: await page.locator(".filter-chips").count(),
    clear: await page.getByRole("button", { name: /^Clear \d+ filter/ }).count(),
  };
  return { lists, chips, afterRemove, violations, screenshots, consoleErrors };
}


/**
 * At 390 px a drill-down's durations keep number and unit on one line
 * ("3.4 days" broke between them) and its pager keeps Previous and Next on
 * the line of the row count ("Next" dropped to a line of its own).
 */
export async function phoneDrilldown({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config, { viewport: PHONE_390 });
  await page.route("**/api/v1/analytics/deployment-frequency?*", async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: { ...json, drilldown_total: 123_456 } });
  });
  const seen = {};
  const screenshots = [];
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    for (const [path, title, caption, columns] of [
      ["/dora/lead-time", "Lead time for changes", "Pull requests", [3, 4, 5, 6, 7]],
      ["/dora/recovery-time", "Failed deployment recovery time", "Incidents", [2]],
      // No duration column; its figure claims more rows than it loaded, as a
      // big tenant's does, so the row count is at its longest:
      // "Rows 1–20 of 123,456 (first 100 loaded)".
      ["/dora/deployment-frequency", "Deployment frequency", "Deployments", []],
    ]) {
      await page.goto(path);
      await heading(page, title);
      await settled(page);
      const table = page.getByRole("table", { name: caption, exact: true });
      const wrapped = await table.evaluate((t, cols) => {
        const lines = (td) => {
          const range = document.createRange();
          range.selectNodeContents(td);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        };
        const cells = [...t.querySelectorAll("tbody tr")].flatMap((tr) => cols.map((c) => tr.children[c - 1]).filter(Boolean));
        return { cells: cells.length, wrapped: cells.filter((td) => lines(td) > 1).map((td) => td.textContent) };
      }, columns);
      const pager = await page.getByRole("navigation", { name: `${caption} pages`, exact: true }).evaluate((nav) => {
        const top = (name) => [...nav.querySelectorAll("button")].find((b) => b.textContent === name)?.getBoundingClientRect();
        const prev = top("Previous");
        const next = top("Next");
        const count = nav.querySelector(".muted")?.getBoundingClientRect();
        return {
          sameLine: !!prev && !!next && Math.abs(prev.top - next.top) < 1,
          // The row count sits beside the buttons, not above them.
          countBeside: !!count && !!prev && count.right <= prev.left + 1 && count.bottom > prev.top,
          inside: !!next && next.right <= window.innerWidth,
        };
      });
      seen[`${path} ${mode.toLowerCase()}`] = { ...wrapped, pager };
      screenshots.push(await shot(page, config, `phone390-${title.toLowerCase().replaceAll(" ", "-")}-${mode.toLowerCase()}`));
    }
  }
  await setMode(page, "Light");
  return { seen, screenshots, consoleErrors };
}

/** Drill-down rows link to their source; the list says how many there are. */
export async function drilldown({ browser, config }) {
  const { page } = await signedIn(browser, config);
  await page.goto("/dora/lead-time");
  await heading(page, "Lead time for changes");
  await settled(page);
  const rows = page.getByRole("table", { name: "Pull requests" }).locator("tbody tr");
  const prLinks = await rows.locator("a").evaluateAll((as) => as.slice(0, 5).map((a) => ({ href: a.href, text: a.textContent, target: a.target, rel: a.rel })));
  const pager = await page.getByRole("navigation", { name: "Pull requests pages" }).locator(".muted").textContent();
  const before = await page.getByRole("navigation", { name: "Pull requests pages" }).locator(".muted").textContent();
  await page.getByRole("navigation", { name: "Pull requests pages" }).getByRole("button", { name: "Next" }).click();
  // The page is in the URL: the rows change as the router navigates, a frame later.
  const afterNext = await page.getByRole("navigation", { name: "Pull requests pages" }).locator(".muted").filter({ hasNotText: before }).textContent();
  const heading2 = await page.getByRole("heading", { level: 2, name: /Behind the figure/ }).textContent();
  await page.goto("/dora/deployment-frequency");
  await heading(page, "Deployment frequency");
  await settled(page);
  const commitLinks = await page
    .getByRole("table", { name: "Deployments" })
    .locator("tbody a")
    .evaluateAll((as) => as.slice(0, 3).map((a) => a.href));
  // The data table behind the trend chart is there for screen readers.
  const table = (name) => page.getByRole("table", { name, includeHidden: true });
  const trendTable = await table(/Deployment frequency by week/).locator("tbody tr").count();
  await answered(page, "/api/v1/analytics/trends", () => page.getByRole("radio", { name: "By month" }).check());
  const monthRows = await table(/Deployment frequency by month/).locator("tbody tr").count();
  // By keyboard to the last page: Next, dimmed there, keeps the focus (it
  // was disabled under it, and the focus fell to the page's top).
  const pages = page.getByRole("navigation", { name: "Deployments pages" });
  await pages.getByRole("button", { name: "Next" }).focus();
  for (let i = 0; i < 10 && (await pages.getByRole("button", { name: "Next" }).getAttribute("aria-disabled")) !== "true"; i++) {
    const shown = await pages.locator(".muted").textContent();
    await page.keyboard.press("Enter");
    await pages.locator(".muted").filter({ hasNotText: shown }).waitFor();
  }
  const lastPage = await pages.locator(".muted").textContent();
  const focusAtEnd = await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent?.trim().slice(0, 40)}`);
  await page.keyboard.press("Enter");
  // A page turned would show by the next frames (the router's navigation).
  await nextFrame(page);
  await nextFrame(page);
  const pressedAtEnd = await pages.locator(".muted").textContent();
  // Another period's rows start at their first page, not at the old page number.
  await answered(page, "/api/v1/analytics/deployment-frequency", () => page.getByLabel("Period").selectOption("30"));
  await settled(page);
  const afterPeriod = await pages.locator(".muted").textContent();
  return { prLinks, pager, before, afterNext, heading: heading2, commitLinks, trendTable, monthRows, lastPage, focusAtEnd, pressedAtEnd, afterPeriod };
}

/** Keyboard only: from the overview to a metric's page; phone width fits. */
export async function keyboardAndPhone({ browser, config, axeSource }) {
  const { page } = await signedIn(browser, config);
  await settled(page);
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === "Lead time for changes");
  }
  check(reached, "Tab reaches the lead time tile");
  await page.keyboard.press("Enter");
  await heading(page, "Lead time for changes");
  const keyboardPath = new URL(page.url()).pathname;

  const phone = await newPage(browser, config, { viewport: PHONE, colorScheme: "dark" });
  await phone.page.goto("/");
  await signIn(phone.page, config);
  await heading(phone.page, "Overview");
  const widths = {};
  const violations = [];
  const screenshots = [];
  for (const [path, title, name] of [
    ["/", "Overview", "overview"],
    ["/dora/lead-time", "Lead time for changes", "dora-lead-time"],
    ["/engineering", "Engineering", "engineering"],
    ["/work-items", "Work items", "work-items"],
  ]) {
    await phone.page.goto(path);
    await heading(phone.page, title);
    await settled(phone.page);
    screenshots.push(await shot(phone.page, config, `phone-${name}`));
    // The folded filter bar measured and checked open too.
    await openFilters(phone.page);
    widths[path] = await overflow(phone.page);
    violations.push(...(await axe(phone.page, axeSource, `phone ${path}`)));
  }
  return { keyboardPath, widths, violations, screenshots };
}

/** The tenant's colours and logo from the API, applied as --brand-* properties, and before the first paint next time. */
export async function branding({ browser, config }) {
  const { page, consoleErrors, auth } = await signedInForApi(browser, config);
  const headers = auth();
  const put = await page.request.put("/api/v1/settings/branding", { headers, data: { primary_color: "#7A1FA2", secondary_color: "#102A43" } });
  check(put.status() === 200, `PUT branding answered ${put.status()}`);
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect width="16" height="16" fill="#7A1FA2"/></svg>';
  const logo = await page.request.put("/api/v1/settings/branding/logo", {
    headers,
    multipart: { file: { name: "logo.svg", mimeType: "image/svg+xml", buffer: Buffer.from(svg) } },
  });
  check(logo.status() === 200, `PUT logo answered ${logo.status()}`);
  const brand = () =>
    page.evaluate(() => {
      const root = getComputedStyle(document.documentElement);
      const active = document.querySelector('.sidenav a[aria-current="page"]');
      return {
        primary: root.getPropertyValue("--brand-primary").trim(),
        secondary: root.getPropertyValue("--brand-secondary").trim(),
        logo: root.getPropertyValue("--brand-logo").trim().slice(0, 40),
        activeBackground: active ? getComputedStyle(active).backgroundColor : null,
        topbar: getComputedStyle(document.querySelector(".topbar")).backgroundColor,
      };
    });
  await page.reload();
  await heading(page, "Overview");
  await page.waitForFunction(() => getComputedStyle(document.documentElement).getPropertyValue("--brand-logo").includes("data:"));
  const applied = await brand();
  // Without the app's JavaScript only theme-init.js runs: the cached brand paints first.
  await page.route("**/assets/*.js", (route) => route.abort());
  await page.reload();
  const beforeApp = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--brand-primary").trim());
  await page.unroute("**/assets/*.js");
  // Dark mode takes the dark scheme's colours.
  await setMode(page, "Dark");
  await page.waitForFunction((light) => getComputedStyle(document.documentElement).getPropertyValue("--brand-primary").trim() !== light, applied.primary);
  const dark = await brand();
  const api = await (await page.request.get("/api/v1/settings/branding", { headers })).json();
  await shot(page, config, "branded-profile-dark");
  return { applied, beforeApp, dark, api: { light: api.light.primary_color, dark: api.dark.primary_color, darkSecondary: api.dark.secondary_color }, consoleErrors };
}

/**
 * The app under a white, a yellow, a black and a normal brand colour, in
 * light and dark: white is refused by the form (before saving) and by the
 * API; the others are saved, and the selected navigation item and the
 * primary button are measured (fill, text, the navigation's background) and
 * photographed as brand-<name>-<mode>.png.
 */
export async function brandColours({ browser, config }) {
  const { page, consoleErrors, auth: headers } = await signedInForApi(browser, config);
  const white = await page.request.put("/api/v1/settings/branding", { headers: headers(), data: { primary_color: "#FFFFFF", secondary_color: "#0B1F3A" } });
  const api = { status: white.status(), body: await white.json() };
  const colours = { normal: "#1F6FEB", yellow: "#FFD600", black: "#000000" };
  const measured = {};
  const refused = {};
  const screenshots = [];
  let puts = 0;
  page.on("request", (r) => {
    if (r.method() === "PUT" && r.url().endsWith("/api/v1/settings/branding")) puts += 1;
  });
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    const m = mode.toLowerCase();
    for (const [name, primary] of Object.entries(colours)) {
      const put = await page.request.put("/api/v1/settings/branding", { headers: headers(), data: { primary_color: primary, secondary_color: "#0B1F3A" } });
      check(put.status() === 200, `PUT ${primary} answered ${put.status()}`);
      const expected = (await put.json())[m].primary_color;
      await page.goto("/admin/branding");
      await heading(page, "Branding");
      await page.waitForFunction((want) => getComputedStyle(document.documentElement).getPropertyValue("--brand-primary").trim().toUpperCase() === want, expected);
      measured[`${name} ${m}`] = await page.evaluate(() => {
        const style = (sel) => {
          const e = document.querySelector(sel);
          return e ? { background: getComputedStyle(e).backgroundColor, color: getComputedStyle(e).color } : null;
        };
        // A chart's bar and line as the app's CSS draws them on a card
        // (this tenant has no data to chart): pale yellow ones vanished.
        const card = document.createElement("div");
        card.className = "card";
        card.innerHTML = '<svg class="chart-svg"><rect class="bar" /><path class="trend-line" /></svg>';
        document.querySelector("main").append(card);
        const chart = { card: getComputedStyle(card).backgroundColor, bar: getComputedStyle(card.querySelector(".bar")).fill, line: getComputedStyle(card.querySelector(".trend-line")).stroke };
        card.remove();
        return { active: style('.sidenav a[aria-current="page"]'), nav: style(".sidenav"), page: style("body"), button: style("form .btn-primary"), chart };
      });
      screenshots.push(await shot(page, config, `brand-${name}-${m}`));
    }
    // White through the form: said under the field before anything is sent.
    const before = puts;
    const form = page.getByRole("form", { name: "Colours" });
    const field = form.getByLabel("Primary colour", { exact: true });
    await field.fill("#FFFFFF");
    await form.getByRole("button", { name: "Save colours" }).click();
    const errId = await field.getAttribute("aria-describedby");
    refused[m] = {
      invalid: await field.getAttribute("aria-invalid"),
      error: errId ? await page.locator(`[id="${errId}"]`).textContent() : null,
      alerts: await form.getByRole("alert").count(),
      sent: puts - before,
    };
    screenshots.push(await shot(page, config, `brand-white-refused-${m}`));
  }
  return { api, measured, refused, screenshots, consoleErrors };
}
