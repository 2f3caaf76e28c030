// Browser scenarios of the Search and Assistant pages (issue 13); see run.mjs.
import { answerTextOf, axe, DESKTOP, eachPageInBothModes, heading, newPage, PHONE, setMode, shot, signedIn, signIn, theme } from "./lib.mjs";

/** Search finds a seeded PR with its link; the assistant answers (streamed,
 * cited, rated); both pages in light and dark with axe. */
export async function aiPages({ browser, config, axeSource }) {
  const { page, consoleErrors } = await newPage(browser, config);
  // The first search and the first question load the offline embedding model.
  page.setDefaultTimeout(90_000);
  try {
    return await aiPagesIn(page, consoleErrors, config, axeSource);
  } catch (err) {
    // What the page showed when it failed: a screenshot and its text.
    await shot(page, config, "ai-failure").catch(() => {});
    const shown = await page.locator("main").innerText().catch(() => "(no main)");
    throw new Error(`${err.message}\nat ${page.url()} the page showed:\n${shown}`);
  }
}

/** A numbered list of the answer (`ol.numbered`: the sources, the tools
 * used) as laid out: where each item's number and text start and end, and
 * the column its numbers must not cross (`column`'s left, else the list's). */
function numberedLayout({ list, column }) {
  const box = (e) => (e ? e.getBoundingClientRect() : null);
  const ol = document.querySelector(list);
  return {
    column: box(column ? document.querySelector(column) : ol).left,
    items: [...ol.querySelectorAll(":scope > li")].map((li) => ({
      numberLeft: box(li.querySelector(".item-n"))?.left ?? null,
      numberRight: box(li.querySelector(".item-n"))?.right ?? null,
      textLeft: box(li.querySelector(".item-text"))?.left ?? null,
    })),
  };
}

async function aiPagesIn(page, consoleErrors, config, axeSource) {
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  const violations = [];
  const screenshots = [];

  // Search, from the menu and the box: the query lands in the URL.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search", exact: true }).click();
  await heading(page, "Search");
  await page.getByRole("searchbox").fill(config.query);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const prs = page.getByRole("region", { name: /Pull requests/ });
  await prs.getByRole("link").first().waitFor();
  const searchUrl = new URL(page.url());
  const search = {
    q: searchUrl.searchParams.get("q"),
    links: await prs.getByRole("link").evaluateAll((as) => as.map((a) => ({ text: a.textContent, href: a.getAttribute("href") }))),
    groups: await page.locator(".result-group h2").allTextContents(),
    mode: await page.locator(".search-mode").getAttribute("data-mode"),
    // The page's own notice (the top bar's tenant badge is a note too).
    notice: (await page.getByRole("main").getByRole("note").count()) ? await page.getByRole("main").getByRole("note").textContent() : null,
  };
  // A query that matches nothing: the empty state says so, with what to try.
  await page.getByRole("searchbox").fill(config.nothing);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const empty = page.locator(".state-empty").filter({ hasText: "No results for" });
  await empty.waitFor();
  search.empty = { text: (await empty.innerText()).trim(), groups: await page.locator(".result-group").count() };
  search.emptyShot = await shot(page, config, "search-no-results");
  // A link whose query is longer than the API takes (the box stops at 500):
  // the refusal says why, not only "invalid value for: q".
  await page.goto(`/search?q=${"a".repeat(600)}`);
  await heading(page, "Search");
  search.tooLong = (await page.locator("main").getByRole("alert").innerText()).trim();

  // The assistant, local mode: watch the answer's stream as the server sent it.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Assistant", exact: true }).click();
  await heading(page, "Assistant");
  // The stream's bytes are kept by passing them through a route: Chromium
  // drops a response body once the URL changes (?c= is set as the answer starts).
  let body = "";
  let contentType = "";
  await page.route("**/api/v1/assistant/conversations/*/messages", async (route) => {
    const response = await route.fetch();
    body = await response.text();
    contentType = response.headers()["content-type"];
    await route.fulfill({ response, body });
  });
  await page.getByLabel("Your question").fill(config.question);
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByRole("article", { name: "Assistant's answer" });
  await answer.getByRole("button", { name: "Good answer" }).waitFor();
  const tokens = [...body.matchAll(/^event: token\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]).text);
  const assistant = {
    contentType,
    tokenEvents: tokens.length,
    streamedText: tokens.join(""),
    shownText: await answerTextOf(answer),
    steps: await answer.locator(".steps .item-text").allTextContents(),
    citations: await answer.locator(".citations a").evaluateAll((as) => as.map((a) => ({ text: a.textContent, href: a.getAttribute("href") }))),
    mode: await answer.locator(".answer-mode").getAttribute("data-mode"),
    url: new URL(page.url()).search,
  };

  // Headings in order below the h1, and one thing named "Your question".
  assistant.headings = await page.locator("main").locator("h1, h2, h3, h4, h5, h6").evaluateAll((hs) => hs.map((h) => `${h.tagName} ${h.textContent}`));
  assistant.namedQuestion = await page.getByLabel("Your question", { exact: true }).count();
  assistant.asked = await page.getByRole("article", { name: "You asked" }).count();

  // Thumbs down with a correction the API refuses (a NUL character): its
  // words under the box; then one it accepts.
  // By keyboard: the button keeps the focus while and after the rating is
  // sent (disabled while it was sent, it dropped the focus to the page's top).
  const focused = () => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent?.trim().slice(0, 40)}`);
  const rated = page.waitForResponse((r) => r.url().endsWith("/feedback"));
  await answer.getByRole("button", { name: "Bad answer" }).focus();
  await page.keyboard.press("Enter");
  await rated;
  await answer.getByText("Thanks for the feedback.").waitFor();
  const focusAfterRating = await focused();
  const box = answer.getByLabel("What should the answer have been?");
  await box.fill("count\u0000 only production");
  await answer.getByRole("button", { name: "Send correction" }).click();
  const refusal = answer.locator(".correction .field-error");
  await refusal.waitFor();
  const refused = { text: (await refusal.textContent()).trim(), formError: await answer.locator(".form-error").count() };
  refused.shot = await shot(page, config, "assistant-correction-refused");
  await box.fill(config.correction);
  // "Bad answer" already posted the rating alone: wait for the one carrying the correction.
  const fed = page.waitForResponse((r) => r.url().endsWith("/feedback") && Boolean(r.request().postDataJSON()?.correction));
  await answer.getByRole("button", { name: "Send correction" }).focus();
  await page.keyboard.press("Enter");
  const feedbackResponse = await fed;
  await answer.getByText("Correction saved").waitFor();
  const feedback = { status: feedbackResponse.status(), body: feedbackResponse.request().postDataJSON(), refused, focusAfterRating, focusAfterCorrection: await focused() };

  // A reload keeps the conversation (the id is in the URL; the transcript is the server's).
  await page.reload();
  await heading(page, "Assistant");
  await page.getByRole("article", { name: "Assistant's answer" }).getByRole("link").first().waitFor();
  const afterReload = {
    question: await page.getByRole("article", { name: "You asked" }).first().textContent(),
    citations: await page.locator(".citations a").count(),
  };
  // And so does leaving the page and coming back from the menu (sessionStorage).
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
  await heading(page, "Overview");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Assistant", exact: true }).click();
  await page.getByRole("article", { name: "You asked" }).first().waitFor();
  const fromMenu = await page.getByRole("article", { name: "You asked" }).count();

  const seen = {};
  const sources = {};
  for (const mode of ["Light", "Dark"]) {
    await setMode(page, mode);
    for (const [path, title] of [[`/search?q=${encodeURIComponent(config.query)}`, "Search"], [`/assistant${assistant.url}`, "Assistant"]]) {
      await page.goto(path);
      await heading(page, title);
      await page.locator(title === "Search" ? ".result-group" : ".citations").first().waitFor();
      await page.waitForLoadState("networkidle");
      const t = await theme(page);
      seen[`${title} ${t.theme}`] = t.background;
      violations.push(...(await axe(page, axeSource, `${title} ${t.theme}`)));
      if (title === "Assistant") sources[t.theme] = await page.evaluate(numberedLayout, { list: ".citations ol", column: ".citations h2" });
      screenshots.push(await shot(page, config, `${title.toLowerCase()}-${t.theme}`));
    }
  }
  return { search, assistant, feedback, afterReload, fromMenu, seen, sources, violations, screenshots, consoleErrors };
}

/** One event of the assistant's stream, as the server writes it. */
const event = (name, data) => `event: ${name}\ndata: ${JSON.stringify({ event: name, ...data })}\n\n`;

/** The page's next question answered with `body` (a stream played by a route). */
async function playAnswer(page, body) {
  await page.route("**/api/v1/assistant/conversations/*/messages", (route) =>
    route.request().method() === "POST" ? route.fulfill({ status: 200, headers: { "content-type": "text/event-stream" }, body }) : route.continue(),
  );
}

/** An answer of 12 tool steps and 12 sources (the stream the agent sends,
 * played by a route: local mode takes one step), at desktop and phone
 * width: the "Tools used" and "Sources" lists as laid out, and photographed. */
export async function longAnswer({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config, { viewport: DESKTOP });
  let body = "";
  for (let i = 1; i <= 12; i++) body += event("step", { tool: `tool_number_${i}`, arguments: {}, summary: `read ${i * 7} rows of the last 90 days` });
  body += event("token", { text: "Most production outages come from the payments service, then the web app." });
  for (let i = 1; i <= 12; i++) body += event("citation", { type: "repository", id: i, title: `acme/service-${i}`, url: `https://github.com/acme/service-${i}` });
  body += event("done", { mode: "local", provider: null, message_id: "00000000-0000-0000-0000-00000000000c" });
  await playAnswer(page, body);
  await page.goto("/assistant");
  await heading(page, "Assistant");
  await page.getByLabel("Your question").fill("Where do most of our outages come from?");
  await page.getByRole("button", { name: "Ask" }).click();
  await page.getByRole("article", { name: "Assistant's answer" }).getByRole("button", { name: "Good answer" }).waitFor();
  const layouts = {};
  const screenshots = [];
  for (const [width, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    await page.setViewportSize(viewport);
    layouts[width] = {
      steps: await page.evaluate(numberedLayout, { list: ".steps" }),
      sources: await page.evaluate(numberedLayout, { list: ".citations ol", column: ".citations h2" }),
    };
    screenshots.push(await shot(page, config, `assistant-long-answer-${width}`));
  }
  return { layouts, screenshots, consoleErrors };
}

/** Signed in at desktop width, `config.question` asked on the Assistant
 * page of the real backend: its answer, in. */
async function askedOfTheBackend(browser, config) {
  const { page, consoleErrors } = await signedIn(browser, config, { viewport: DESKTOP });
  // The first question loads the offline embedding model.
  page.setDefaultTimeout(90_000);
  await page.goto("/assistant");
  await heading(page, "Assistant");
  await page.getByLabel("Your question").fill(config.question);
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByRole("article", { name: "Assistant's answer" });
  await answer.getByRole("button", { name: "Good answer" }).waitFor();
  return { page, consoleErrors, answer };
}

/** A question local mode has no answer for, asked of the real backend: the
 * questions it can answer ("- " lines of its reply) shown as a list, at
 * desktop and phone width, photographed. */
export async function noAnswerList({ browser, config }) {
  const { page, consoleErrors, answer } = await askedOfTheBackend(browser, config);
  const text = answer.locator(".answer-text");
  const layouts = {};
  const screenshots = [];
  for (const [width, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    await page.setViewportSize(viewport);
    layouts[width] = await text.evaluate((div) => ({
      textLeft: div.getBoundingClientRect().left,
      lists: [...div.querySelectorAll(":scope > ul")].map((ul) => ({
        items: [...ul.querySelectorAll(":scope > li")].map((li) => ({ text: li.textContent, left: li.getBoundingClientRect().left, marker: getComputedStyle(li).listStyleType })),
      })),
    }));
    screenshots.push(await shot(page, config, `assistant-no-answer-${width}`));
  }
  return { shownText: await text.innerText(), layouts, screenshots, consoleErrors };
}

/** The search index status (admins): state, figures and the way out in
 * plain words; the re-index button queues every document and the queue's
 * figure follows; the page in light and dark with axe. */
export async function searchIndex({ browser, config, axeSource }) {
  const { page, consoleErrors } = await newPage(browser, config);
  try {
    await page.goto("/");
    await signIn(page, config);
    await heading(page, "Overview");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search index" }).click();
    await heading(page, "Search index");
    const state = page.locator("[data-state]");
    await state.waitFor();
    const figure = async (name) => (await page.locator(`[data-metric="${name}"]`).textContent()).trim();
    const before = {
      state: await state.getAttribute("data-state"),
      label: (await state.textContent()).trim(),
      wayOut: (await page.getByTestId("way-out").count()) ? (await page.getByTestId("way-out").textContent()).trim() : null,
      queued: await figure("queued"),
      vectorSize: await figure("vector-size"),
    };
    const done = page.waitForResponse((r) => r.url().endsWith("/api/v1/search/reindex"));
    await page.getByRole("button", { name: "Re-index all documents" }).click();
    const response = await done;
    const confirmation = page.getByRole("status").filter({ hasText: "queued for embedding" });
    await confirmation.waitFor();
    const body = await response.json();
    // The status is read again after the re-index: the figure follows.
    await page.waitForFunction((n) => document.querySelector('[data-metric="queued"]')?.textContent === n, String(body.queued));
    const reindex = {
      status: response.status(),
      body,
      shown: (await confirmation.textContent()).trim(),
      queued: await figure("queued"),
    };
    const modes = await eachPageInBothModes(page, config, axeSource, [{ path: "/admin/search-index" }], {
      open: async (p, { path }) => {
        await p.goto(path);
        await heading(p, "Search index");
        await p.locator("[data-state]").waitFor();
      },
      record: async (_p, _page, t) => t.background,
      name: () => "search-index",
    });
    return { before, reindex, consoleErrors, ...modes };
  } catch (err) {
    await shot(page, config, "search-index-failure").catch(() => {});
    const shown = await page.locator("main").innerText().catch(() => "(no main)");
    throw new Error(`${err.message}\nat ${page.url()} the page showed:\n${shown}`);
  }
}

/** The app paths of an answer's text as the page shows them: each link's
 * text, href, target and the links' count. */
function answerLinksOf(div) {
  return [...div.querySelectorAll("a")].map((a) => ({ text: a.textContent, href: a.getAttribute("href"), target: a.getAttribute("target") }));
}

/** An answer that points to a dashboard ("…the Deployment frequency
 * dashboard lists them all (/dora/deployment-frequency?days=90)"), asked of
 * the real backend: the path is a link, followed in the same page (the
 * router's navigation: the page's state survives, no reload). Then an answer
 * carrying what a Jira issue could inject (other origins, HTML, a page that
 * acts on its query), played by a route: none of it is a link. Photographed. */
export async function answerLinks({ browser, config }) {
  const { page, consoleErrors, answer } = await askedOfTheBackend(browser, config);
  const text = answer.locator(".answer-text");
  const shown = { text: await answerTextOf(answer), links: await text.evaluate(answerLinksOf) };
  const screenshots = [await shot(page, config, "assistant-dashboard-link")];
  // A full page load would lose this: only the router's navigation keeps it.
  await page.evaluate(() => {
    window.__sameDocument = true;
  });
  await text.getByRole("link").first().click();
  await page.waitForURL((u) => u.pathname !== "/assistant");
  // The dashboard drawn, not its "Loading…".
  await page.getByRole("heading", { level: 2, name: "Trend" }).waitFor();
  const url = new URL(page.url());
  const followed = {
    path: url.pathname,
    search: url.search,
    period: await page.getByLabel("Period").locator("option:checked").textContent(),
    sameDocument: await page.evaluate(() => window.__sameDocument === true),
    pages: page.context().pages().length,
  };
  screenshots.push(await shot(page, config, "assistant-dashboard-link-followed"));

  await playAnswer(page, event("token", { text: config.injected }) + event("done", { mode: "llm", provider: "test", message_id: "00000000-0000-0000-0000-00000000000d" }));
  await page.goto("/assistant");
  await heading(page, "Assistant");
  await page.getByLabel("Your question").fill("What did PAY-12 change?");
  await page.getByRole("button", { name: "Ask" }).click();
  // The reload restores the earlier answer (from the backend, a moment
  // later): only the played one carries its text.
  const injectedAnswer = page.getByRole("article", { name: "Assistant's answer" }).filter({ hasText: "PAY-12 says:" }).last();
  await injectedAnswer.getByRole("button", { name: "Good answer" }).waitFor();
  const injected = { text: await answerTextOf(injectedAnswer), links: await injectedAnswer.locator(".answer-text").evaluate(answerLinksOf) };
  screenshots.push(await shot(page, config, "assistant-injected-links"));
  return { shown, followed, injected, screenshots, consoleErrors };
}
