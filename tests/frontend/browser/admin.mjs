// Admin page scenarios (see run.mjs): every admin page with real data in
// light and dark, the actions on them, and a viewer kept out.
import { crc32, deflateSync } from "node:zlib";
import { axe, check, DESKTOP, eachPageInBothModes, heading, PHONE, quiet, setMode, shot, signedIn } from "./lib.mjs";

const PAGES = [
  { path: "/admin/branding", nav: "Branding", title: "Branding", ready: (p) => p.getByLabel("Primary colour", { exact: true }) },
  { path: "/admin/providers", nav: "AI providers", title: "AI providers", ready: (p) => p.getByRole("cell", { name: /^gateway-main/ }) },
  { path: "/admin/integrations", nav: "Integrations", title: "Integrations", ready: (p) => p.getByRole("cell", { name: "HTTP 429 from Jira" }) },
  { path: "/admin/logs", nav: "Logs", title: "Logs", ready: (p) => p.getByRole("region", { name: "Log events" }).locator("tbody tr").first() },
  { path: "/admin/ml", nav: "ML monitoring", title: "ML monitoring", ready: (p) => p.getByRole("cell", { name: "lead-time", exact: true }) },
];

/** A real 4×4 PNG (the server judges an upload by its content). */
function png() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(4, 0);
  ihdr.writeUInt32BE(4, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.from([0, ...Array(4).fill([200, 40, 90]).flat()]);
  const raw = Buffer.concat(Array(4).fill(row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const bg = (locator) => locator.evaluate((e) => getComputedStyle(e).backgroundColor);

async function branding(page) {
  await page.goto("/admin/branding");
  await heading(page, "Branding");
  // Navigations inside the app keep this mark; a reload would drop it.
  await page.evaluate(() => (window.__sameDocument = true));
  const topbar = page.locator(".topbar");
  const topbarBefore = await bg(topbar);
  const form = page.getByRole("form", { name: "Colours" });
  // A pale primary: the live preview follows at once and the contrast warning shows.
  await form.getByLabel("Primary colour", { exact: true }).fill("#FFEE88");
  await form.getByLabel("Secondary colour (top bar)", { exact: true }).fill("#7A1FA2");
  const warning = await page.getByRole("status").filter({ hasText: "Contrast warning" }).textContent();
  const previewBar = await bg(page.locator(".brand-preview-light .brand-preview-bar"));
  await form.getByLabel("Primary colour", { exact: true }).fill("#1F6FEB");
  const saved = page.waitForResponse((r) => r.url().endsWith("/api/v1/settings/branding") && r.request().method() === "PUT");
  await form.getByRole("button", { name: "Save colours" }).click();
  check((await saved).status() === 200, "saving the colours");
  await page.waitForFunction((before) => getComputedStyle(document.querySelector(".topbar")).backgroundColor !== before, topbarBefore);
  const topbarAfter = await bg(topbar);

  const logoForm = page.getByRole("form", { name: "Logo" });
  await logoForm.getByLabel("Logo file").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png() });
  await logoForm.getByRole("button", { name: "Upload logo" }).click();
  await page.getByRole("status").filter({ hasText: "Logo uploaded." }).waitFor();
  await page.waitForFunction(() => getComputedStyle(document.querySelector(".topbar .brand-logo")).backgroundImage.startsWith('url("data:image/png'));
  const logo = await page.locator(".topbar .brand-logo").evaluate((e) => getComputedStyle(e).backgroundImage.slice(0, 40));
  const sameDocument = await page.evaluate(() => window.__sameDocument === true);

  await logoForm.getByRole("button", { name: "Remove logo" }).click();
  await form.getByRole("button", { name: "Reset to the platform default" }).click();
  await page.waitForFunction((before) => getComputedStyle(document.querySelector(".topbar")).backgroundColor === before, topbarBefore);
  const afterReset = await bg(topbar);
  return { topbarBefore, topbarAfter, previewBar, warning, logo, sameDocument, afterReset };
}

async function providers(page, config) {
  await page.goto("/admin/providers");
  await heading(page, "AI providers");
  const row = await page.getByRole("row").filter({ hasText: "gateway-main" }).textContent();
  // The seeded provider has a stored key: there is something to rotate.
  const rotate = await page.getByRole("button", { name: "Rotate credentials" }).count();
  const form = page.getByRole("form", { name: "Add a provider" });
  await form.getByLabel("Name", { exact: true }).fill("Bad Name!");
  await form.getByLabel("Base URL").fill("not a url");
  await form.getByLabel("Model", { exact: true }).fill("m1");
  await form.getByRole("button", { name: "Add provider" }).click();
  const baseUrl = form.getByLabel("Base URL");
  await page.waitForFunction(() => document.querySelectorAll('form input[aria-invalid="true"]').length >= 2);
  const baseUrlInvalid = await baseUrl.getAttribute("aria-invalid");
  const errId = await baseUrl.getAttribute("aria-describedby");
  const baseUrlError = await page.locator(`[id="${errId}"]`).textContent();
  const nameErrId = await form.getByLabel("Name", { exact: true }).getAttribute("aria-describedby");
  const nameError = await page.locator(`[id="${nameErrId}"]`).textContent();
  // Each problem once, by its field: no "invalid value for: ..." below the form.
  const formErrors = await form.locator(".form-error").allTextContents();
  // The form with the API's field errors, worded for people (not a regex).
  const errorsShot = await shot(page, config, "admin-providers-errors-light");

  // A valid one is added, then deleted; the seeded one answers a connection test.
  await form.getByLabel("Name", { exact: true }).fill("spare");
  await form.getByLabel("Base URL").fill("http://127.0.0.1:9/v1");
  await form.getByRole("button", { name: "Add provider" }).click();
  await page.getByRole("cell", { name: /^spare/ }).waitFor();
  const seededRow = page.getByRole("row").filter({ hasText: "gateway-main" });
  await seededRow.getByRole("button", { name: /Test connection/ }).click();
  const probe = await seededRow.getByRole("status").filter({ hasText: / in \d+ ms/ }).textContent();
  const edit = await editProvider(page, seededRow);
  const spare = page.getByRole("row").filter({ hasText: "spare" });
  await spare.getByRole("button", { name: /^Delete/ }).click();
  await spare.getByRole("button", { name: /Confirm delete/ }).click();
  await page.getByRole("cell", { name: /^spare/ }).waitFor({ state: "detached" });
  const embedding = await embeddingProvider(page, config);
  return { row, rotate, baseUrlInvalid, baseUrlError, nameError, formErrors, errorsShot, probe, edit, deleted: true, embedding };
}

/** An embedding provider's dimensions and relevance cut-off are set in the
 * form (search uses a provider only of the collection's size), and an edit
 * shows them again. */
async function embeddingProvider(page, config) {
  const form = page.getByRole("form", { name: "Add a provider" });
  const before = await form.getByLabel("Dimensions").count();
  await form.getByLabel("Type").selectOption("embedding");
  await form.getByLabel("Name", { exact: true }).fill("wide-emb");
  await form.getByLabel("Base URL").fill("http://127.0.0.1:9/v1");
  await form.getByLabel("Model", { exact: true }).fill("embed-large");
  await form.getByLabel("Dimensions").fill("1536");
  await form.getByLabel(/Relevance cut-off/).fill("0.4");
  const shotPath = await shot(page, config, "admin-providers-embedding-light");
  await form.getByRole("button", { name: "Add provider" }).click();
  const row = page.getByRole("row").filter({ hasText: "wide-emb" });
  await row.waitFor();
  await row.getByRole("button", { name: /^Edit/ }).click();
  const edit = page.getByRole("form", { name: "Edit wide-emb" });
  const shown = { dimensions: await edit.getByLabel("Dimensions").inputValue(), minScore: await edit.getByLabel(/Relevance cut-off/).inputValue() };
  await edit.getByRole("button", { name: "Cancel" }).click();
  await row.getByRole("button", { name: /^Delete/ }).click();
  await row.getByRole("button", { name: /Confirm delete/ }).click();
  await row.waitFor({ state: "detached" });
  return { before, shown, shot: shotPath };
}

/** The row's Edit opens the routing form filled in; the API's field errors show by field; a save updates the row. */
async function editProvider(page, row) {
  await row.getByRole("button", { name: /^Edit/ }).click();
  const form = page.getByRole("form", { name: "Edit gateway-main" });
  const filled = { model: await form.getByLabel("Model", { exact: true }).inputValue(), key: await form.getByLabel(/New API key/).inputValue() };
  // The form moves focus to its first field on the next animation frame:
  // wait for focus to land in a form (a slow machine may not be there yet),
  // then say which form (null if none, which the test reports).
  await page.waitForFunction(() => document.activeElement?.closest("form") != null, null, { timeout: 5000 }).catch(() => {});
  const focused = await page.evaluate(() => document.activeElement?.closest("form")?.getAttribute("aria-labelledby") ?? null);
  const priority = form.getByLabel("Priority (0–1000)");
  await priority.fill("5000");
  await form.getByLabel("Read timeout (s)").fill("-1");
  await form.getByRole("button", { name: "Save changes" }).click();
  await page.waitForFunction(() => document.querySelectorAll('form input[aria-invalid="true"]').length >= 2);
  const errorOf = async (field) => page.locator(`[id="${await field.getAttribute("aria-describedby")}"]`).textContent();
  const errors = { priority: await errorOf(priority), read: await errorOf(form.getByLabel("Read timeout (s)")) };
  await priority.fill("7");
  await form.getByLabel("Read timeout (s)").fill("30");
  await form.getByLabel("Model", { exact: true }).fill("gpt-next");
  await form.getByRole("button", { name: "Save changes" }).click();
  await form.waitFor({ state: "detached" });
  const updated = page.getByRole("row").filter({ hasText: "gateway-main" });
  await updated.getByText("gpt-next").waitFor();
  return { filled, focused, errors, row: await updated.textContent() };
}

async function ml(page) {
  await page.goto("/admin/ml");
  await heading(page, "ML monitoring");
  const alerts = page.getByRole("region", { name: "Alerts table" });
  const first = alerts.getByRole("row").filter({ hasText: "high" });
  await first.getByRole("button", { name: /Acknowledge/ }).click();
  // Open alerts only: the acknowledged one leaves the list; all alerts show who acknowledged.
  await alerts.getByRole("row").filter({ hasText: "high" }).waitFor({ state: "detached" });
  await page.getByLabel("Only unacknowledged").uncheck();
  const acknowledged = await alerts.getByRole("row").filter({ hasText: "high" }).getByText(/^Acknowledged/).textContent();
  const accuracy = await page.getByRole("region", { name: "Accuracy table" }).textContent();
  return { acknowledged, accuracy };
}

async function logs(page, config) {
  await page.goto("/admin/logs");
  await heading(page, "Logs");
  const rows = page.getByRole("region", { name: "Log events" }).locator("tbody tr");
  await rows.first().waitFor();
  const initialRows = await rows.count();
  await page.getByLabel("Live tail").check();
  await page.getByRole("status").filter({ hasText: "Live:" }).waitFor();
  const beforeLive = await rows.count();
  // Something happens in the tenant meanwhile: a failed sign-in is logged.
  await page.request.post("/api/v1/auth/login", { data: { tenant: config.tenant, email: config.email, password: "not-the-password-1" } });
  await page.waitForFunction((n) => document.querySelectorAll('[aria-label="Log events"] tbody tr').length > n, beforeLive);
  const afterLive = await rows.count();
  // On a phone the details keep a readable width instead of wrapping one
  // character a line: a row of their own under their event (a column of
  // their own on a desktop), found by their class in either layout.
  await page.setViewportSize(PHONE);
  // The stacked rows replace the desktop's once the width is seen (a media
  // query's listener, then a render): measuring before would find a cell on
  // its way out of the document (width 0).
  const phoneDetails = page.locator('[aria-label="Log events"] tbody tr.log-details td.break').first();
  await phoneDetails.waitFor();
  const phoneDetailsWidth = await phoneDetails.evaluate((td) => td.getBoundingClientRect().width);
  await page.setViewportSize(DESKTOP);
  await page.getByLabel("Live tail").uncheck();
  // Waiting is set up before the change: a fast answer could otherwise come
  // before the wait begins and be missed (CI saw that once).
  const filtered = page.waitForResponse((r) => r.url().includes("/api/v1/logs?") && r.url().includes("level=warning"));
  await page.getByLabel("Minimum level").selectOption("warning");
  await filtered;
  await page.waitForLoadState("networkidle");
  const filteredLevels = await page.locator('[aria-label="Log events"] tbody tr td:nth-child(2)').allTextContents();
  return { initialRows, live: true, beforeLive, afterLive, phoneDetailsWidth, filteredLevels };
}

/** Each admin page in light and dark with real rows (axe, screenshots), then what each page does. */
export async function adminPages({ browser, config, axeSource }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const { violations, screenshots, seen } = await eachPageInBothModes(page, config, axeSource, PAGES, {
    open: async (pg, p) => {
      await pg.getByRole("navigation", { name: "Main" }).getByRole("link", { name: p.nav, exact: true }).click();
      await heading(pg, p.title);
      await p.ready(pg).waitFor();
      await quiet(pg);
    },
    record: (pg) => bg(pg.locator(".card").first()),
    name: (p) => `admin-${p.path.split("/").at(-1)}`,
  });
  await setMode(page, "Light");
  const result = { seen, violations, screenshots, consoleErrors };
  result.branding = await branding(page);
  result.providers = await providers(page, config);
  result.integrations = await page.goto("/admin/integrations").then(async () => {
    await heading(page, "Integrations");
    return page.getByRole("region", { name: "Sync jobs of jira-main" }).textContent();
  });
  result.ml = await ml(page);
  result.logs = await logs(page, config);
  // The forms with their errors and warnings shown are checked by axe too.
  violations.push(...(await axe(page, axeSource, "logs filtered light")));
  // No ETL serves this tenant: the jobs page says so with the API's problem detail.
  await page.goto("/admin/etl");
  await heading(page, "ETL jobs");
  result.etlError = await page.getByRole("alert").textContent({ timeout: 30_000 });
  result.etlRetry = await page.getByRole("alert").getByRole("button", { name: "Retry" }).isVisible();
  violations.push(...(await axe(page, axeSource, "/admin/etl error light")));
  // With no job list there is nothing live to update: the page must not say
  // "Live: progress updates as the jobs run." over the error (nor after its socket opened).
  await page.waitForLoadState("networkidle");
  result.etlLiveNote = await page.locator(".live-note").textContent();
  screenshots.push(await shot(page, config, "admin-etl-unreachable-light"));
  await setMode(page, "Dark");
  await page.goto("/admin/etl");
  await page.getByRole("alert").waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  result.etlLiveNoteDark = await page.locator(".live-note").textContent();
  screenshots.push(await shot(page, config, "admin-etl-unreachable-dark"));
  await setMode(page, "Light");
  return result;
}

/** A viewer sees no admin, search or assistant link, and each such address says "Not allowed". */
export async function viewerAdmin({ browser, config, axeSource }) {
  const { page } = await signedIn(browser, config);
  const navLabels = await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents();
  const blocked = [];
  const why = {};
  const violations = [];
  for (const path of config.paths) {
    await page.goto(path);
    await heading(page, "Not allowed");
    blocked.push(path);
    why[path] = await page.getByRole("alert").textContent();
  }
  violations.push(...(await axe(page, axeSource, "viewer /assistant light")));
  await shot(page, config, "viewer-assistant-not-allowed-light");
  const tokens = await page.evaluate(async () => (await fetch("/api/v1/auth/refresh", { method: "POST" })).json());
  const api = {};
  for (const path of ["/api/v1/ai-providers", "/api/v1/logs", "/api/v1/integrations", "/api/v1/ml/alerts", "/api/v1/etl/jobs", "/api/v1/search?q=x"]) {
    api[path] = (await page.request.get(path, { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status();
  }
  return { navLabels, blocked, why, violations, api };
}
