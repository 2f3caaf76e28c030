// The journey's browser steps, one exported function each, run by
// tests/frontend/browser/run.mjs (PULSE_BROWSER_SCENARIOS names this file).
import { answerTextOf, captureTokens, check, heading, newPage, shot, signIn } from "../../frontend/browser/lib.mjs";

// The dashboards compute in the browser's zone; the journey's figures are
// computed over UTC days (tests/journey/expected.py), whatever the machine's zone.
const JOURNEY_ZONE = "UTC";

/** The new tenant's first admin: initial password, forced change, overview. */
export async function firstSignIn({ browser, config }) {
  const { page, consoleErrors } = await newPage(browser, config, { timezoneId: JOURNEY_ZONE });
  const tokens = captureTokens(page);
  await page.goto("/");
  await heading(page, "Sign in to Pulse");
  await signIn(page, config);
  await heading(page, "Choose a new password");
  await page.getByLabel("Current password").fill(config.password);
  await page.getByLabel("New password", { exact: true }).fill(config.newPassword);
  await page.getByLabel("Repeat the new password").fill(config.newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await overviewOrWhatInstead(page);
  const badge = await page.locator(".tenant-badge").textContent();
  const screenshot = await shot(page, config, "journey-overview");
  check(tokens.length > 0, "the app received an access token");
  return { tenantBadge: badge, screenshot, consoleErrors };
}

/** Waits for the overview; on failure says what the page shows instead. */
async function overviewOrWhatInstead(page) {
  try {
    await heading(page, "Overview");
  } catch (e) {
    const shown = (await page.locator("body").innerText()).slice(0, 1500);
    throw new Error(`no Overview heading at ${page.url()}; the page shows:\n${shown}`, { cause: e });
  }
}

/** Signs in with the chosen password: the overview, or the refusal shown. */
export async function signInAgain({ browser, config }) {
  const { page } = await newPage(browser, config, { timezoneId: JOURNEY_ZONE });
  await page.goto("/");
  await heading(page, "Sign in to Pulse");
  await signIn(page, config);
  const overview = page.getByRole("heading", { level: 1, name: "Overview" });
  const alert = page.getByRole("alert");
  await Promise.race([overview.waitFor(), alert.waitFor()]);
  if (await overview.isVisible()) return { overview: true, alert: null };
  return { overview: false, alert: await alert.textContent() };
}

/** The overview's DORA tiles once every panel has loaded: metric -> shown value and sample. */
export async function overviewTiles({ browser, config }) {
  const { page, consoleErrors } = await newPage(browser, config, { timezoneId: JOURNEY_ZONE });
  await page.goto("/");
  await heading(page, "Sign in to Pulse");
  await signIn(page, config);
  await overviewOrWhatInstead(page);
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => document.querySelectorAll(".tile-value").length > 0 && !document.querySelector(".state-loading, [aria-busy='true']"));
  const tiles = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll(".tile")].map((tile) => {
        const value = tile.querySelector(".tile-value");
        const sample = [...tile.querySelectorAll("p")].map((p) => p.textContent).find((t) => t.startsWith("Sample:"));
        return [value.dataset.metric, { value: value.textContent, sample: sample ?? null }];
      }),
    ),
  );
  const screenshot = await shot(page, config, "journey-overview-synced");
  return { tiles, screenshot, consoleErrors };
}

/** Signs in and opens one page of the app from the main menu. */
async function signedInAt(browser, config, menu, title, prepare = () => {}) {
  const { page, consoleErrors } = await newPage(browser, config, { timezoneId: JOURNEY_ZONE });
  prepare(page);
  await page.goto("/");
  await heading(page, "Sign in to Pulse");
  await signIn(page, config);
  await overviewOrWhatInstead(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: menu, exact: true }).click();
  await heading(page, title);
  return { page, consoleErrors };
}

/** Runs each integration's sync from the ETL jobs page, one after the
 * other, and keeps the etl.progress events the page's WebSocket received
 * until the job's card shows it finished. */
export async function syncOnEtlPage({ browser, config }) {
  const events = [];
  let tokens = [];
  const listen = (page) => {
    tokens = captureTokens(page);
    page.on("websocket", (ws) => {
      ws.on("framereceived", ({ payload }) => {
        let msg;
        try {
          msg = JSON.parse(String(payload));
        } catch {
          return;
        }
        if (msg.type === "etl.progress") events.push({ ...msg, wsUrl: ws.url() });
      });
    });
  };
  const { page, consoleErrors } = await signedInAt(browser, config, "ETL jobs", "ETL jobs", listen);
  page.setDefaultTimeout(60_000);
  try {
    return await syncIn(page, config, events, tokens, consoleErrors);
  } catch (err) {
    const shown = await page.locator("main").innerText().catch(() => "(no main)");
    throw new Error(`${err.message}\nat ${page.url()} the page showed:\n${shown}`);
  }
}

async function syncIn(page, config, events, tokens, consoleErrors) {
  await page.getByRole("status").filter({ hasText: "Live: progress updates" }).waitFor();
  const cards = {};
  const startedBy = {};
  for (const integration of config.integrations) {
    const card = page.getByRole("region", { name: integration });
    await card.locator(".badge").waitFor();
    const run = card.getByRole("button", { name: new RegExp(`^(Run|Resume run) ${integration}$`) });
    if (await run.count()) {
      await run.click();
      startedBy[integration] = "button";
    } else {
      // A job that never ran shows "queued" with no Run button: start it with
      // the request the button sends, from the page with the admin's token.
      const status = await page.evaluate(
        async ([name, token]) => (await fetch(`/api/v1/etl/jobs/${name}/start`, { method: "POST", headers: { Authorization: `Bearer ${token}` } })).status,
        [integration, tokens[tokens.length - 1]],
      );
      check(status === 202, `starting ${integration} answered ${status}`);
      startedBy[integration] = "api";
    }
    const badge = card.locator(".badge");
    await badge.filter({ hasText: /^(succeeded|failed|cancelled)$/ }).waitFor({ timeout: 300_000 });
    cards[integration] = {
      state: await badge.textContent(),
      progress: await card.locator(".progress-line span").textContent(),
    };
  }
  const screenshot = await shot(page, config, "journey-etl-jobs");
  return { events, cards, startedBy, screenshot, consoleErrors };
}

/** Search from its page: the shown groups and links, the mode shown, and
 * the API's answer the page received (its order). */
export async function searchPage({ browser, config }) {
  const { page, consoleErrors } = await signedInAt(browser, config, "Search", "Search");
  // The first query loads the offline embedding model in the backend.
  page.setDefaultTimeout(90_000);
  await page.getByRole("searchbox").fill(config.query);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/search");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const response = await answered;
  await page.locator(".result-group").first().waitFor();
  const groups = {};
  for (const group of await page.locator(".result-group").all()) {
    const name = (await group.locator("h2").textContent()).replace(/\s*\(\d+\)$/, "");
    groups[name] = await group.locator(".hit-head a, .hit-head .hit-title").allTextContents();
  }
  const screenshot = await shot(page, config, "journey-search");
  return {
    status: response.status(),
    api: await response.json(),
    mode: await page.locator(".search-mode").getAttribute("data-mode"),
    groups,
    q: new URL(page.url()).searchParams.get("q"),
    screenshot,
    consoleErrors,
  };
}

/** Asks the assistant from its page: the stream as the server sent it and
 * the answer as shown (text, tools used, citations, mode). */
export async function askOnPage({ browser, config }) {
  const { page, consoleErrors } = await signedInAt(browser, config, "Assistant", "Assistant");
  page.setDefaultTimeout(90_000);
  // Chromium drops a streamed body once the URL changes (?c= is set as the
  // answer starts): pass the response through a route to keep its bytes.
  let stream = "";
  let contentType = "";
  await page.route("**/api/v1/assistant/conversations/*/messages", async (route) => {
    const response = await route.fetch();
    stream = await response.text();
    contentType = response.headers()["content-type"];
    await route.fulfill({ response, body: stream });
  });
  await page.getByLabel("Your question").fill(config.question);
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByRole("article", { name: "Assistant's answer" });
  await answer.getByRole("button", { name: "Good answer" }).waitFor();
  const screenshot = await shot(page, config, "journey-assistant");
  return {
    contentType,
    stream,
    shownText: await answerTextOf(answer),
    steps: await answer.locator(".steps .item-text").allTextContents(),
    citations: await answer.locator(".citations li").allTextContents(),
    mode: await answer.locator(".answer-mode").getAttribute("data-mode"),
    screenshot,
    consoleErrors,
  };
}
