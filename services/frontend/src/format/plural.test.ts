import { describe, expect, it } from "vitest";
import { countOf } from "./plural";

describe("countOf", () => {
  it("says one in the singular and any other count in the plural", () => {
    expect(countOf(1, "credential")).toBe("1 credential");
    expect(countOf(0, "credential")).toBe("0 credentials");
    expect(countOf(3, "entry", "entries")).toBe("3 entries");
  });

  it("groups a large count's thousands, as the reader's locale does (en-US here)", () => {
    // "12345 of 50000 items" on a large sync's card: hard to read at a glance.
    expect(countOf(12345, "item")).toBe("12,345 items");
    expect(countOf(1000000, "deployment")).toBe("1,000,000 deployments");
  });
});
