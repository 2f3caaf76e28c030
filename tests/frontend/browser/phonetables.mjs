// Tables at 390 px: a drill-down's times on one line ("Sep 26, 2026,
// 10:23 AM" wrapped over three), and a log event in two short rows instead
// of one some 145 px tall; light and dark. See run.mjs.
import { join } from "node:path";
import { settled } from "./dashboards.mjs";
import { heading, PHONE_390, setMode, shot, signedIn } from "./lib.mjs";

// What an ETL job's log events carry (etl_service.py's, with the request's context).
const ETL_EVENTS = [
  { event: "etl refused", level: "info", fields: { status: 409, code: "job_running", integration: "github", method: "POST", path: "/api/v1/etl/jobs/github/start", request_id: "6f1c9e0a2b7d4c1e9f3a5b8d7e6c4a21", tenant_id: 7 } },
  { event: "etl unreachable", level: "warning", fields: { error: "ConnectError", integration: "jira", method: "GET", path: "/api/v1/etl/jobs", request_id: "0b9d8e7f6a5c4b3a29181706f5e4d3c2", tenant_id: 7 } },
];

/** Lines of each cell of `columns` (1-based) in the table named `caption`. */
const cellLines = (page, caption, columns) =>
  page.getByRole("table", { name: caption, exact: true }).evaluate((t, cols) => {
    const lines = (td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    };
    return [...t.querySelectorAll("tbody tr")].flatMap((tr) => cols.map((c) => tr.children[c - 1]).filter(Boolean)).map((td) => ({ text: td.textContent, lines: lines(td) }));
  }, columns);

/** Lines of each row's title (the text under the key in the first column) in the table named `caption`. */
const titleLines = (page, caption) =>
  page.getByRole("table", { name: caption, exact: true }).evaluate((t) =>
    [...t.querySelectorAll("tbody tr td:first-child .muted")].map((e) => {
      const range = document.createRange();
      range.selectNodeContents(e);
      return { text: e.textContent, lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
    }),
  );

/**
 * Each row of the table named `caption` as a phone draws it: the columns
 * whose value is not wholly on screen (cut by the page's or the table's
 * right edge, or not drawn), the cells whose column name does not go with
 * them (data-label, the card's "Status" before "resolved"), and how much of
 * its cells' height their content fills: side by side, an incident's
 * "resolved" sat alone at the top of a 139 px row beside its wrapped title.
 */
const rowsAsDrawn = (page, caption) =>
  page.getByRole("table", { name: caption, exact: true }).evaluate((t) => {
    const vw = window.innerWidth;
    const box = t.closest(".table-scroll")?.getBoundingClientRect() ?? t.getBoundingClientRect();
    const heads = [...t.querySelectorAll("thead th")].map((h) => h.textContent.trim());
    const content = (td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return range.getBoundingClientRect();
    };
    // The card's content box: the table keeps to it, in line with the card's heading.
    const card = t.closest(".card");
    const cs = getComputedStyle(card);
    const cardBox = card.getBoundingClientRect();
    const contentLeft = cardBox.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft);
    const contentRight = cardBox.right - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingRight);
    return {
      outside: { left: Math.round(contentLeft - box.left), right: Math.round(box.right - contentRight) },
      sideways: Math.round(t.scrollWidth - (t.closest(".table-scroll")?.clientWidth ?? t.clientWidth)),
      rows: [...t.querySelectorAll("tbody tr")].map((tr) => {
        const cells = [...tr.children].map((td, i) => ({ td, column: heads[i], r: td.getBoundingClientRect(), c: content(td) }));
        const cellHeight = cells.reduce((sum, { r }) => sum + r.height, 0);
        return {
          text: tr.textContent.slice(0, 60),
          height: Math.round(tr.getBoundingClientRect().height),
          lines: new Set(cells.map(({ r }) => Math.round(r.top))).size,
          hidden: cells.filter(({ r, c }) => !(r.width > 0 && c.height > 0 && c.left >= Math.max(0, box.left) - 1 && c.right <= Math.min(vw, box.right) + 1)).map(({ column }) => column),
          mislabelled: cells.filter(({ td, column }) => td.dataset.label !== undefined && td.dataset.label !== column).map(({ column }) => column),
          fill: Math.round((100 * cells.reduce((sum, { c }) => sum + c.height, 0)) / cellHeight) / 100,
        };
      }),
    };
  });

/** Each log event's height (its row, or its two rows when stacked) and whether the table fits its region. */
const logEvents = (page) =>
  page.getByRole("region", { name: "Log events" }).evaluate((region) => ({
    fits: region.scrollWidth <= region.clientWidth,
    events: [...region.querySelectorAll("tbody tr")]
      .filter((tr) => !tr.classList.contains("log-details"))
      .map((tr) => {
        const next = tr.nextElementSibling?.classList.contains("log-details") ? tr.nextElementSibling : null;
        const top = tr.getBoundingClientRect().top;
        return { text: tr.textContent, height: Math.round((next ?? tr).getBoundingClientRect().bottom - top) };
      }),
  }));

export async function phoneTables({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config, { viewport: PHONE_390 });
  await page.route("**/api/v1/logs?*", async (route) => {
    const response = await route.fetch();
    const rows = await response.json();
    const now = new Date().toISOString();
    const etl = ETL_EVENTS.map((e, i) => ({ id: `etl-${i}`, timestamp: now, category: "ETL", ...e }));
    await route.fulfill({ response, json: [...etl, ...rows] });
  });
  const seen = {};
  const screenshots = [];
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    const m = mode.toLowerCase();
    for (const [path, title, caption, columns] of [
      ["/dora/deployment-frequency", "Deployment frequency", "Deployments", [1]],
      ["/dora/recovery-time", "Failed deployment recovery time", "Incidents", [4, 5]],
      ["/dora/lead-time", "Lead time for changes", "Pull requests", [8]],
    ]) {
      await page.goto(path);
      await heading(page, title);
      await settled(page);
      seen[`${caption} ${m}`] = await cellLines(page, caption, columns);
      seen[`${caption} rows ${m}`] = await rowsAsDrawn(page, caption);
      // A PR's or an incident's title under its key, in lines.
      if (caption !== "Deployments") seen[`${caption} titles ${m}`] = await titleLines(page, caption);
      if (caption === "Deployments") {
        await page.getByRole("table", { name: caption, exact: true }).scrollIntoViewIfNeeded();
        screenshots.push(await shot(page, config, `phone390-deployments-dates-${m}`));
      }
    }
    await page.goto("/admin/logs");
    await heading(page, "Logs");
    await page.getByRole("table", { name: "Log events, newest first" }).waitFor();
    seen[`logs ${m}`] = await logEvents(page);
    screenshots.push(await shot(page, config, `phone390-logs-${m}`));
    // The first events at the size a phone shows them.
    await page.getByRole("region", { name: "Log events" }).scrollIntoViewIfNeeded();
    const top = join(config.artifacts, `phone390-logs-top-${m}.png`);
    await page.screenshot({ path: top });
    screenshots.push(top);
  }
  await setMode(page, "Light");
  return { seen, screenshots, consoleErrors };
}
