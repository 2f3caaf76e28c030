// The ETL jobs page against a real tenant ETL (tests/frontend/etl.py): "Run"
// starts a sync and the bar and ETA move over the WebSocket; see run.mjs.
import { axe, check, heading, newPage, PHONE, setMode, shot, signedIn, signIn } from "./lib.mjs";

/** Samples the job card in the page every 25 ms, keeping each distinct reading. */
function sampleCard(integration) {
  window.__samples = [];
  window.__sampler = setInterval(() => {
    const bar = document.querySelector(`progress[aria-label="Progress of ${integration}"]`);
    const card = bar?.closest("section");
    if (!bar || !card) return;
    const s = {
      value: bar.hasAttribute("value") ? Number(bar.getAttribute("value")) : null,
      max: bar.hasAttribute("max") ? Number(bar.getAttribute("max")) : null,
      text: bar.nextElementSibling?.textContent ?? "",
      state: card.querySelector(".badge")?.textContent ?? "",
      eta: [...card.querySelectorAll("p")].map((p) => p.textContent).find((t) => t.includes("ETA")) ?? null,
    };
    const last = window.__samples.at(-1);
    if (!last || JSON.stringify(last) !== JSON.stringify(s)) window.__samples.push(s);
  }, 25);
}

async function overflow(page) {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

/** What a person sees of a job's action button: its text, whether it is busy or disabled, and why. */
async function buttonState(button) {
  return button.evaluate((b) => {
    const why = b.getAttribute("aria-describedby");
    const style = getComputedStyle(b);
    return {
      text: b.textContent,
      busy: b.getAttribute("aria-busy"),
      disabled: b.disabled || b.getAttribute("aria-disabled") === "true",
      reason: why ? (document.getElementById(why)?.textContent ?? null) : null,
      opacity: style.opacity,
      cursor: style.cursor,
    };
  });
}

/**
 * "Run" again on a failed job's card, with real clicks. The start request
 * is held until the pending state has been read (then let through, to the
 * real ETL): the button must say it is starting, be busy and refuse a second
 * click with a reason, then the new run must show. A second click is
 * answered with the 409 the ETL gives to a start while a run goes: the card
 * must say it could not start, in words, and offer Run again.
 */
async function runAgain(page, config, card, name, screenshots) {
  const start = `**/api/v1/etl/jobs/${name}/start`;
  let starts = 0;
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(start, async (route) => {
    starts += 1;
    await held;
    await route.continue();
  });
  const run = card.getByRole("button", { name: `Run ${name}` });
  const idle = await buttonState(run);
  const attemptsBefore = await card.getByText(/^Last successful sync/).textContent();
  await run.click();
  const busy = card.locator("button[aria-busy='true']");
  await busy.waitFor({ timeout: 5_000 });
  const pending = await buttonState(busy);
  // A second click while it starts sends nothing more.
  await busy.click({ force: true });
  screenshots.push(await shot(page, config, "admin-etl-starting-light"));
  release();
  await busy.waitFor({ state: "detached" });
  // The new run shows: one more unsuccessful run (the source still refuses).
  await card.getByText(/· 2 unsuccessful runs/).waitFor({ timeout: 60_000 });
  await card.locator(".badge").filter({ hasText: /^failed$/ }).waitFor({ timeout: 60_000 });
  const after = await buttonState(run);
  const sent = starts;
  await page.unroute(start);

  // A start the API refuses (what a run already going gets).
  await page.route(start, (route) =>
    route.fulfill({
      status: 409,
      contentType: "application/problem+json",
      body: JSON.stringify({ type: "about:blank", title: "Conflict", status: 409, detail: `integration ${name} is already syncing on this replica`, code: "job_running" }),
    }),
  );
  await run.click();
  const alert = card.getByRole("alert");
  await alert.waitFor();
  const refused = { alert: await alert.textContent(), button: await buttonState(run) };
  screenshots.push(await shot(page, config, "admin-etl-start-refused-light"));
  await page.unroute(start);
  return { idle, attemptsBefore, pending, sent, after, refused };
}

/** Runs config.integration from the page and watches its progress until it ends. */
export async function etlProgress({ browser, config, axeSource }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  await page.goto("/admin/etl");
  await heading(page, "ETL jobs");
  await page.getByRole("status").filter({ hasText: "Live:" }).waitFor();
  const name = config.integration;
  const card = page.getByRole("region", { name, exact: true });
  const before = await card.locator(".badge").textContent();
  const violations = await axe(page, axeSource, "/admin/etl light");
  const screenshots = [await shot(page, config, "admin-etl-light")];
  await page.evaluate(sampleCard, name);

  await card.getByRole("button", { name: `Run ${name}` }).click();
  // Mid-run: running, some items done, fewer than estimated.
  await page.waitForFunction(() => window.__samples.some((s) => s.state === "running" && s.value > 0 && s.eta), null, { timeout: 60_000 });
  const midRun = await card.evaluate((e) => e.innerText);
  screenshots.push(await shot(page, config, "admin-etl-running-light"));
  violations.push(...(await axe(page, axeSource, "/admin/etl running light")));
  await card.locator(".badge").filter({ hasText: /^(succeeded|failed)$/ }).waitFor({ timeout: 120_000 });
  // The job is read again after its last event: the last-success line follows.
  await card.getByText(/^Last successful sync (?!never)/).waitFor();
  const samples = await page.evaluate(() => {
    clearInterval(window.__sampler);
    return window.__samples;
  });
  const final = {
    state: await card.locator(".badge").textContent(),
    text: await card.locator(".progress-line").innerText(),
    lastSuccess: await card.getByText(/^Last successful sync/).textContent(),
    buttons: await card.getByRole("button").allTextContents(),
  };
  screenshots.push(await shot(page, config, "admin-etl-done-light"));

  // A run that fails at its first request (config.failing's source refuses
  // it): the card says it failed and why, not "0 items · starting".
  const failing = page.getByRole("region", { name: config.failing, exact: true });
  await failing.getByRole("button", { name: `Run ${config.failing}` }).click();
  await failing.locator(".badge").filter({ hasText: /^failed$/ }).waitFor({ timeout: 60_000 });
  await failing.locator(".field-error").waitFor();
  const failed = {
    text: await failing.locator(".progress-line").innerText(),
    error: await failing.locator(".field-error").innerText(),
  };
  screenshots.push(await shot(page, config, "admin-etl-failed-light"));
  const rerun = await runAgain(page, config, failing, config.failing, screenshots);
  // "Last successful sync" means the same on the integrations page.
  await page.goto("/admin/integrations");
  await heading(page, "Integrations");
  const integration = page.getByRole("region", { name: new RegExp(`^${name} `) });
  const lastSync = await integration.getByText(/last successful sync/).textContent();
  screenshots.push(await shot(page, config, "admin-integrations-light"));

  await setMode(page, "Dark");
  await page.goto("/admin/etl");
  await heading(page, "ETL jobs");
  await card.getByText(/^Last successful sync (?!never)/).waitFor();
  const dark = await page.evaluate(() => document.documentElement.dataset.theme);
  violations.push(...(await axe(page, axeSource, "/admin/etl dark")));
  screenshots.push(await shot(page, config, "admin-etl-done-dark"));

  const phone = await newPage(browser, config, { viewport: PHONE });
  await phone.page.goto("/admin/etl");
  await signIn(phone.page, config);
  await heading(phone.page, "ETL jobs");
  await phone.page.getByRole("region", { name, exact: true }).getByText(/^Last successful sync (?!never)/).waitFor();
  const phoneOverflow = await overflow(phone.page);
  violations.push(...(await axe(phone.page, axeSource, "phone /admin/etl")));
  screenshots.push(await shot(phone.page, config, "phone-admin-etl-dark"));
  check(samples.length > 0, "the card was sampled");
  return { before, midRun, samples, final, failed, rerun, lastSync, dark, phoneOverflow, violations, screenshots, consoleErrors: [...consoleErrors, ...phone.consoleErrors] };
}
