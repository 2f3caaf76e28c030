// A phone pass over every page (390×844 and 360×740, light and dark, a
// touch screen): each view photographed and measured for what a phone shows
// broken: the page scrolling sideways, a control too small to tap, a table
// whose columns go off its right edge, a dialog wider than the screen.
// See run.mjs.
import { clippedChartText, heading, newPage, openFilters, setMode, shot, signIn } from "./lib.mjs";
import { PAGES as DATA_PAGES, settled } from "./dashboards.mjs";

export const PHONES = { 390: { width: 390, height: 844 }, 360: { width: 360, height: 740 } };

/** What a phone shows broken, measured as drawn. */
export function phoneMeasure() {
  const vw = window.innerWidth;
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden" && !e.closest(".sr-only, [inert]");
  };
  const label = (e) => (e.getAttribute("aria-label") || e.textContent || e.getAttribute("name") || e.tagName).trim().replace(/\s+/g, " ").slice(0, 50);
  const scroller = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return p;
    }
    return null;
  };
  // The box a finger aims at: a radio's or checkbox's label, else the control.
  const target = (e) => (["radio", "checkbox"].includes(e.type) && e.closest("label")) || e;
  // Links inside running text are exempt (WCAG 2.5.8's inline exception).
  const inline = (e) => e.tagName === "A" && getComputedStyle(e).display === "inline" && e.closest("p, li p, .muted, .small, td");
  const controls = [...document.querySelectorAll("button, a[href], input:not([type=hidden]), select, textarea, summary")].filter(shown).filter((e) => !inline(e));
  const small = controls
    .map((e) => ({ e, r: target(e).getBoundingClientRect() }))
    .filter(({ r }) => r.height < 43.5 || r.width < 43.5)
    .map(({ e, r }) => ({ control: `${e.tagName.toLowerCase()} ${label(e)}`, width: Math.round(r.width), height: Math.round(r.height) }));
  const off = [...document.querySelectorAll("body *")].filter(shown).filter((e) => e.getBoundingClientRect().right > vw + 1 && !scroller(e));
  const offscreen = off.filter((e) => !off.includes(e.parentElement)).map((e) => `${e.tagName.toLowerCase()}.${e.className} ${label(e)}`.slice(0, 80));
  const tables = [...document.querySelectorAll("table")].filter(shown).map((t) => {
    const box = (scroller(t) ?? t).getBoundingClientRect();
    const heads = [...t.querySelectorAll("thead th")];
    const rows = [...t.querySelectorAll("tbody tr")].filter(shown);
    return {
      table: t.querySelector("caption")?.textContent ?? t.closest("[aria-label]")?.getAttribute("aria-label"),
      sideways: Math.round(t.getBoundingClientRect().width - box.width),
      // A column is off when its head or any of its values is past the
      // table's (or its scroller's) right edge; heads a card layout clips
      // to a 1 px box (table-stack) are for screen readers only.
      offColumns: heads
        .filter((h, i) => [...(h.closest("thead").getBoundingClientRect().width > 1 ? [h] : []), ...rows.map((r) => r.children[i]).filter((c) => c && shown(c))].some((c) => c.getBoundingClientRect().right > box.right + 1))
        .map((h) => h.textContent),
      tallestRow: Math.max(0, ...rows.map((r) => Math.round(r.getBoundingClientRect().height))),
      // A chart's figure ("6.4 days", "4.0 / week") over two lines of its cell.
      wrappedValues: t.closest(".chart-data")
        ? heads
            .map((h, i) => [h.textContent, i])
            .filter(([name]) => ["Value", "Previous period"].includes(name))
            .flatMap(([, i]) => rows.map((r) => r.children[i]).filter((c) => c && shown(c)))
            .filter((c) => {
              const range = document.createRange();
              range.selectNodeContents(c);
              return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
            })
            .map((c) => c.textContent)
        : [],
    };
  });
  // A control a finger cannot reach without scrolling sideways (in the page or a table).
  const unreachable = controls.filter((e) => !e.closest(".skip-link")).filter((e) => { const r = e.getBoundingClientRect(); return r.left < -1 || r.right > vw + 1; }).map(label);
  const dialogs = [...document.querySelectorAll("[role=dialog], dialog")].filter(shown).map((d) => ({ dialog: label(d), right: Math.round(d.getBoundingClientRect().right), left: Math.round(d.getBoundingClientRect().left) })).filter((d) => d.left < 0 || d.right > vw);
  // A search hit's title to its "why it matched" line below it: the head's
  // gap, wrapped, drew an empty line under each title at 360 px.
  const hitGaps = [...document.querySelectorAll(".hit-head")].map((h) => Math.round(h.lastElementChild.getBoundingClientRect().top - h.firstElementChild.getBoundingClientRect().bottom));
  return { overflow: document.scrollingElement.scrollWidth - vw, small, offscreen, unreachable, tables, dialogs, hitGaps };
}

export const SIGNED_IN = [
  // The data pages: overview, each DORA metric's drill-down, engineering, work items.
  ...DATA_PAGES,
  { path: "/search?q=deploy", title: "Search", name: "search" },
  { path: "/assistant", title: "Assistant", name: "assistant" },
  { path: "/profile", title: "Profile", name: "profile" },
  { path: "/admin/users", title: "Users", name: "admin-users", ready: (p) => p.getByRole("table").first() },
  { path: "/admin/branding", title: "Branding", name: "admin-branding" },
  { path: "/admin/analytics", title: "Analytics settings", name: "admin-analytics" },
  { path: "/admin/providers", title: "AI providers", name: "admin-providers" },
  { path: "/admin/integrations", title: "Integrations", name: "admin-integrations" },
  { path: "/admin/etl", title: "ETL jobs", name: "admin-etl" },
  { path: "/admin/logs", title: "Logs", name: "admin-logs" },
  { path: "/admin/ml", title: "ML monitoring", name: "admin-ml" },
  { path: "/admin/search-index", title: "Search index", name: "admin-search-index" },
];

async function look(page, config, key, seen, screenshots) {
  await page.evaluate(() => document.fonts.ready);
  seen[key] = { ...(await page.evaluate(phoneMeasure)), clippedChartText: await page.evaluate(clippedChartText) };
  screenshots.push(await shot(page, config, `phone-${key.replaceAll(" ", "-")}`));
}

/** Every page at both phone sizes in both modes; `config.only` (names) narrows it. */
export async function phonePass({ browser, config }) {
  const seen = {};
  const screenshots = [];
  const pages = config.only ? SIGNED_IN.filter((p) => config.only.includes(p.name)) : SIGNED_IN;
  // Signed out: the sign-in and set-password pages (the system's mode).
  for (const [size, viewport] of Object.entries(PHONES)) {
    for (const colorScheme of ["light", "dark"]) {
      const { page, context } = await newPage(browser, config, { viewport, colorScheme, touch: true });
      await page.goto("/");
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      await look(page, config, `signin ${size} ${colorScheme}`, seen, screenshots);
      await page.goto("/set-password?token=abc");
      await page.getByRole("heading", { level: 1 }).waitFor();
      await look(page, config, `set-password ${size} ${colorScheme}`, seen, screenshots);
      if (config.fresh) {
        await page.goto("/");
        await signIn(page, config.fresh);
        await heading(page, "Choose a new password");
        await look(page, config, `change-password ${size} ${colorScheme}`, seen, screenshots);
      }
      await context.close();
    }
  }
  const { page, consoleErrors } = await newPage(browser, config, { viewport: PHONES[390], touch: true });
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  for (const email of config.invite ?? []) {
    await page.goto("/admin/users");
    await heading(page, "Users");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Invite" }).click();
    await page.getByRole("status").filter({ hasText: `Invited ${email}` }).waitFor();
  }
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    for (const [size, viewport] of Object.entries(PHONES)) {
      await page.setViewportSize(viewport);
      for (const p of pages) {
        await page.goto(p.path);
        await heading(page, p.title);
        if (p.ready) await p.ready(page).waitFor();
        await settled(page);
        await look(page, config, `${p.name} ${size} ${mode.toLowerCase()}`, seen, screenshots);
        // What a page folds, measured open too: the filter bar's controls,
        // the charts' data tables.
        const details = page.locator("details:not([open]) > summary");
        if ((await page.locator(".filter-toggle").count()) > 0 || (await details.count()) > 0) {
          await openFilters(page);
          while ((await details.count()) > 0) await details.first().click();
          await look(page, config, `${p.name} ${size} ${mode.toLowerCase()} open`, seen, screenshots);
        }
      }
    }
  }
  await setMode(page, "Light");
  return { seen, screenshots, consoleErrors };
}
