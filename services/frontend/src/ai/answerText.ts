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
