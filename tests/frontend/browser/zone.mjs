// The dashboards compute in the viewer's time zone: a browser context with
// its own `timezoneId` (Kolkata, Los Angeles) watched for the `timezone`
// every analytics request carries, the weeks its trend labels, the times its
// drill-down shows, and the URL it leaves shareable; and the filter bar's
// "Times in" list choosing another zone, by keyboard; see run.mjs.
import { settled } from "./dashboards.mjs";
import { axe, check, DESKTOP, heading, openFilters, PHONE_390, setMode, shot, signedIn } from "./lib.mjs";

const PAGES = [
  ["/", "Overview"],
  ["/dora/deployment-frequency", "Deployment frequency"],
  ["/dora/lead-time", "Lead time for changes"],
  ["/dora/recovery-time", "Failed deployment recovery time"],
  ["/engineering", "Engineering"],
  ["/work-items", "Work items"],
];

const analytics = (url) => {
  const u = new URL(url);
  return u.pathname.startsWith("/api/v1/analytics/") && u.pathname !== "/api/v1/analytics/settings" ? u : null;
};

/** Every analytics request's path and `timezone` (null: none) from now on (copy it to keep a stretch). */
function watch(page) {
  const seen = [];
  page.on("request", (r) => {
    const u = analytics(r.url());
    if (u) seen.push({ path: u.pathname, timezone: u.searchParams.get("timezone") });
  });
  return seen;
}

/** The filter bar's zone: the one computed in, the list's choice shown, the note beside it. */
const zoneBar = async (page) =>
  page.locator(".filter-zone").evaluate((bar) => ({
    zone: bar.dataset.zone,
    shown: bar.querySelector("select").selectedOptions[0]?.textContent ?? null,
    note: bar.querySelector(".filter-zone-note")?.textContent ?? null,
  }));

/** Is the text `reason` drawn within the first screen (on a phone the bar's own copy may be folded away). */
const onFirstScreen = async (page, reason) => {
  const height = page.viewportSize().height;
  for (const el of await page.getByText(reason).all()) {
    const box = (await el.isVisible()) ? await el.boundingBox() : null;
    if (box && box.height > 0 && box.y >= 0 && box.y + box.height <= height) return true;
  }
  return false;
};

/** In the page: is `iso` 00:00 on a Monday in `zone`, and its label there ("Sep 7"). */
const localWeekStart = (page, iso, zone) =>
  page.evaluate(
    ([iso, zone]) => {
      const d = new Date(iso);
      const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
      return { parts, label: d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: zone }) };
    },
    [iso, zone],
  );

async function weekTrend(page, zone, search = "") {
  const trend = page.waitForResponse((r) => {
    const u = analytics(r.url());
    return u?.pathname === "/api/v1/analytics/trends" && u.searchParams.get("granularity") === "week" && r.status() === 200;
  });
  const figure = page.waitForResponse((r) => analytics(r.url())?.pathname === "/api/v1/analytics/deployment-frequency" && r.status() === 200);
  await page.goto(`/dora/deployment-frequency${search}`);
  await heading(page, "Deployment frequency");
  const [points, { drilldown: deployments, weeks }] = [(await (await trend).json()).points, await (await figure).json()];
  await settled(page);
  // The first point starts with the range; the second is a whole week.
  const second = await localWeekStart(page, points[1].start, zone);
  await page.getByText("Deployment frequency by week: data table").click();
  const rows = page.getByRole("table", { name: "Deployment frequency by week", exact: true }).locator("tbody tr");
  const shownLabel = (await rows.nth(1).locator("td").first().textContent()).trim();
  const partialDays = points.filter((p) => p.partial).map((p) => p.days);
  // The distribution's weeks come as calendar days ("2026-11-23", a Monday
  // in the zone): each bar names that day (in New York it named the Sunday before).
  await page.getByText("Deployment days per week: data table").click();
  const distribution = page.getByRole("table", { name: "Deployment days per week", exact: true }).locator("tbody tr td:first-child");
  const weekLabels = { shown: (await distribution.allTextContents()).map((t) => t.trim()), expected: await page.evaluate((days) => days.map((d) => new Date(`${d}T12:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", weekday: "short", timeZone: "UTC" })), weeks.map((w) => w.start)) };
  // A drill-down time in the zone the figure was counted in.
  const first = deployments[0];
  const expectedWhen = first
    ? await page.evaluate(([iso, zone]) => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: zone }).format(new Date(iso)), [first.finished_at, zone])
    : null;
  const shownWhen = first ? (await page.getByRole("table", { name: "Deployments", exact: true }).locator("tbody tr").first().locator("td").first().textContent()).trim() : null;
  return { second, shownLabel, partialDays, expectedWhen, shownWhen, weekLabels };
}

async function inZone(browser, config, timezoneId, mode) {
  const { page, consoleErrors } = await signedIn(browser, config, { timezoneId });
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  if (mode !== "Light") await setMode(page, mode);
  const requests = watch(page);
  const bars = {};
  for (const [path, title] of PAGES) {
    await page.goto(path);
    await heading(page, title);
    await settled(page);
    bars[path] = await zoneBar(page);
  }
  const week = await weekTrend(page, browserZone);
  await page.goto("/");
  await heading(page, "Overview");
  await settled(page);
  await page.getByLabel("Period").selectOption("30");
  await settled(page);
  const url = new URL(page.url());
  const screenshot = await shot(page, config, `zone-${timezoneId.replace("/", "-").toLowerCase()}-${mode.toLowerCase()}`);
  if (mode !== "Light") await setMode(page, "Light");
  return { browserZone, requests, bars, week, search: url.search, screenshot, consoleErrors };
}

/** A zone chosen in the URL wins and stays in it; one the API refuses falls back to UTC. */
async function chosenAndRefused(browser, config) {
  const { page, consoleErrors } = await signedIn(browser, config, { timezoneId: "Asia/Kolkata" });
  // The sign-in's own overview asks in the browser's zone: let it finish
  // first (under load its requests went out after the watch began).
  await settled(page);
  let requests = watch(page);
  await page.goto("/?timezone=Europe/Berlin");
  await heading(page, "Overview");
  await settled(page);
  await page.getByRole("link", { name: "Lead time for changes" }).click();
  await heading(page, "Lead time for changes");
  await settled(page);
  const chosen = { requests: [...requests], bar: await zoneBar(page), search: new URL(page.url()).search };
  // An API whose zone data lacks the browser's zone answers 422 on `timezone`.
  await page.route("**/api/v1/analytics/**", async (route) => {
    const zone = new URL(route.request().url()).searchParams.get("timezone");
    if (!zone) return route.fallback();
    const problem = { type: "about:blank", title: "Unprocessable Content", status: 422, code: "validation_error", detail: "invalid value for: timezone", errors: [{ field: "timezone", message: "unknown time zone" }] };
    return route.fulfill({ status: 422, contentType: "application/problem+json", body: JSON.stringify(problem) });
  });
  requests = watch(page);
  await page.goto("/");
  await heading(page, "Overview");
  await settled(page);
  const refused = {
    requests,
    bar: await zoneBar(page),
    tiles: await page.locator(".tile-value").count(),
    errors: await page.locator(".state-error, [role='alert']").allTextContents(),
    screenshot: await shot(page, config, "zone-refused-light"),
  };
  return { chosen, refused, consoleErrors };
}

/** Tabs from the period list to the zone's, the way a keyboard user gets there (on a phone, the bar opened first). */
async function tabToZone(page) {
  await openFilters(page);
  await page.getByLabel("Period").focus();
  for (let tabs = 1; tabs <= 20; tabs++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement?.closest(".filter-zone") !== null)) return tabs;
  }
  throw new Error("the zone list is not reachable with Tab");
}

/**
 * Types `text` on the zone list reached by Tab (the type-ahead picks the
 * option), then waits for the URL and an answer in `zone`: the page's
 * network went idle once already, so settled() alone may not wait for
 * the requests the choice causes.
 */
async function chooseByKeyboard(page, text, url, zone) {
  await tabToZone(page);
  const answered = page.waitForResponse((r) => analytics(r.url())?.searchParams.get("timezone") === zone && r.status() === 200);
  await page.keyboard.type(text);
  await page.waitForURL(url);
  await answered;
  await settled(page);
}

/**
 * In Kolkata, the filter bar's list chooses UTC (in the URL, on every
 * request, UTC Mondays), reload keeps it, and "Your browser's" clears it;
 * by keyboard alone. Photographed and run through axe at 1280 and 390 px,
 * light and dark, with the link's unknown zone's note.
 */
export async function zonePicked({ browser, config, axeSource }) {
  const { page, consoleErrors } = await signedIn(browser, config, { timezoneId: "Asia/Kolkata" });
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await page.goto("/");
  await heading(page, "Overview");
  await settled(page);
  const before = await zoneBar(page);
  let requests = watch(page);
  await chooseByKeyboard(page, "UTC", /[?&]timezone=UTC(&|$)/, "UTC");
  const utc = { requests: [...requests], bar: await zoneBar(page), search: new URL(page.url()).search };
  const screenshots = [await shot(page, config, "zone-picked-utc-1280-light")];
  const violations = await axe(page, axeSource, "/ zone UTC light");
  requests = watch(page);
  const week = await weekTrend(page, "UTC", "?timezone=UTC");
  const weekRequests = [...requests];
  requests = watch(page);
  await page.reload();
  await heading(page, "Deployment frequency");
  await settled(page);
  const reloaded = { requests: [...requests], bar: await zoneBar(page), search: new URL(page.url()).search };
  await setMode(page, "Dark");
  await page.setViewportSize(PHONE_390);
  await page.goto("/?timezone=UTC");
  await heading(page, "Overview");
  await settled(page);
  await openFilters(page);
  screenshots.push(await shot(page, config, "zone-picked-utc-390-dark"));
  violations.push(...(await axe(page, axeSource, "/ zone UTC 390 dark")));
  requests = watch(page);
  await chooseByKeyboard(page, "Your", (u) => !u.searchParams.has("timezone"), browserZone);
  const back = { requests: [...requests], bar: await zoneBar(page), search: new URL(page.url()).search };
  // Text in the link that names no zone: not applied, and the bar says why.
  await page.goto("/?timezone=Mars/Olympus");
  await heading(page, "Overview");
  await settled(page);
  // Untouched, as first drawn: on a phone the note was inside the closed fold.
  const unknown = { ...(await zoneBar(page)), firstPaint: await onFirstScreen(page, "“Mars/Olympus” in the link is not applied") };
  screenshots.push(await shot(page, config, "zone-unknown-390-dark-first"));
  violations.push(...(await axe(page, axeSource, "/ zone unknown 390 dark folded")));
  await openFilters(page);
  screenshots.push(await shot(page, config, "zone-unknown-390-dark"));
  violations.push(...(await axe(page, axeSource, "/ zone unknown 390 dark")));
  await setMode(page, "Light");
  await page.goto("/?timezone=Mars/Olympus");
  await heading(page, "Overview");
  await settled(page);
  await openFilters(page);
  screenshots.push(await shot(page, config, "zone-unknown-390-light"));
  await page.setViewportSize(DESKTOP);
  await setMode(page, "Dark");
  await page.goto("/?timezone=Europe/Berlin");
  await heading(page, "Overview");
  await settled(page);
  screenshots.push(await shot(page, config, "zone-picked-berlin-1280-dark"));
  await setMode(page, "Light");
  return { browserZone, before, utc, week, weekRequests, reloaded, back, unknown, violations, screenshots, consoleErrors };
}

export async function viewerZone({ browser, config }) {
  const zones = {
    kolkata: await inZone(browser, config, "Asia/Kolkata", "Light"),
    losAngeles: await inZone(browser, config, "America/Los_Angeles", "Dark"),
  };
  check(Object.values(zones).every((z) => z.requests.length > 0), "analytics requests were seen");
  return { zones, ...(await chosenAndRefused(browser, config)) };
}
