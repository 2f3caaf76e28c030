// The review of the assistant's corrections (README "Who a correction
// steers"): a member's correction waits for an admin on "Assistant
// corrections", who accepts it there; see run.mjs.
import { axe, check, heading, inModesAndWidths, newPage, quiet, shot, signIn } from "./lib.mjs";

/** Asks `question` on the assistant, gives a thumbs-down with `correction`;
 * returns the message the answer then shows. */
async function correct(page, question, correction) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Assistant", exact: true }).click();
  await heading(page, "Assistant");
  await page.getByLabel("Your question").fill(question);
  // The page keeps the earlier answers: this question's is the next one.
  const answers = page.getByRole("article", { name: "Assistant's answer" });
  const before = await answers.count();
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = answers.nth(before);
  await answer.getByRole("button", { name: "Bad answer" }).click();
  await answer.getByText("Thanks for the feedback.").waitFor();
  await answer.getByLabel("What should the answer have been?").fill(correction);
  // Saved is what the message says (the pytest reads the stored rows).
  await answer.getByRole("button", { name: "Send correction" }).click();
  const saved = answer.locator(".feedback-saved").filter({ hasText: "Correction saved" });
  await saved.waitFor();
  return (await saved.textContent()).trim();
}

async function signedInAs(browser, config, email, password) {
  const opened = await newPage(browser, config);
  // The first question loads the offline embedding model.
  opened.page.setDefaultTimeout(90_000);
  await opened.page.goto("/");
  await signIn(opened.page, { tenant: config.tenant, email, password });
  await heading(opened.page, "Overview");
  return opened;
}

const navLabels = (page) => page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents();

/** A row's cells by their column's name. */
const rowOf = (row) =>
  row.evaluate((tr) => {
    const names = [...tr.closest("table").querySelectorAll("thead th")].map((th) => th.textContent.trim());
    return Object.fromEntries([...tr.cells].map((td, i) => [names[i] || "Actions", td.innerText.trim()]));
  });

export async function correctionReview({ browser, config, axeSource }) {
  const member = await signedInAs(browser, config, config.memberEmail, config.memberPassword);
  const result = { memberSaved: await correct(member.page, config.question, config.memberCorrection) };
  // No link for a member, and a deep link says why.
  result.memberNav = await navLabels(member.page);
  await member.page.goto("/admin/corrections");
  await heading(member.page, "Not allowed");
  result.memberWhy = (await member.page.getByRole("alert").textContent()).trim();

  const { page, consoleErrors } = await signedInAs(browser, config, config.email, config.password);
  try {
    return await review(page, consoleErrors, member, result, config, axeSource);
  } catch (err) {
    // What the page showed when it failed: a screenshot and its text.
    await shot(page, config, "corrections-failure").catch(() => {});
    const shown = await page.locator("main").innerText().catch(() => "(no main)");
    throw new Error(`${err.message}\nat ${page.url()} the page showed:\n${shown}`);
  }
}

/** The admin's part: their own correction, then the review. */
async function review(page, consoleErrors, member, result, config, axeSource) {
  result.adminSaved = await correct(page, config.question, config.adminCorrection);
  result.adminNav = await navLabels(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Assistant corrections" }).click();
  await heading(page, "Assistant corrections");
  const pending = page.getByRole("region", { name: "Corrections waiting for review" });
  const decided = page.getByRole("region", { name: "Decided corrections" });
  const row = pending.getByRole("row").filter({ hasText: config.memberCorrection });
  await row.waitFor();
  await decided.getByRole("row").filter({ hasText: config.adminCorrection }).waitFor();
  result.pendingBefore = await pending.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.cells[1].innerText.trim()));
  result.pendingRow = await rowOf(row);

  const violations = [];
  const screenshots = [];
  await inModesAndWidths(page, async (mode, width) => {
    await page.goto("/admin/corrections");
    await heading(page, "Assistant corrections");
    await row.waitFor();
    await quiet(page);
    violations.push(...(await axe(page, axeSource, `corrections pending ${mode} ${width}`)));
    screenshots.push(await shot(page, config, `corrections-pending-${width}-${mode}`));
  });
  // It ends on the profile (Light saved there): back to the review, on a desktop.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/admin/corrections");
  await heading(page, "Assistant corrections");
  await row.waitFor();

  // A refusal is shown in the row, in the API's words, the row still there.
  await page.route("**/learning-memory/*/accept", (route) =>
    route.fulfill({ status: 404, contentType: "application/problem+json", body: JSON.stringify({ type: "about:blank", title: "Not Found", status: 404, code: "memory_not_found", detail: "no learning memory entry with id 999" }) }),
  );
  await row.getByRole("button", { name: /^Accept/ }).click();
  result.refusal = (await row.getByRole("alert").textContent()).trim();
  await page.unroute("**/learning-memory/*/accept");

  const accepted = page.waitForResponse((r) => r.url().endsWith("/accept") && r.request().method() === "POST");
  await row.getByRole("button", { name: /^Accept/ }).click();
  result.acceptStatus = (await accepted).status();
  await page.getByText("No corrections are waiting.").waitFor();
  result.announced = (await page.locator("main [role=status] .notice").textContent()).trim();
  const now = decided.getByRole("row").filter({ hasText: config.memberCorrection });
  await now.waitFor();
  result.decidedRow = await rowOf(now);
  await quiet(page);
  violations.push(...(await axe(page, axeSource, "corrections accepted light desktop")));
  screenshots.push(await shot(page, config, "corrections-accepted-desktop-light"));

  // A reviewer may change their mind: their own correction, rejected.
  const own = decided.getByRole("row").filter({ hasText: config.adminCorrection });
  const rejected = page.waitForResponse((r) => r.url().endsWith("/reject") && r.request().method() === "POST");
  await own.getByRole("button", { name: /^Reject/ }).click();
  result.rejectStatus = (await rejected).status();
  await own.locator(".badge").filter({ hasText: "Rejected" }).waitFor();
  result.ownRow = await rowOf(own);
  return { ...result, violations, screenshots, consoleErrors: [...consoleErrors, ...member.consoleErrors] };
}

/**
 * More decided corrections than one page of the API's (500): the list
 * stopped at the latest 500 with no way to see older ones. The decided list
 * is answered here (500, then 3 older at offset 500); returns the rows and
 * the line under them before and after "Show older corrections", at desktop
 * and phone width, with axe's findings.
 */
export async function olderCorrections({ browser, config, axeSource }) {
  const { page, consoleErrors } = await newPage(browser, config);
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  const entry = (i) => ({ id: 10_000 - i, user_id: 1, kind: "assistant_feedback", user_intent: `Question ${i + 1}?`, original_answer: null, user_feedback: "down", corrected_answer: `Correction ${i + 1}`, context: {}, active: true, review: "accepted", reviewed_by: 1, reviewed_at: "2026-01-02T10:00:00Z", created_at: "2026-01-01T10:00:00Z" });
  await page.route((url) => url.pathname === "/api/v1/ml/learning-memory", (route) => {
    const offset = Number(new URL(route.request().url()).searchParams.get("offset") ?? 0);
    const rows = Array.from({ length: offset === 0 ? 500 : 3 }, (_, i) => entry(offset + i));
    return route.fulfill({ json: rows });
  });
  const seen = {};
  const screenshots = [];
  const violations = [];
  const decided = page.getByRole("region", { name: "Decided corrections" });
  const state = async () => ({ rows: await decided.locator("tbody tr").count(), line: (await page.locator(".pager .muted").textContent()).trim(), more: await page.getByRole("button", { name: "Show older corrections" }).count() });
  for (const [width, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]]) {
    await page.setViewportSize(viewport);
    await page.goto("/admin/corrections");
    await heading(page, "Assistant corrections");
    await page.locator(".pager").waitFor();
    seen[`${width} before`] = await state();
    await page.locator(".pager").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${config.artifacts}/corrections-older-${width}-before.png` });
    screenshots.push(`${config.artifacts}/corrections-older-${width}-before.png`);
    violations.push(...(await axe(page, axeSource, `older corrections ${width}`)));
    await page.getByRole("button", { name: "Show older corrections" }).click();
    await decided.getByRole("row").filter({ hasText: "Correction 503" }).waitFor();
    seen[`${width} after`] = await state();
    await page.locator(".pager").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${config.artifacts}/corrections-older-${width}-after.png` });
    screenshots.push(`${config.artifacts}/corrections-older-${width}-after.png`);
  }
  return { seen, screenshots, violations, consoleErrors };
}
