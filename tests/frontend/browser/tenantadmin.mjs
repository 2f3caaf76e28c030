// A tenant admin's branding as the app then shows it: a logo of an odd
// shape in the top bar and the branding page's previews. See run.mjs.
import { check, heading, newPage, shot, signedIn, signedInForApi, signIn } from "./lib.mjs";

const WIDE = '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40"><rect width="320" height="40" fill="#c0392b"/><text x="10" y="30" font-size="28" fill="#fff" font-family="sans-serif">ACME WIDGETS</text></svg>';

/** The logo boxes (top bar, previews) as drawn, and whether the page scrolls sideways. */
const logoBoxes = (page) =>
  page.evaluate(() => ({
    boxes: [...document.querySelectorAll(".brand-logo")].filter((e) => e.getClientRects().length > 0).map((e) => {
      const r = e.getBoundingClientRect();
      return { where: e.closest(".topbar") ? "topbar" : "preview", width: Math.round(r.width), height: Math.round(r.height) };
    }),
    overflow: document.scrollingElement.scrollWidth - window.innerWidth,
    // The tenant's name beside the logo: its width, and whether it runs into the next control.
    badge: Math.round(document.querySelector(".tenant-badge").getBoundingClientRect().width),
    overlaps: (() => {
      const bar = [...document.querySelectorAll(".topbar > *, .topbar .brand > *, .topbar-actions > *")].filter((e) => e.getClientRects().length > 0 && !e.matches(".brand, .topbar-actions"));
      const boxes = bar.map((e) => [e.className, e.getBoundingClientRect()]);
      return boxes.flatMap(([a, r], i) => boxes.slice(i + 1).filter(([, q]) => r.left < q.right - 1 && q.left < r.right - 1).map(([b]) => `${a} / ${b}`));
    })(),
  }));

/**
 * Each colour field's picker (its swatch) against its text input: how far
 * its top and bottom are from the input's, and the label's lines. At 360 px
 * "Primary colour in dark mode (optional)" took two lines and the swatch,
 * placed for a one-line label, sat out of line with its input.
 */
const swatches = (page) =>
  page.locator(".color-field").evaluateAll((fields) =>
    fields.map((f) => {
      const text = f.querySelector('input:not([type="color"])').getBoundingClientRect();
      const swatch = f.querySelector('input[type="color"]').getBoundingClientRect();
      const label = f.querySelector("label");
      const range = document.createRange();
      range.selectNodeContents(label);
      return {
        label: label.textContent,
        labelLines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size,
        top: Math.round(swatch.top - text.top),
        bottom: Math.round(swatch.bottom - text.bottom),
      };
    }),
  );

/** A wordmark logo (8:1) uploaded, then the top bar at desktop and phone width and the branding page. */
export async function wideLogo({ browser, config }) {
  const { page, consoleErrors, auth } = await signedInForApi(browser, config);
  const headers = auth();
  const put = await page.request.put("/api/v1/settings/branding/logo", {
    headers,
    multipart: { file: { name: "logo.svg", mimeType: "image/svg+xml", buffer: Buffer.from(WIDE) } },
  });
  check(put.status() === 200, `PUT logo answered ${put.status()}`);
  const seen = {};
  const screenshots = [];
  for (const [name, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", { width: 360, height: 740 }]]) {
    await page.setViewportSize(viewport);
    for (const [path, title] of [["/", "Overview"], ["/admin/branding", "Branding"]]) {
      await page.goto(path);
      await heading(page, title);
      await page.waitForFunction(() => document.documentElement.style.getPropertyValue("--brand-logo-ratio") !== "");
      seen[`${title} ${name}`] = await logoBoxes(page);
      if (title === "Branding") seen[`swatches ${name}`] = await swatches(page);
      screenshots.push(await shot(page, config, `wide-logo-${title.toLowerCase()}-${name}`));
    }
  }
  // The next visit's first paint: the cached box, before the app's JavaScript.
  await page.route("**/assets/*.js", (route) => route.abort());
  await page.reload();
  seen.cached = await page.evaluate(() => document.documentElement.style.getPropertyValue("--brand-logo-ratio"));
  await page.unroute("**/assets/*.js");
  const removed = await page.request.delete("/api/v1/settings/branding/logo", { headers });
  check(removed.status() < 300, `DELETE logo answered ${removed.status()}`);
  return { seen, screenshots, consoleErrors };
}

/**
 * A long tenant slug (30 characters) in the top bar at 1440 and 360 px: the
 * badge cut it to "a-long-tenant-…" with no way to read the rest. Reports
 * whether it is cut, its title (the tooltip) and the badge in the
 * accessibility tree (its role and name).
 */
export async function longSlug({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config, { viewport: { width: 1440, height: 900 } });
  const seen = {};
  const screenshots = [];
  for (const [name, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", { width: 360, height: 740 }]]) {
    await page.setViewportSize(viewport);
    await page.goto("/");
    await heading(page, "Overview");
    const badge = page.locator(".topbar .tenant-badge");
    seen[name] = {
      ...(await badge.evaluate((b) => ({ cut: b.scrollWidth > b.clientWidth, title: b.title }))),
      tree: await page.locator(".topbar .brand").ariaSnapshot(),
    };
    screenshots.push(await shot(page, config, `long-slug-${name}`));
  }
  // The keyboard: Tab from the page's top reaches the badge (the tooltip
  // needs a mouse), and the whole slug shows while it has the focus.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/");
  await heading(page, "Overview");
  for (let i = 0; i < 8 && !(await page.evaluate(() => document.activeElement?.classList.contains("tenant-badge"))); i++) await page.keyboard.press("Tab");
  seen.keyboard = await page.evaluate(readBadge);
  screenshots.push(await shot(page, config, "long-slug-keyboard"));
  // A touch screen shows no tooltip: a tap on the badge shows the whole slug.
  const touch = await newPage(browser, config, { viewport: { width: 360, height: 740 }, touch: true });
  await touch.page.goto("/");
  await signIn(touch.page, config);
  await heading(touch.page, "Overview");
  await touch.page.locator(".topbar .tenant-badge").tap();
  seen.tapped = await touch.page.evaluate(readBadge);
  screenshots.push(await shot(touch.page, config, "long-slug-tapped"));
  return { seen, screenshots, consoleErrors: [...consoleErrors, ...touch.consoleErrors] };
}

/** The badge as drawn: focused or not, whether its text is cut, inside the screen, its role. */
function readBadge() {
  const b = document.querySelector(".topbar .tenant-badge");
  const r = b.getBoundingClientRect();
  return {
    focused: document.activeElement === b,
    cut: b.scrollWidth > b.clientWidth || b.scrollHeight > b.clientHeight,
    inView: r.left >= 0 && r.right <= window.innerWidth,
    role: b.getAttribute("role"),
    overflow: document.scrollingElement.scrollWidth - window.innerWidth,
  };
}
