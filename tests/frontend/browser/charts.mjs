// The dashboards' charts on a phone: laid out at the width they are shown
// at, their axis text as large as on a desktop and no two labels on top of
// each other. See run.mjs.
import { clippedChartText, heading, inModesAndWidths, newPage, PHONE_390, signedIn, signIn } from "./lib.mjs";
import { settled } from "./dashboards.mjs";

/** Every chart's axis and band labels as drawn: the smallest height and the pairs whose boxes intersect. */
function measureLabels() {
  return [...document.querySelectorAll("svg.chart-svg")].map((svg) => {
    const boxes = [...svg.querySelectorAll("text")].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }));
    const overlaps = [];
    boxes.forEach((a, i) => {
      for (const b of boxes.slice(i + 1)) {
        const apart = a.box.right <= b.box.left || b.box.right <= a.box.left || a.box.bottom <= b.box.top || b.box.bottom <= a.box.top;
        if (!apart) overlaps.push(`${a.text} / ${b.text}`);
      }
    });
    const axis = boxes.filter((_, i) => svg.querySelectorAll("text")[i].classList.contains("axis"));
    return {
      labels: boxes.length,
      axisLabels: axis.length,
      minHeight: Math.min(...axis.map((b) => b.box.height)),
      overlaps,
      svgWidth: svg.getBoundingClientRect().width,
    };
  });
}

/** At 390 px: per page, each chart's label measurements and the labels its
 * edges cut, the page's overflow with every data table open; a screenshot
 * of each chart. */
export async function phoneCharts({ browser, config }) {
  const { page, consoleErrors } = await newPage(browser, config, { viewport: PHONE_390 });
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  const charts = {};
  const tablesOpen = {};
  const clipped = {};
  const screenshots = [];
  for (const [path, title, name] of [
    ["/dora/lead-time", "Lead time for changes", "dora-lead-time"],
    ["/work-items", "Work items", "work-items"],
    ["/engineering", "Engineering", "engineering"],
  ]) {
    await page.goto(path);
    await heading(page, title);
    await settled(page);
    await page.evaluate(() => document.fonts.ready);
    charts[path] = await page.evaluate(measureLabels);
    clipped[path] = await page.evaluate(clippedChartText);
    // Every chart's data table opened: the page must stay as wide as the screen.
    for (const summary of await page.locator("details.chart-data > summary").all()) await summary.click();
    tablesOpen[path] = await page.evaluate(() => ({
      tables: document.querySelectorAll("details.chart-data[open] table").length,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
    }));
    const figures = page.locator("figure.chart");
    for (let i = 0; i < (await figures.count()); i++) {
      const file = `${config.artifacts}/phone390-${name}-chart${i + 1}.png`;
      await figures.nth(i).screenshot({ path: file });
      screenshots.push(file);
    }
  }
  return { charts, tablesOpen, clipped, screenshots, consoleErrors };
}

/**
 * Each trend chart's band names against its data points, as drawn: the
 * pairs (band name, point marker) whose boxes intersect, the last point
 * named apart (it sits at the right edge, where the names were drawn).
 */
function bandLabelClashes() {
  const apart = (a, b) => a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
  return [...document.querySelectorAll("svg.chart-svg")]
    .filter((svg) => svg.querySelector(".band-label"))
    .map((svg) => {
      const labels = [...svg.querySelectorAll(".band-label")].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }));
      const dots = [...svg.querySelectorAll(".trend-dot")].map((d) => d.getBoundingClientRect());
      const last = dots.at(-1);
      const clashes = labels.flatMap((l) => dots.flatMap((d, i) => (apart(l.box, d) ? [] : [`${l.text} / point ${i + 1} of ${dots.length}`])));
      return { labels: labels.map((l) => l.text), dots: dots.length, clashes, lastClashes: labels.filter((l) => last && !apart(l.box, last)).map((l) => l.text) };
    });
}

const BANDED = [
  ["/dora/lead-time", "Lead time for changes", "dora-lead-time"],
  ["/dora/deployment-frequency", "Deployment frequency", "dora-deployment-frequency"],
  ["/dora/change-failure-rate", "Change failure rate", "dora-change-failure-rate"],
  ["/dora/recovery-time", "Failed deployment recovery time", "dora-recovery-time"],
];

/**
 * The DORA trend charts at desktop and phone width, light and dark, by week
 * and by month: per view, each chart's band names and the data points they
 * cover; the lead-time chart photographed in each.
 */
export async function bandLabels({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const seen = {};
  const screenshots = [];
  await inModesAndWidths(page, async (mode, width) => {
    for (const [path, title, name] of BANDED) {
      await page.goto(path);
      await heading(page, title);
      await settled(page);
      await page.evaluate(() => document.fonts.ready);
      for (const by of ["week", "month"]) {
        if (by === "month") {
          const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/analytics/trends" && r.status() === 200);
          await page.getByRole("radio", { name: "By month" }).check();
          await answer;
          await settled(page);
        }
        seen[`${path} ${width} ${mode} ${by}`] = await page.evaluate(bandLabelClashes);
        if (path === "/dora/lead-time") {
          const file = `${config.artifacts}/bands-${name}-${width}-${mode}-${by}.png`;
          await page.locator("figure.chart").first().screenshot({ path: file });
          screenshots.push(file);
        }
      }
    }
  });
  return { seen, screenshots, consoleErrors };
}

/** Each trend marker as drawn: partial (hollow) or not, its tooltip; each data-table row's period cell. */
function trendMarks() {
  const figure = document.querySelector("figure.chart");
  return {
    dots: [...figure.querySelectorAll("circle.trend-dot")].map((d) => ({ partial: d.classList.contains("trend-dot-partial"), fill: getComputedStyle(d).fill, title: d.querySelector("title")?.textContent ?? "" })),
    dashed: figure.querySelectorAll("path.trend-partial").length,
    periods: [...figure.querySelectorAll("table tbody tr")].map((r) => r.querySelector("td")?.textContent ?? ""),
    legend: figure.querySelector("figcaption")?.textContent ?? "",
  };
}

/**
 * The deployment frequency trend by week and the overview's sparklines at
 * desktop and phone width, light and dark: the API's points (which are
 * partial, how many days) against the markers, tooltips and data-table rows
 * drawn for them; the chart with its table open and the tiles photographed.
 */
export async function partialPeriods({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const seen = {};
  const screenshots = [];
  const trendOf = (metric) => page.waitForResponse((r) => {
    const u = new URL(r.url());
    return u.pathname === "/api/v1/analytics/trends" && u.searchParams.get("metric") === metric && r.status() === 200;
  });
  await inModesAndWidths(page, async (mode, width) => {
    const answer = trendOf("deployment_frequency");
    await page.goto("/dora/deployment-frequency");
    await heading(page, "Deployment frequency");
    const api = (await (await answer).json()).points.map((p) => ({ value: p.value, partial: p.partial, days: p.days, period_days: p.period_days }));
    await settled(page);
    await page.evaluate(() => document.fonts.ready);
    await page.locator("figure.chart details.chart-data summary").first().click();
    const drawn = await page.evaluate(trendMarks);
    const file = `${config.artifacts}/partial-trend-${width}-${mode}.png`;
    await page.locator("figure.chart").first().screenshot({ path: file });
    screenshots.push(file);

    const overview = trendOf("deployment_frequency");
    await page.goto("/");
    await heading(page, "Overview");
    const spark = (await (await overview).json()).points.map((p) => ({ value: p.value, partial: p.partial }));
    await settled(page);
    const tile = page.locator('.tile:has([data-metric="deployment_frequency"]) svg.sparkline');
    const sparkline = {
      label: await tile.getAttribute("aria-label"),
      dashed: await tile.locator("path.spark-partial").count(),
      lastHollow: await tile.locator("circle.spark-dot-partial").count(),
    };
    const tiles = `${config.artifacts}/partial-tiles-${width}-${mode}.png`;
    await page.locator(".tiles").screenshot({ path: tiles });
    screenshots.push(tiles);
    seen[`${width} ${mode}`] = { api, drawn, spark, sparkline };
  });
  return { seen, screenshots, consoleErrors };
}
