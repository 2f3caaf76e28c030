// The dashboards' charts on a phone: laid out at the width they are shown
// at, their axis text as large as on a desktop and no two labels on top of
// each other. See run.mjs.
import { heading, newPage, signIn } from "./lib.mjs";
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

/** At 390 px: per page, each chart's label measurements; a screenshot of each chart. */
export async function phoneCharts({ browser, config }) {
  const { page, consoleErrors } = await newPage(browser, config, { viewport: PHONE_390 });
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  const charts = {};
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
    const figures = page.locator("figure.chart");
    for (let i = 0; i < (await figures.count()); i++) {
      const file = `${config.artifacts}/phone390-${name}-chart${i + 1}.png`;
      await figures.nth(i).screenshot({ path: file });
      screenshots.push(file);
    }
  }
  return { charts, screenshots, consoleErrors };
}
