// Helpers shared by the scenarios: sign in, axe, screenshots, assertions.
import { join } from "node:path";

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };
/** A 390 px phone (the walkthrough's width): a little wider than PHONE. */
export const PHONE_390 = { width: 390, height: 844 };
const WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

export async function newPage(browser, config, { viewport = DESKTOP, colorScheme = "light", timezoneId, touch = false } = {}) {
  // timezoneId: the zone the page's browser reports (Intl), else the machine's;
  // touch: a phone's touch screen, its pointer coarse.
  const context = await browser.newContext({ baseURL: config.baseUrl, viewport, colorScheme, ...(timezoneId && { timezoneId }), ...(touch && { hasTouch: true, isMobile: true }) });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  trackRequests(page);
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // Refused requests (a 401 at start-up without a session) log "Failed to
  // load resource"; anything else logged as an error (a CSP violation, a
  // React warning) fails the scenario's check.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) consoleErrors.push(m.text());
  });
  return { context, page, consoleErrors };
}

// Each page's requests in flight (newPage tracks them from its start): what
// quiet() waits on.
const inFlight = new WeakMap();

export function trackRequests(page) {
  const pending = new Set();
  inFlight.set(page, pending);
  page.on("request", (r) => pending.add(r));
  page.on("requestfinished", (r) => pending.delete(r));
  page.on("requestfailed", (r) => pending.delete(r));
}

/**
 * Waits until `page` has no request in flight. waitForLoadState("networkidle")
 * waited 500 ms of silence after the last one, each time: some 30 s of the
 * phone pass alone. A page made elsewhere (not tracked) still waits for that.
 * (WebSockets are not requests here, as for networkidle.)
 */
export async function quiet(page) {
  const pending = inFlight.get(page);
  if (!pending) return page.waitForLoadState("networkidle");
  // A frame first: what the page drew has run its effects (their fetches
  // started), and their request events have reached us.
  await nextFrame(page);
  const deadline = Date.now() + 30_000;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`requests still in flight after 30 s: ${[...pending].map((r) => r.url()).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const nextFrame = (page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));

/** Whether `page` has no request in flight now (an untracked page: true). */
export function isQuiet(page) {
  return (inFlight.get(page)?.size ?? 0) === 0;
}

/** Fills the sign-in form (page or dialog) and submits it. */
export async function signIn(page, { tenant, email, password }, scope = page) {
  const tenantField = scope.getByLabel("Tenant");
  await tenantField.fill(tenant);
  await scope.getByLabel("Email").fill(email);
  await scope.getByLabel("Password", { exact: true }).fill(password);
  await scope.getByRole("button", { name: "Sign in" }).click();
}

export async function heading(page, name) {
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

/** Chooses Light/Dark/System on the profile page, saved through the API. */
export async function setMode(page, mode) {
  await page.goto("/profile");
  await heading(page, "Profile");
  const radio = page.getByRole("radio", { name: mode });
  // Already the saved mode (a scenario before left it so): checking it again
  // sends no PUT, and waiting for one timed out.
  if (await radio.isChecked()) return;
  const saved = page.waitForResponse((r) => r.url().endsWith("/api/v1/profile/preferences") && r.request().method() === "PUT");
  await radio.check();
  check((await saved).status() === 200, `saving the ${mode} mode`);
}

/** axe-core A/AA violations of the page as it is now: [{id, impact, targets}]. */
export async function axe(page, axeSource, label) {
  // Evaluated over the DevTools protocol: the page's CSP (no inline script) stays on.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  // resultTypes: only violations get every node's selector worked out (the
  // costly part); passes and the rest, unused here, keep one node each.
  const violations = await page.evaluate(
    async (tags) =>
      (await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })).violations,
    WCAG_A_AA,
  );
  return violations.map((v) => ({
    page: label,
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}

export async function shot(page, config, name) {
  // Let transitions and web fonts settle: screenshots are for people to look at.
  await page.evaluate(() => document.fonts.ready);
  const path = join(config.artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function theme(page) {
  return page.evaluate(() => ({
    theme: document.documentElement.dataset.theme,
    background: getComputedStyle(document.body).backgroundColor,
  }));
}

/** Access tokens the app received (login and refresh responses), newest last. */
export function captureTokens(page) {
  const tokens = [];
  page.on("response", async (r) => {
    const path = new URL(r.url()).pathname;
    if ((path === "/api/v1/auth/login" || path === "/api/v1/auth/refresh") && r.status() === 200) {
      try {
        tokens.push((await r.json()).access_token);
      } catch {
        // a navigation can discard the body; the next token will do
      }
    }
  });
  return tokens;
}

/** A new browser page signed in at "/" (the overview shown). */
export async function signedIn(browser, config, options = {}) {
  const opened = await newPage(browser, config, options);
  await opened.page.goto("/");
  await signIn(opened.page, config);
  await heading(opened.page, "Overview");
  return opened;
}

/**
 * A new page signed in at "/", and `auth()`: the Authorization header of its
 * session's newest token, for the API calls a scenario makes itself.
 */
export async function signedInForApi(browser, config, options = {}) {
  const opened = await newPage(browser, config, options);
  const tokens = captureTokens(opened.page);
  await opened.page.goto("/");
  await signIn(opened.page, config);
  await heading(opened.page, "Overview");
  return { ...opened, auth: () => ({ Authorization: `Bearer ${tokens.at(-1)}` }) };
}

/**
 * On a phone the dashboards' filter bar is folded behind its "Filters"
 * button: opens it by keyboard (focus, Enter), as a keyboard user does;
 * nothing to do where the bar is not folded (wider screens).
 */
export async function openFilters(page) {
  const toggle = page.locator(".filter-toggle");
  if ((await toggle.count()) === 0 || (await toggle.getAttribute("aria-expanded")) === "true") return;
  await toggle.focus();
  await page.keyboard.press("Enter");
  await page.locator(".filter-bar").waitFor({ state: "visible" });
}

/**
 * Every page in Light then Dark (the mode saved through the profile): `open`
 * shows one page and waits for it, `record` returns what to keep of it; each
 * is checked to be in the mode, run through axe and photographed as
 * `<name(p)>-<mode>.png`. Returns {violations, screenshots, seen}.
 */
export async function eachPageInBothModes(page, config, axeSource, pages, { open, record = async () => null, name }) {
  const violations = [];
  const screenshots = [];
  const seen = {};
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    for (const p of pages) {
      await open(page, p);
      const t = await theme(page);
      check(t.theme === mode.toLowerCase(), `${p.path} is in ${mode} mode (got ${t.theme})`);
      seen[`${p.path} ${t.theme}`] = await record(page, p, t);
      violations.push(...(await axe(page, axeSource, `${p.path} ${t.theme}`)));
      screenshots.push(await shot(page, config, `${name(p)}-${t.theme}`));
    }
  }
  return { violations, screenshots, seen };
}

/** A tablet held upright (820x1180): the side navigation beside the page. */
export const TABLET = { width: 820, height: 1180 };

/**
 * Calls `visit(mode, width)` in light then dark (the mode saved through the
 * profile), each at desktop then phone width (or the `widths` given, name
 * and viewport); ends in Light mode.
 */
export async function inModesAndWidths(page, visit, widths = [["desktop", DESKTOP], ["phone", PHONE]]) {
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    for (const [width, viewport] of widths) {
      await page.setViewportSize(viewport);
      await visit(mode.toLowerCase(), width);
    }
  }
  await setMode(page, "Light");
}

/** An answer's text as it was streamed, read from the page: its lists (the
 * "- " lines the web app shows as bullets, src/ai/answerText.ts) back as
 * "- " lines, its blocks joined by the line breaks they stand for. */
export async function answerTextOf(answer) {
  return answer.locator(".answer-text").evaluate((el) =>
    [...el.childNodes]
      .filter((n) => !(n instanceof Element && n.classList.contains("caret")))
      .map((n) => (n.nodeName === "UL" ? [...n.children].map((li) => `- ${li.textContent}`).join("\n") : n.textContent))
      .join("\n"),
  );
}

/** A chart's text cut by its drawing's edge (an svg shows nothing outside
 * its box): each label and by how many px; for page.evaluate. "Nov 30"
 * under the last of 13 weekly bars showed as "Nov 3" at 390 px. */
export function clippedChartText() {
  return [...document.querySelectorAll("svg text")].flatMap((t) => {
    const svg = t.ownerSVGElement.getBoundingClientRect();
    const r = t.getBoundingClientRect();
    if (r.width === 0) return [];
    const cut = Math.max(svg.left - r.left, r.right - svg.right, svg.top - r.top, r.bottom - svg.bottom);
    return cut > 0.5 ? [`${t.textContent} by ${cut.toFixed(1)} px`] : [];
  });
}
