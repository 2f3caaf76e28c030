import { describe, expect, it } from "vitest";
import { answerBlocks } from "./answerText";

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
