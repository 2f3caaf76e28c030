// An executive's walk through the DORA pages on the demo seed: from one
// metric to the next by its tabs (one page, no reload), and the page as
// printed. See run.mjs.
import { check, heading, setMode, shot, signedIn } from "./lib.mjs";
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

/** A Letter page inside the 0.5 in margins the scenario prints with, in CSS px (96 a inch). */
export const LETTER_BOX = { width: 720, height: 960 };
const MARGIN = "0.5in";

/**
 * The overview and each DORA page as printed (print media in the box a
 * Letter page leaves inside its margins: the width the pdf lays the page
 * out at, so the screenshot is the page as printed and no chart lays
 * itself out again between the two): what shows of the app around the
 * figures (navigation, top bar, controls), the line that says the period
 * and filters, the text colour, how tall the printed content is, and the
 * printed pages (pdf); in light and dark mode.
 */
export async function printed({ browser, config }) {
  const screenshots = [];
  const seen = {};
  const { page } = await signedIn(browser, config, { viewport: LETTER_BOX });
  for (const mode of ["Dark", "Light"]) {
    await setMode(page, mode);
    const colorScheme = mode.toLowerCase();
    for (const p of [{ path: "/", title: "Overview", name: "overview" }, ...DORA]) {
      await page.goto(`${p.path}?days=30`);
      await heading(page, p.title);
      await settled(page);
      await page.emulateMedia({ media: "print" });
      // The charts measure their width again for print (ResizeObserver): let them draw before measuring.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      seen[`${p.name} ${colorScheme}`] = await page.evaluate(() => {
        const shown = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden").length;
        return {
          theme: document.documentElement.dataset.theme,
          chrome: { nav: shown(".sidenav"), topbar: shown(".topbar"), filters: shown(".filter-bar, .filter-toggle"), controls: shown("main button, main select, .metric-tabs") },
          summary: [...document.querySelectorAll(".filter-summary")].filter((e) => e.getClientRects().length > 0).map((e) => e.textContent),
          contentLeft: Math.round(document.querySelector("main h1").getBoundingClientRect().left),
          text: getComputedStyle(document.querySelector("main h1")).color,
          // What the charts draw their lines and bars in (dark mode's lighter shade printed pale).
          charts: [...new Set([...document.querySelectorAll(".trend-line, .spark-line, .chart-svg .bar")].map((e) => (e.matches(".bar") ? getComputedStyle(e).fill : getComputedStyle(e).stroke)))],
          paper: getComputedStyle(document.body).backgroundColor,
          // The recovery tile, value to sample (the overview; the demo's last 30 days have most of it open).
          recoveryTile: [...document.querySelectorAll(".tile")].filter((t) => t.querySelector("[data-metric='failed_deployment_recovery_time']")).map((t) => t.innerText),
          // A share's axis labels ("100 %"): a week at 100 % drew it up to "150.0 %".
          shareAxis: [...document.querySelectorAll(".chart-svg text.axis")].map((t) => t.textContent).filter((t) => t.endsWith("%")),
          // The bottom of the lowest thing printed: a page one frame's
          // relayout away from the page's foot came out as two pages.
          height: Math.ceil(Math.max(0, ...[...document.querySelectorAll("main *")].filter((e) => e.getClientRects().length > 0).map((e) => e.getBoundingClientRect().bottom + window.scrollY))),
          // A level band's name with a line drawn over it ("ELITE" under the
          // dotted partial-period step): the lines painted after the name
          // whose stroke crosses its box, sampled on a grid.
          coveredBandLabels: [...document.querySelectorAll(".band-label")].flatMap((label) => {
            const b = label.getBBox();
            const grid = [0, 1, 2, 3, 4, 5, 6, 7, 8].flatMap((i) => [0.2, 0.5, 0.8].map((j) => new DOMPoint(b.x + (b.width * i) / 8, b.y + b.height * j)));
            const over = [...document.querySelectorAll(".trend-line, .trend-previous, .trend-partial")].filter(
              (path) => label.compareDocumentPosition(path) & Node.DOCUMENT_POSITION_FOLLOWING && label.closest("svg") === path.closest("svg") && grid.some((pt) => path.isPointInStroke(pt)),
            );
            return over.length ? [`${label.textContent} under ${over.map((o) => o.getAttribute("class")).join(", ")}`] : [];
          }),
        };
      });
      const pdf = await page.pdf({ format: "Letter", margin: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN } });
      seen[`${p.name} ${colorScheme}`].pageHeight = LETTER_BOX.height;
      seen[`${p.name} ${colorScheme}`].pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      screenshots.push(await shot(page, config, `print-${p.name}-${colorScheme}`));
      await page.emulateMedia({ media: "screen" });
    }
  }
  check(Object.keys(seen).length === 2 * (DORA.length + 1), "every page printed in both modes");
  return { seen, screenshots };
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

/**
 * The drill-downs on a small laptop (1024x768) and a tablet (820x1180):
 * which columns show within the table's box (the rest scroll sideways),
 * the rows' heights, whether they are cards and the values wrapped over more
 * than two lines; each photographed.
 */
export async function laptopDrilldowns({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const seen = {};
  const screenshots = [];
  for (const [size, viewport] of [["laptop", { width: 1024, height: 768 }], ["tablet", { width: 820, height: 1180 }]]) {
    await page.setViewportSize(viewport);
    for (const [path, title, caption] of [
      ["/dora/recovery-time", "Failed deployment recovery time", "Incidents"],
      ["/dora/lead-time", "Lead time for changes", "Pull requests"],
    ]) {
      await page.goto(path);
      await heading(page, title);
      await settled(page);
      const table = page.getByRole("table", { name: caption, exact: true });
      seen[`${caption} ${size}`] = await table.evaluate((t) => {
        const box = t.closest(".table-scroll").getBoundingClientRect();
        const heads = [...t.querySelectorAll("thead th")];
        return {
          shown: heads.filter((h) => h.getBoundingClientRect().right <= box.right + 1).map((h) => h.textContent),
          tallest: Math.max(...[...t.querySelectorAll("tbody tr")].map((r) => Math.round(r.getBoundingClientRect().height))),
          cards: getComputedStyle(t.querySelector("thead")).position === "absolute",
          // Each value's lines (a card's, after its column's name): its
          // text's line tops (an element's box starts above its text's).
          wrapped: [...t.querySelectorAll("tbody td[data-label]")]
            .map((td) => {
              const tops = new Set();
              const texts = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
              for (let node = texts.nextNode(); node; node = texts.nextNode()) {
                const range = document.createRange();
                range.selectNodeContents(node);
                for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
              }
              return [td.dataset.label, tops.size];
            })
            .filter(([, lines]) => lines > 2),
        };
      });
      await table.scrollIntoViewIfNeeded();
      screenshots.push(await shot(page, config, `drilldown-${caption.toLowerCase().replace(" ", "-")}-${size}`));
    }
  }
  return { seen, screenshots, consoleErrors };
}

/**
 * The period chosen on one dashboard, then the side navigation to the
 * others: each opens with the same period (the nav's links dropped it: 30
 * days on the overview, then Engineering showed 90), and /dora's first
 * metric too. Returns each page's path and period as shown.
 */
export async function navKeepsFilters({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  await page.getByLabel("Period").selectOption("30");
  await settled(page);
  const seen = [];
  for (const [link, title] of [
    ["Engineering", "Engineering"],
    ["DORA", "Deployment frequency"],
    ["Work items", "Work items"],
    ["Overview", null],
  ]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
    if (title) await heading(page, title);
    await settled(page);
    seen.push({
      link,
      path: new URL(page.url()).pathname + new URL(page.url()).search,
      period: await page.getByLabel("Period").inputValue(),
    });
  }
  return { seen, consoleErrors };
}

/**
 * Every drill-down ("Behind the figure") at a tablet's 820 px, and at 1024,
 * 1440, 390 and 360 px: whether it or the page scrolls sideways, and the columns whose name or
 * a value is not wholly inside the table's box (at 820 px the deployments'
 * table scrolled sideways, "Environment" cut and Outcome out of view).
 * Cards or not: whether the table's heads are drawn.
 */
export async function tabletDrilldowns({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const seen = {};
  const screenshots = [];
  for (const [size, viewport] of [["820", { width: 820, height: 1180 }], ["1024", { width: 1024, height: 768 }], ["1440", { width: 1440, height: 900 }], ["390", { width: 390, height: 844 }], ["360", { width: 360, height: 740 }]]) {
    await page.setViewportSize(viewport);
    for (const [path, title, captions] of [
      ["/dora/deployment-frequency", "Deployment frequency", ["Deployments"]],
      ["/dora/lead-time", "Lead time for changes", ["Pull requests"]],
      ["/dora/recovery-time", "Failed deployment recovery time", ["Incidents"]],
      ["/dora/change-failure-rate", "Change failure rate", ["Deployments", "Incidents"]],
    ]) {
      await page.goto(path);
      await heading(page, title);
      await settled(page);
      for (const caption of captions) {
        const table = page.getByRole("table", { name: caption, exact: true });
        seen[`${title} ${caption} ${size}`] = await table.evaluate((t) => {
          const scroll = t.closest(".table-scroll");
          const box = scroll.getBoundingClientRect();
          const vw = window.innerWidth;
          const inside = (r) => r.width > 0 && r.left >= Math.max(0, box.left) - 1 && r.right <= Math.min(vw, box.right) + 1;
          const heads = [...t.querySelectorAll("thead th")];
          const headsDrawn = getComputedStyle(t.querySelector("thead")).position !== "absolute";
          const cut = new Set();
          if (headsDrawn) heads.filter((h) => !inside(h.getBoundingClientRect())).forEach((h) => cut.add(h.textContent));
          for (const tr of t.querySelectorAll("tbody tr"))
            [...tr.children].forEach((td, i) => {
              const range = document.createRange();
              range.selectNodeContents(td);
              if (!inside(range.getBoundingClientRect()) || !inside(td.getBoundingClientRect())) cut.add(heads[i].textContent);
            });
          const page = document.scrollingElement.scrollWidth - vw;
          return { sideways: scroll.scrollWidth - scroll.clientWidth, cut: [...cut], cards: !headsDrawn, rows: t.querySelectorAll("tbody tr").length, page };
        });
      }
      await page.getByRole("table", { name: captions[0], exact: true }).scrollIntoViewIfNeeded();
      screenshots.push(await shot(page, config, `drilldown-${path.split("/").pop()}-${size}`));
    }
  }
  return { seen, screenshots, consoleErrors };
}
