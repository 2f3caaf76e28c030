// The dashboards' charts on a phone: laid out at the width they are shown
// at, their axis text as large as on a desktop and no two labels on top of
// each other. See run.mjs.
import { heading, inModesAndWidths, newPage, signedIn, signIn } from "./lib.mjs";
import { settled } from "./dashboards.mjs";

const PHONE_390 = { width: 390, height: 844 };

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

/** At 390 px: per page, each chart's label measurements, the page's overflow
 * with every data table open; a screenshot of each chart. */
export async function phoneCharts({ browser, config }) {
  const { page, consoleErrors } = await newPage(browser, config, { viewport: PHONE_390 });
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  const charts = {};
  const tablesOpen = {};
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
  return { charts, tablesOpen, screenshots, consoleErrors };
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
