// Browser scenarios, one exported function each; see run.mjs.
import { axe, captureTokens, check, eachPageInBothModes, heading, newPage, PHONE, quiet, setMode, shot, signedIn, signIn, theme } from "./lib.mjs";

const PAGES = [
  { path: "/", nav: "Overview", title: "Overview" },
  { path: "/profile", nav: "Profile", title: "Profile" },
  { path: "/admin/users", nav: "Users", title: "Users" },
];

/** First sign-in with the initial password: forced change, then the shell. */
export async function firstLogin({ browser, config, axeSource }) {
  const violations = [];
  const screenshots = [];
  for (const scheme of ["light", "dark"]) {
    const { page, context } = await newPage(browser, config, { colorScheme: scheme });
    await page.goto("/");
    await heading(page, "Sign in to Pulse");
    check((await theme(page)).theme === scheme, `sign-in page follows the system ${scheme} scheme`);
    violations.push(...(await axe(page, axeSource, `sign-in ${scheme}`)));
    screenshots.push(await shot(page, config, `sign-in-${scheme}`));
    await context.close();
  }
  const { page, context, consoleErrors } = await newPage(browser, config);
  const csp = (await page.goto("/")).headers()["content-security-policy"];
  await signIn(page, { tenant: config.tenant, email: config.email, password: "wrong-password-123" });
  const wrong = await page.getByRole("alert").textContent();
  await signIn(page, config);
  await heading(page, "Choose a new password");
  // The sign-in made this browser a trusted device: the cookie is stored, and the page cannot read it.
  const device = (await context.cookies()).find((c) => c.name === "pulse_device");
  const deviceCookie = device && { httpOnly: device.httpOnly, sameSite: device.sameSite, path: device.path };
  const pageSeesDevice = (await page.evaluate(() => document.cookie)).includes("pulse_device");
  violations.push(...(await axe(page, axeSource, "change-password light")));
  screenshots.push(await shot(page, config, "change-password-light"));
  await page.getByLabel("Current password").fill(config.password);
  await page.getByLabel("New password", { exact: true }).fill("short");
  const tooShort = await page.getByText("At least 12 characters.").isVisible();
  await page.getByLabel("New password", { exact: true }).fill(config.newPassword);
  await page.getByLabel("Repeat the new password").fill(config.newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await heading(page, "Overview");
  const badge = await page.locator(".tenant-badge").textContent();
  return { csp, wrongPasswordAlert: wrong, tooShortShown: tooShort, tenantBadge: badge, deviceCookie, pageSeesDevice, violations, screenshots, consoleErrors };
}

/** Every page in light and dark (axe + screenshots), keyboard use, phone width. */
export async function shell({ browser, config, axeSource }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  const { violations, screenshots, seen } = await eachPageInBothModes(page, config, axeSource, PAGES, {
    open: async (pg, p) => {
      await pg.getByRole("navigation", { name: "Main" }).getByRole("link", { name: p.nav }).click();
      await heading(pg, p.title);
      await quiet(pg);
    },
    record: async (_pg, _p, t) => t.background,
    // Apart from the data pages scenario's "overview-light" (same artifacts folder).
    name: (p) => `shell-${p.nav.toLowerCase()}`,
  });
  // The users page lists this admin.
  await page.goto("/admin/users");
  await page.getByRole("cell", { name: config.email }).waitFor();

  // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.goto("/");
  await heading(page, "Overview");
  await page.keyboard.press("Tab");
  const firstFocus = await page.evaluate(() => document.activeElement?.textContent?.trim());
  await page.keyboard.press("Enter");
  const afterSkip = await page.evaluate(() => document.activeElement?.id);
  // Tab from the top until the Profile link has focus, then follow it.
  await page.goto("/");
  await heading(page, "Overview");
  let reached = false;
  for (let i = 0; i < 15 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === "Profile");
  }
  check(reached, "Tab reaches the Profile link");
  await page.keyboard.press("Enter");
  await heading(page, "Profile");
  const keyboardPath = new URL(page.url()).pathname;

  // Phone width: navigation behind a menu button, nothing wider than the screen.
  const phone = await newPage(browser, config, { viewport: PHONE });
  await phone.page.goto("/");
  await signIn(phone.page, config);
  await heading(phone.page, "Overview");
  const nav = phone.page.getByRole("navigation", { name: "Main" });
  const navHiddenAtFirst = !(await nav.isVisible());
  const menu = phone.page.getByRole("button", { name: "Menu" });
  await menu.focus();
  await phone.page.keyboard.press("Enter");
  await nav.waitFor({ state: "visible" });
  screenshots.push(await shot(phone.page, config, "phone-menu-dark"));
  // Escape closes the open menu and gives focus back to its button.
  await phone.page.keyboard.press("Escape");
  const escapeClosesMenu = {
    hidden: await nav.waitFor({ state: "hidden", timeout: 10_000 }).then(() => true, () => false),
    expanded: await menu.getAttribute("aria-expanded"),
    focus: await phone.page.evaluate(() => document.activeElement?.textContent?.trim()),
  };
  if (escapeClosesMenu.hidden) {
    // Reopened from its button, which has focus again.
    await phone.page.keyboard.press("Enter");
    await nav.waitFor({ state: "visible" });
  }
  // Tab past the menu's last link: focus goes on into the page, so the menu
  // closes rather than cover what has focus (it stayed open over it).
  await nav.getByRole("link").last().focus();
  await phone.page.keyboard.press("Tab");
  const tabLeavesMenu = {
    hidden: await nav.waitFor({ state: "hidden", timeout: 10_000 }).then(() => true, () => false),
    expanded: await menu.getAttribute("aria-expanded"),
    // What is drawn at the focused element's centre is that element (or inside it).
    focusSeen: await phone.page.evaluate(() => {
      const f = document.activeElement;
      const r = f.getBoundingClientRect();
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return Boolean(top && (f === top || f.contains(top)));
    }),
    focus: await phone.page.evaluate(() => document.activeElement?.tagName),
  };
  if (tabLeavesMenu.hidden) {
    await menu.click();
    await nav.waitFor({ state: "visible" });
  }
  await nav.getByRole("link", { name: "Users" }).click();
  await heading(phone.page, "Users");
  // Measured with the table on screen (it is the widest thing on the page).
  await phone.page.getByRole("cell", { name: config.email }).waitFor();
  const overflow = await phone.page.evaluate(
    () => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth,
  );
  const wide = await phone.page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
  );
  screenshots.push(await shot(phone.page, config, "phone-users-dark"));
  violations.push(...(await axe(phone.page, axeSource, "phone users")));
  return { firstFocus, afterSkip, keyboardPath, navHiddenAtFirst, escapeClosesMenu, tabLeavesMenu, overflow, wide, seen, violations, screenshots, consoleErrors };
}

/** Dark mode chosen once is there on reload before the app's code runs, and on another device. */
export async function darkPersists({ browser, config }) {
  const { page, context } = await newPage(browser, config, { colorScheme: "light" });
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  await setMode(page, "Dark");
  // Without the app's JavaScript, only the blocking theme script can set the mode.
  await page.route("**/assets/*.js", (route) => route.abort());
  await page.reload();
  const beforeApp = await theme(page);
  await page.unroute("**/assets/*.js");
  await page.reload();
  await heading(page, "Profile"); // still signed in, same page (refresh cookie)
  const afterReload = await theme(page);
  const radioChecked = await page.getByRole("radio", { name: "Dark" }).isChecked();
  await context.close();
  // A new browser (nothing stored) gets the mode from the API at sign-in.
  const other = await newPage(browser, config, { colorScheme: "light" });
  await other.page.goto("/");
  const beforeSignIn = await theme(other.page);
  await signIn(other.page, config);
  await heading(other.page, "Overview");
  await other.page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  const otherDevice = await theme(other.page);
  return { beforeApp, afterReload, radioChecked, beforeSignIn, otherDevice };
}

/** An expired token is renewed without losing the page; an ended session asks again in place. */
export async function sessionExpiry({ browser, config }) {
  const { page } = await newPage(browser, config);
  const tokens = captureTokens(page);
  const refreshes = [];
  page.on("response", (r) => {
    if (r.url().endsWith("/api/v1/auth/refresh")) refreshes.push(r.status());
  });
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  await page.getByRole("link", { name: "Users" }).click();
  await heading(page, "Users");
  const invite = page.getByRole("form", { name: "Invite a user" }).getByLabel("Email");

  // (a) The server says the token expired: one refresh, the request is replayed.
  let answered401 = false;
  await page.route("**/api/v1/users", async (route) => {
    if (!answered401 && route.request().method() === "POST") {
      answered401 = true;
      await route.fulfill({
        status: 401,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "x", title: "Unauthenticated", status: 401, code: "unauthenticated", detail: "token expired" }),
      });
    } else await route.continue();
  });
  await invite.fill(`first-${Date.now()}@example.com`);
  await page.getByRole("button", { name: "Invite" }).click();
  await page.getByRole("status").filter({ hasText: "Invited" }).waitFor();
  const afterReplay = { answered401, refreshes: [...refreshes] };

  // (b) The session ends on the server (signed out elsewhere): the page stays, a dialog asks again.
  const token = tokens.at(-1);
  const out = await page.request.post("/api/v1/auth/logout", { headers: { Authorization: `Bearer ${token}` } });
  check(out.status() === 204, `logout elsewhere answered ${out.status()}`);
  const draft = `second-${Date.now()}@example.com`;
  await invite.fill(draft);
  await page.getByRole("button", { name: "Invite" }).click();
  const dialog = page.getByRole("dialog", { name: "Sign in again" });
  await dialog.waitFor();
  await shot(page, config, "session-ended-dialog-light");
  const underDialog = await invite.inputValue();
  await signIn(page, config, dialog);
  await dialog.waitFor({ state: "detached" });
  const afterSignIn = await invite.inputValue();
  await page.getByRole("button", { name: "Invite" }).click();
  await page.getByRole("status").filter({ hasText: draft }).waitFor();
  return { afterReplay, draft, underDialog, afterSignIn, url: new URL(page.url()).pathname };
}

/** An invited viewer sets a password from the link, signs in and cannot reach admin pages. */
export async function viewer({ browser, config }) {
  const admin = await newPage(browser, config);
  await admin.page.goto("/");
  await signIn(admin.page, config);
  await heading(admin.page, "Overview");
  await admin.page.goto("/admin/users");
  await heading(admin.page, "Users");
  const email = `viewer-${Date.now()}@example.com`;
  const form = admin.page.getByRole("form", { name: "Invite a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Role").selectOption("viewer");
  await admin.page.getByRole("button", { name: "Invite" }).click();
  const link = await admin.page.getByLabel("Set-password link").inputValue();
  await admin.page.getByRole("cell", { name: email, exact: true }).waitFor();
  const statusOf = (page) => page.getByRole("row").filter({ hasText: email }).getByRole("cell").nth(2).textContent();
  const statusInvited = await statusOf(admin.page);
  // The same email again: the API's 409 names the field, shown under Email.
  const emailField = form.getByLabel("Email");
  await emailField.fill(email);
  await admin.page.getByRole("button", { name: "Invite" }).click();
  await admin.page.locator('[aria-invalid="true"]').first().waitFor();
  const takenId = await emailField.getAttribute("aria-describedby");
  const taken = takenId ? await admin.page.locator(`[id="${takenId}"]`).textContent() : null;

  const v = await newPage(browser, config);
  await v.page.goto(link);
  await heading(v.page, "Set your password");
  const password = "viewer-password-12345";
  await v.page.getByLabel("New password", { exact: true }).fill(password);
  await v.page.getByLabel("Repeat the new password").fill(password);
  await v.page.getByRole("button", { name: "Set password" }).click();
  await heading(v.page, "Password set");
  await admin.page.reload();
  await admin.page.getByRole("cell", { name: email, exact: true }).waitFor();
  const statusAfter = await statusOf(admin.page);
  const fragmentGone = !v.page.url().includes("token=");
  await v.page.getByRole("link", { name: "sign in" }).click();
  await signIn(v.page, { tenant: config.tenant, email, password });
  await heading(v.page, "Overview");
  const navLabels = await v.page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents();
  await v.page.goto("/admin/users");
  await heading(v.page, "Not allowed");
  // The API refuses too, whatever the page shows.
  const tokens = await v.page.evaluate(async () => (await fetch("/api/v1/auth/refresh", { method: "POST" })).json());
  const api = await v.page.request.get("/api/v1/users", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  const apiCode = (await api.json()).code;
  // Sign out ends the session: a reload does not bring it back.
  await v.page.getByRole("button", { name: "Sign out" }).click();
  await heading(v.page, "Sign in to Pulse");
  await v.page.reload();
  await heading(v.page, "Sign in to Pulse");
  const refreshAfterSignOut = (await v.page.request.post("/api/v1/auth/refresh")).status();
  return { link, fragmentGone, navLabels, apiStatus: api.status(), apiCode, refreshAfterSignOut, taken, statusInvited, statusAfter };
}

/** A submit refused by the API, from the keyboard: focus lands on the first field to correct. */
export async function refusedSubmitFocus({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  await page.goto("/admin/providers");
  await heading(page, "AI providers");
  const form = page.getByRole("form", { name: "Add a provider" });
  await form.getByLabel("Model", { exact: true }).fill("m1");
  // Name and Base URL left empty; the button is reached and pressed from the keyboard.
  await form.getByRole("button", { name: "Add provider" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll('form input[aria-invalid="true"]').length >= 2);
  const focused = await page.evaluate(() => {
    const a = document.activeElement;
    return { label: a?.labels?.[0]?.textContent ?? a?.tagName, invalid: a?.getAttribute("aria-invalid") };
  });
  const screenshot = await shot(page, config, "provider-form-refused-focus-light");
  const fieldErrors = await form.locator(".field-error").allInnerTexts();
  // No provider yet: nothing to rotate.
  const rotate = await page.getByRole("button", { name: "Rotate credentials" }).count();
  // Errors 422 are expected here ("Failed to load resource" is not collected).
  return { focused, screenshot, consoleErrors, fieldErrors, rotate };
}
