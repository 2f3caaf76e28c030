import { describe, expect, it } from "vitest";
import { answerBlocks, answerRuns } from "./answerText";

describe("answerBlocks", () => {
  it("makes a run of '- ' lines one list, between the text around it", () => {
    const text = "I found nothing relevant.\nI can answer questions like:\n- How often do we deploy?\n- Why did lead time rise?\nor find pull requests.";
    expect(answerBlocks(text)).toEqual([
      { kind: "text", text: "I found nothing relevant.\nI can answer questions like:" },
      { kind: "list", items: ["How often do we deploy?", "Why did lead time rise?"] },
      { kind: "text", text: "or find pull requests." },
    ]);
  });

  it("keeps text without bullets as it is, numbered lines and breaks included", () => {
    const text = "Repositories with the most incidents:\n1. demo/api: 4 incidents\n2. demo/web: 4 incidents\n";
    expect(answerBlocks(text)).toEqual([{ kind: "text", text }]);
  });

  it("ends a list at a line that is no bullet, and starts another after it", () => {
    expect(answerBlocks("- a\n- b\n\nNext:\n- c")).toEqual([
      { kind: "list", items: ["a", "b"] },
      { kind: "text", text: "\nNext:" },
      { kind: "list", items: ["c"] },
    ]);
  });

  it("takes only a dash and a space at the line's start as a bullet", () => {
    const text = "-5 % since last month\n  - indented\nlead time - the median";
    expect(answerBlocks(text)).toEqual([{ kind: "text", text }]);
  });

  it("shows a bullet still streaming as it arrives", () => {
    expect(answerBlocks("Closest matches:\n- ")).toEqual([
      { kind: "text", text: "Closest matches:" },
      { kind: "list", items: [""] },
    ]);
    expect(answerBlocks("")).toEqual([{ kind: "text", text: "" }]);
  });
});

describe("answerRuns", () => {
  it("makes the app path an answer points to a run of its own, the sentence's stop left out", () => {
    const text = "…and 42 more: the Deployment frequency dashboard lists them all (/dora/deployment-frequency?days=30&author=ada).";
    expect(answerRuns(text)).toEqual([
      { kind: "text", text: "…and 42 more: the Deployment frequency dashboard lists them all (" },
      { kind: "path", path: "/dora/deployment-frequency?days=30&author=ada" },
      { kind: "text", text: ")." },
    ]);
    expect(answerRuns("/work-items, then /engineering.")).toEqual([
      { kind: "path", path: "/work-items" },
      { kind: "text", text: ", then " },
      { kind: "path", path: "/engineering" },
      { kind: "text", text: "." },
    ]);
  });

  it("never makes a link of another origin, another page, HTML or a path inside a word", () => {
    for (const text of [
      "see https://evil.example/dora/lead-time",
      "see //evil.example/x and /\\evil.example",
      "reset it at /set-password?token=abc or /admin/users",
      '<a href="https://evil.example">/dora</a>',
      "acme/dora/x, 3/1, /dorama, /dora-x",
      "javascript:/dora",
    ]) {
      expect(answerRuns(text)).toEqual([{ kind: "text", text }]);
    }
  });

  it("keeps text without a path as it is", () => {
    expect(answerRuns("")).toEqual([{ kind: "text", text: "" }]);
    expect(answerRuns("lead time: 3 days")).toEqual([{ kind: "text", text: "lead time: 3 days" }]);
  });
});
