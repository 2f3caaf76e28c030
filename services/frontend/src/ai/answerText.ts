/** An answer's text in blocks: its runs of "- " lines (local mode's
 * templates and models alike write bullets that way) as a list, the rest as
 * written (shown pre-wrap: numbered lines and line breaks stay as they are). */
export type AnswerBlock = { kind: "text"; text: string } | { kind: "list"; items: string[] };

export function answerBlocks(text: string): AnswerBlock[] {
  const blocks: AnswerBlock[] = [];
  let lines: string[] = [];
  const flush = () => {
    // The line break before and after a list is the list's own (a block).
    if (lines.length) blocks.push({ kind: "text", text: lines.join("\n") });
    lines = [];
  };
  for (const line of text.split("\n")) {
    const last = blocks[blocks.length - 1];
    if (!line.startsWith("- ")) {
      lines.push(line);
    } else if (!lines.length && last?.kind === "list") {
      last.items.push(line.slice(2));
    } else {
      flush();
      blocks.push({ kind: "list", items: [line.slice(2)] });
    }
  }
  flush();
  return blocks;
}

/** A run of an answer's text: as written, or a path of the app it points to. */
export type AnswerRun = { kind: "text"; text: string } | { kind: "path"; path: string };

// The app's read-only pages an answer may point to ("…the Deployment
// frequency dashboard lists them all (/dora/deployment-frequency?days=30)").
// Only these become links: the answer can carry text from Jira or GitHub a
// model repeated (prompt injection), so no other URL, no "//host" (another
// origin) and no page that acts on its query (/set-password?token=…).
const LINKED = ["dora", "engineering", "work-items", "search"];
// A path after the start, a space or "(", its section's name whole
// ("/dorama" is none); a trailing ".", "," or ";" ends the sentence, not the path.
const PATH = new RegExp(`(^|[\\s(])(/(?:${LINKED.join("|")})(?![\\w-])(?:[/?#][\\w\\-./?#=&%+~]*)?)`, "g");

export function answerRuns(text: string): AnswerRun[] {
  const runs: AnswerRun[] = [];
  let at = 0;
  for (const m of text.matchAll(PATH)) {
    const [, before = "", found = ""] = m;
    const path = found.replace(/[.,;]+$/, "");
    const start = (m.index ?? 0) + before.length;
    if (start > at) runs.push({ kind: "text", text: text.slice(at, start) });
    runs.push({ kind: "path", path });
    at = start + path.length;
  }
  if (at < text.length || !runs.length) runs.push({ kind: "text", text: text.slice(at) });
  return runs;
}
