import { describe, expect, it } from "vitest";
import { countOf } from "./plural";

describe("countOf", () => {
  it("says one in the singular and any other count in the plural", () => {
    expect(countOf(1, "credential")).toBe("1 credential");
    expect(countOf(0, "credential")).toBe("0 credentials");
    expect(countOf(3, "entry", "entries")).toBe("3 entries");
  });
});
