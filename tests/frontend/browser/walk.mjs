// A walk through the dashboard pages a person uses most (overview, DORA,
// engineering, work items, search, assistant) on the demo seed, at desktop,
// tablet and phone width, light and dark: a screenshot of each view to look at, and
// measurements of what looked broken in them. See run.mjs.
import { check, DESKTOP, heading, inModesAndWidths, openFilters, PHONE, shot, signedIn, TABLET } from "./lib.mjs";
import { settled } from "./dashboards.mjs";

/** What a view shows that a screenshot showed broken once: measured as drawn. */
function measure() {
  const lineHeight = (e) => parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.2;
  return {
    overflow: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth,
    // A tile's figure ("4.0 / week") broken over two lines pushed its card's content down.
    wrappedFigures: [...document.querySelectorAll(".tile-value")].filter((e) => e.getBoundingClientRect().height > 1.5 * lineHeight(e)).map((e) => e.textContent),
    // A list box narrower than its options cut them ("PULSE · Pulse Platfor").
    clippedLists: [...document.querySelectorAll("main select[multiple]")].filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.closest(".filter")?.querySelector("label")?.textContent ?? s.name),
    // WebKit (Safari, VoiceOver) stops announcing a list whose markers are
    // styled away unless it says role="list"; chromium keeps it, so the rule
    // is checked on the markup: every list drawn without markers says so.
    // The space between a page's stacked sections: Engineering's charts, in
    // a grid, added its gap to their own margin (32 px, the others 16).
    sectionGaps: (() => {
      const boxes = [...document.querySelectorAll("main .section")].filter((e) => e.getClientRects().length > 0).map((e) => e.getBoundingClientRect());
      const below = (a) => boxes.filter((b) => b.top >= a.bottom - 1 && b.left < a.right - 1 && a.left < b.right - 1).sort((x, y) => x.top - y.top)[0];
      return [...new Set(boxes.map((a) => below(a) && Math.round(below(a).top - a.bottom)).filter((g) => g !== undefined))];
    })(),
    // A breakdown's sample ("median of 87 PRs") beside its figure in one cell
    // and wrapped under it in the next (Engineering at 820 and 390 px):
    // every note starts its own line, at its cell's left edge.
    inlineNotes: [...document.querySelectorAll(".breakdown dd .muted")].filter((n) => n.getBoundingClientRect().left > n.closest("dd").getBoundingClientRect().left + 1).map((n) => n.closest("div")?.querySelector("dt")?.textContent ?? n.textContent),
    unmarkedLists: [...document.querySelectorAll("ul, ol")].filter((l) => getComputedStyle(l).listStyleType === "none" && l.getAttribute("role") !== "list" && l.children.length > 0).map((l) => `${l.tagName.toLowerCase()}.${l.className || "(no class)"} in ${l.closest("nav, main, header")?.tagName.toLowerCase()}`),
  };
}

const PAGES = [
  { path: "/", title: "Overview", name: "overview" },
  { path: "/dora/lead-time", title: "Lead time for changes", name: "dora-lead-time" },
  { path: "/engineering", title: "Engineering", name: "engineering" },
  { path: "/work-items", title: "Work items", name: "work-items" },
  { path: "/search", title: "Search", name: "search" },
  { path: "/assistant", title: "Assistant", name: "assistant" },
];

/** Every page of the walk in both modes at each width; the assistant shows one answered question. */
export async function walk({ browser, config }) {
  const { page, consoleErrors } = await signedIn(browser, config);
  // The first search and question load the offline embedding model.
  page.setDefaultTimeout(90_000);
  const search = `/search?q=${encodeURIComponent(config.query)}`;
  await page.goto("/assistant");
  await heading(page, "Assistant");
  await page.getByLabel("Your question").fill(config.question);
  await page.getByRole("button", { name: "Ask" }).click();
  await page.getByRole("article", { name: "Assistant's answer" }).getByRole("button", { name: "Good answer" }).waitFor();
  const conversation = new URL(page.url()).search;
  check(conversation.includes("c="), "the conversation is in the URL");
  const seen = {};
  const screenshots = [];
  await inModesAndWidths(page, async (mode, width) => {
    for (const p of PAGES) {
      await page.goto(p.name === "search" ? search : p.name === "assistant" ? `/assistant${conversation}` : p.path);
      await heading(page, p.title);
      if (p.name === "search") await page.locator(".result-group").first().waitFor();
      if (p.name === "assistant") await page.locator(".citations").first().waitFor();
      await settled(page);
      await page.evaluate(() => document.fonts.ready);
      screenshots.push(await shot(page, config, `walk-${p.name}-${width}-${mode}`));
      // On a phone the filter bar is folded: its lists measured open.
      await openFilters(page);
      seen[`${p.name} ${width} ${mode}`] = await page.evaluate(measure);
    }
  }, [["desktop", DESKTOP], ["tablet", TABLET], ["phone", PHONE]]);
  return { seen, screenshots, consoleErrors };
}
