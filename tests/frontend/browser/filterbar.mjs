// The dashboards' filter bar: its lists and period on one row at 1280 px
// (the hints under the lists pushed "Team" to a row of its own), wrapping
// inside the page below that, and a hint a touch screen can follow; see
// run.mjs.
import { join } from "node:path";
import { settled } from "./dashboards.mjs";
import { DESKTOP, heading, openFilters, PHONE_390, setMode, shot, signedIn } from "./lib.mjs";

const PHONE_360 = { width: 360, height: 740 };

/** Each filter's label, top and right edge, and whether the bar fits the page. */
const measure = (page) =>
  page.locator(".filter-bar").evaluate((bar) => ({
    filters: [...bar.querySelectorAll(".filter")].map((f) => {
      const box = f.getBoundingClientRect();
      return { label: f.querySelector("label, span")?.textContent ?? "", top: Math.round(box.top), right: Math.round(box.right), height: Math.round(box.height) };
    }),
    barRight: Math.round(bar.getBoundingClientRect().right),
    pageWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    hints: [...bar.querySelectorAll(".filter-hint")].map((h) => h.textContent),
    // The zone list's choice as drawn: its text's width and the room the
    // list leaves it (inside its padding, less the arrow's ~16 px).
    zone: (() => {
      const s = bar.querySelector(".filter-zone select");
      const cs = getComputedStyle(s);
      const ink = document.createElement("canvas").getContext("2d");
      ink.font = cs.font;
      const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16;
      return { text: s.selectedOptions[0]?.textContent ?? "", width: Math.ceil(ink.measureText(s.selectedOptions[0]?.textContent ?? "").width), room: Math.floor(room) };
    })(),
  }));

export async function filterBarLayout({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const seen = {};
  const screenshots = [];
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    for (const [width, viewport] of [["1280", DESKTOP], ["390", PHONE_390]]) {
      await page.setViewportSize(viewport);
      for (const [path, title] of [["/", "Overview"], ["/engineering", "Engineering"]]) {
        await page.goto(path);
        await heading(page, title);
        await settled(page);
        // Folded on a phone: opened by keyboard first.
        await openFilters(page);
        seen[`${path} ${width} ${mode.toLowerCase()}`] = { ...(await measure(page)), toggles: await page.locator(".filter-toggle").count() };
      }
      await page.goto("/");
      await heading(page, "Overview");
      await settled(page);
      await openFilters(page);
      screenshots.push(await shot(page, config, `filter-bar-${width}-${mode.toLowerCase()}`));
    }
  }
  await page.setViewportSize(DESKTOP);
  await setMode(page, "Light");
  // A phone: a coarse pointer and no Ctrl key; in Los Angeles, whose name
  // the zone list's first choice carries ("Your browser's (America/Los_Angeles)").
  const phone = await signedIn(browser, config, { viewport: PHONE_390, touch: true, timezoneId: "America/Los_Angeles" });
  await phone.page.goto("/engineering");
  await heading(phone.page, "Engineering");
  await settled(phone.page);
  await openFilters(phone.page);
  const touch = await measure(phone.page);
  // The bar alone: a full-page screenshot resizes the emulated screen,
  // which drops the touch emulation (and the hint with it) while it shoots.
  const path = join(config.artifacts, "filter-bar-390-touch-light.png");
  await phone.page.locator(".filter-bar").screenshot({ path });
  screenshots.push(path);
  return { seen, touch, screenshots, consoleErrors: [...consoleErrors, ...phone.consoleErrors] };
}

/** What the first screen shows of a DORA page: the filter bar, its toggle, the figure. */
const firstScreen = (page) =>
  page.evaluate(() => {
    const bar = document.querySelector(".filter-bar").getBoundingClientRect();
    const toggle = document.querySelector(".filter-toggle");
    return {
      barHeight: Math.round(bar.height),
      figureBottom: Math.round(document.querySelector(".figure-head .tile-value").getBoundingClientRect().bottom + window.scrollY),
      viewport: window.innerHeight,
      toggle: toggle && { text: toggle.textContent, expanded: toggle.getAttribute("aria-expanded"), height: Math.round(toggle.getBoundingClientRect().height) },
      focusOnToggle: !!toggle && document.activeElement === toggle,
      focusInBar: document.activeElement?.closest(".filter-bar") !== null,
    };
  });

/**
 * On a phone a DORA page's filter bar (about 700 px, open) pushed the
 * figure below the first screen: folded behind "Filters · N", opened and
 * closed by keyboard (Enter, then Escape back to the button) and by touch;
 * at 390 and 360 px, light and dark, two filters set.
 */
export async function filterFold({ browser, config }) {
  const seen = {};
  const screenshots = [];
  const consoleErrors = [];
  for (const [size, viewport] of [["390", PHONE_390], ["360", PHONE_360]]) {
    const opened = await signedIn(browser, config, { viewport, touch: true });
    const { page } = opened;
    for (const mode of ["Light", "Dark"]) {
      await setMode(page, mode);
      const m = `${size} ${mode.toLowerCase()}`;
      await page.goto("/dora/lead-time?days=30&year=2024");
      await heading(page, "Lead time for changes");
      await settled(page);
      seen[`closed ${m}`] = await firstScreen(page);
      screenshots.push(await shot(page, config, `filter-fold-closed-${size}-${mode.toLowerCase()}`));
      // Keyboard: the button, Enter; Tab goes into the bar; Escape closes it.
      await page.locator(".filter-toggle").focus();
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      seen[`open ${m}`] = await firstScreen(page);
      screenshots.push(await shot(page, config, `filter-fold-open-${size}-${mode.toLowerCase()}`));
      await page.keyboard.press("Escape");
      seen[`escaped ${m}`] = await firstScreen(page);
      // Touch: a tap opens it, another closes it.
      await page.locator(".filter-toggle").tap();
      seen[`tapped ${m}`] = await firstScreen(page);
      await page.locator(".filter-toggle").tap();
      seen[`tapped twice ${m}`] = await firstScreen(page);
    }
    await setMode(page, "Light");
    consoleErrors.push(...opened.consoleErrors);
    await opened.context.close();
  }
  return { seen, screenshots, consoleErrors };
}
