// A desktop pass over every signed-in page at 1024, 1280 and 1440 px in
// light mode and at 1024 px in dark mode (a mouse): each view photographed and measured for what a desktop
// showed broken: the page scrolling sideways, a header's items drawn over
// each other, a table wider than its card with no sign that it scrolls,
// text cut by its box, a date and time broken mid-token. See run.mjs.
import { clippedChartText, heading, newPage, nextFrame, setMode, shot, signIn } from "./lib.mjs";
import { settled } from "./dashboards.mjs";
import { SIGNED_IN } from "./phonepass.mjs";

export const DESKTOPS = { 1024: { width: 1024, height: 768 }, 1280: { width: 1280, height: 800 }, 1440: { width: 1440, height: 900 } };

export const DESKTOP_PAGES = [
  ...SIGNED_IN,
  { path: "/admin/corrections", title: "Assistant corrections", name: "admin-corrections" },
];

/** What a desktop shows broken, measured as drawn (for page.evaluate). */
export function desktopMeasure() {
  const vw = window.innerWidth;
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden" && !e.closest(".sr-only, [inert], .skip-link");
  };
  const label = (e) => (e.getAttribute("aria-label") || e.textContent || e.getAttribute("name") || e.tagName).trim().replace(/\s+/g, " ").slice(0, 60);
  const name = (e) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : ""} ${label(e)}`.slice(0, 90);
  const scroller = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return p;
    }
    return null;
  };
  const off = [...document.querySelectorAll("body *")].filter(shown).filter((e) => e.getBoundingClientRect().right > vw + 1 && !scroller(e));
  const offscreen = off.filter((e) => !off.includes(e.parentElement)).map(name);

  // Headers: the items of a bar or a heading row never drawn over each other.
  const HEADS = ".topbar, .topbar-actions, .brand, .page-head, .card-head, .section-head, .figure-head, .pager, .hit-head, .filter-bar, .filter-zone, .metric-tabs, .tile-meta";
  const overlaps = [];
  for (const head of document.querySelectorAll(HEADS)) {
    if (!shown(head)) continue;
    const items = [...head.children].filter(shown).filter((e) => getComputedStyle(e).position !== "absolute");
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i].getBoundingClientRect();
        const b = items[j].getBoundingClientRect();
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > 1 && y > 1) overlaps.push(`${name(head).slice(0, 40)}: ${name(items[i]).slice(0, 40)} × ${name(items[j]).slice(0, 40)}`);
      }
    }
    // Nor past the head's own edges (a bar's last button out of the bar).
    const box = head.getBoundingClientRect();
    for (const e of items) {
      const r = e.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1) overlaps.push(`${name(head).slice(0, 40)}: ${name(e).slice(0, 40)} past its edge`);
    }
  }

  // Tables: each fits its container, or scrolls inside it (never the page)
  // with a hint that says so and a shadow on the side with more.
  const tables = [...document.querySelectorAll("table")].filter(shown).map((t) => {
    const box = scroller(t);
    const wrap = t.closest(".table-scroll");
    // ScrollBox: .scroll-box > (.scroll-hint, .scroll-frame > .table-scroll).
    const hint = wrap?.parentElement?.parentElement?.querySelector(":scope > .scroll-hint");
    const width = Math.round(t.getBoundingClientRect().width);
    const room = Math.round(box ? box.clientWidth : t.parentElement.getBoundingClientRect().width);
    const card = t.closest(".card")?.getBoundingClientRect();
    return {
      table: t.querySelector("caption")?.textContent ?? t.closest("[aria-label]")?.getAttribute("aria-label") ?? "",
      width,
      room,
      scrolls: Boolean(box) && box.scrollWidth > box.clientWidth + 1,
      // Past its card's right edge without a scroller of its own.
      pastCard: !box && card ? Math.round(t.getBoundingClientRect().right - card.right) : 0,
      hint: Boolean(hint && shown(hint)),
      // The edge shadows: which sides the scroller says have more.
      edges: wrap?.parentElement?.dataset.more ?? "",
    };
  });

  // Text cut by its box: an element that hides its overflow (hidden, clip,
  // ellipsis) and has more than it shows; a scroller is not cut.
  const clipped = [...document.querySelectorAll("main *, .topbar *")]
    .filter(shown)
    .filter((e) => {
      const s = getComputedStyle(e);
      if (!["hidden", "clip"].includes(s.overflowX) && s.textOverflow !== "ellipsis") return false;
      if (e.matches(".sr-only, .stacked, svg, svg *, .brand-logo")) return false;
      return e.scrollWidth > e.clientWidth + 1 && e.textContent.trim() !== "";
    })
    .map(name);
  // A list box's options wider than the list: their ends cut.
  const canvas = document.createElement("canvas").getContext("2d");
  const cutOptions = [...document.querySelectorAll("select")].filter(shown).flatMap((sel) => {
    const s = getComputedStyle(sel);
    canvas.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    const room = sel.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - (sel.multiple ? 4 : 24);
    const opts = sel.multiple ? [...sel.options] : [sel.options[sel.selectedIndex]].filter(Boolean);
    return opts.filter((o) => canvas.measureText(o.text).width > room + 1).map((o) => `${label(sel.closest("label, .filter") ?? sel).slice(0, 30)}: ${o.text}`);
  });
  // A list box's height: how many options it shows, and of how many.
  const lists = [...document.querySelectorAll("select[multiple]")].filter(shown).map((sel) => {
    const first = sel.options[0];
    const row = first ? first.getBoundingClientRect().height || parseFloat(getComputedStyle(sel).fontSize) * 1.25 : 1;
    return { list: label(sel.closest(".filter") ?? sel).slice(0, 30), height: Math.round(sel.getBoundingClientRect().height), rows: Math.round(sel.clientHeight / row), options: sel.options.length };
  });

  // A date and time ("Sep 8, 2026, 2:30 PM") in a table cell breaks only
  // between the date and the time, never inside either.
  const WHEN = /(?:([A-Z][a-z]{2} \d{1,2}(?:, \d{4})?),?\s)?(\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AP]M)?)/g;
  const brokenTimes = [];
  for (const cell of document.querySelectorAll("tbody td, tbody th")) {
    if (!shown(cell)) continue;
    const nodes = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let text = "";
    while (walker.nextNode()) {
      nodes.push([walker.currentNode, text.length]);
      text += walker.currentNode.data;
    }
    const top = (i) => {
      const [node, start] = nodes.findLast(([, s]) => s <= i);
      const range = document.createRange();
      range.setStart(node, i - start);
      range.setEnd(node, i - start + 1);
      const r = range.getClientRects()[0];
      return r ? Math.round(r.top) : null;
    };
    for (const m of text.matchAll(WHEN)) {
      const timeAt = m.index + m[0].length - m[2].length;
      const lines = [];
      let line = "";
      let last = null;
      let bad = false;
      for (let i = m.index; i < m.index + m[0].length; i++) {
        const t = top(i);
        if (t === null || /\s/.test(text[i])) {
          line += text[i];
          continue;
        }
        if (last !== null && t > last + 2) {
          lines.push(line.trim());
          line = "";
          if (i !== timeAt) bad = true;
        }
        last = t;
        line += text[i];
      }
      lines.push(line.trim());
      if (bad) brokenTimes.push(lines.join(" / "));
    }
  }
  // A page title to what is under it: inside the assistant's head row its
  // margin did not collapse with the text's, 28 px.
  const titleGaps = [...document.querySelectorAll("main h1")].filter(shown).flatMap((h) => {
    let next = (h.parentElement.matches(".page-head") ? h.parentElement : h).nextElementSibling;
    while (next && !shown(next)) next = next.nextElementSibling;
    return next ? [Math.round(next.getBoundingClientRect().top - h.getBoundingClientRect().bottom)] : [];
  });
  // A card's main button across its whole width (the sign-in card's style
  // on the profile, beside Save as wide as its label).
  const wideButtons = [...document.querySelectorAll("main .card .btn-primary")].filter(shown).filter((b) => {
    const card = b.closest(".card");
    const s = getComputedStyle(card);
    return b.getBoundingClientRect().width > 0.8 * (card.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight));
  }).map(name);
  // The filter bar's rows of filters (the zone's own row not counted): at
  // 1024 px Engineering's Team list took a second row with room beside Repositories.
  const filterRows = [...document.querySelectorAll(".filter-bar")].filter(shown).map((bar) => new Set([...bar.querySelectorAll(":scope > .filter")].filter(shown).map((f) => Math.round(f.getBoundingClientRect().top))).size);
  return { overflow: document.scrollingElement.scrollWidth - vw, offscreen, overlaps, tables, clipped, cutOptions, lists, brokenTimes, titleGaps, wideButtons, filterRows };
}

async function look(page, config, key, seen, screenshots) {
  await page.evaluate(() => document.fonts.ready);
  seen[key] = { ...(await page.evaluate(desktopMeasure)), clippedChartText: await page.evaluate(clippedChartText) };
  screenshots.push(await shot(page, config, `desktop-${key.replaceAll(" ", "-")}`));
}

/**
 * Every signed-in page at each desktop width in light mode, then at the
 * narrowest in dark mode (the shadows and colours; the layout is the
 * light's), folded parts shut then open; `config.only` (names) narrows it.
 * A dark view's key ends in " dark".
 */
export async function desktopPass({ browser, config }) {
  const seen = {};
  const screenshots = [];
  const pages = config.only ? DESKTOP_PAGES.filter((p) => config.only.includes(p.name)) : DESKTOP_PAGES;
  const { page, consoleErrors } = await newPage(browser, config, { viewport: DESKTOPS[1280] });
  await page.goto("/");
  await signIn(page, config);
  await heading(page, "Overview");
  await visitAll(page, config, pages, DESKTOPS, "", seen, screenshots);
  await setMode(page, "Dark");
  try {
    await visitAll(page, config, pages, { 1024: DESKTOPS[1024] }, " dark", seen, screenshots);
  } finally {
    // The demo tenant is shared by the session's tests: Light again.
    await setMode(page, "Light");
  }
  return { seen, screenshots, consoleErrors };
}

async function visitAll(page, config, pages, sizes, mode, seen, screenshots) {
  for (const p of pages) {
    await page.goto(p.path);
    await heading(page, p.title);
    if (p.ready) await p.ready(page).waitFor();
    await settled(page);
    for (const state of ["", " open"]) {
      if (state) {
        const details = page.locator("details:not([open]) > summary");
        if ((await details.count()) === 0) break;
        while ((await details.count()) > 0) await details.first().click();
        await settled(page);
      }
      for (const [size, viewport] of Object.entries(sizes)) {
        await page.setViewportSize(viewport);
        // The charts redraw for their width (a ResizeObserver): a frame, then whatever it fetched.
        await nextFrame(page);
        await nextFrame(page);
        await settled(page);
        await look(page, config, `${p.name} ${size}${mode}${state}`, seen, screenshots);
      }
    }
  }
}
