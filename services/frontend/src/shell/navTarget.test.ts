import { describe, expect, it } from "vitest";
import { navTarget } from "./navTarget";

describe("navTarget", () => {
  it("keeps the period and filters from one dashboard to another", () => {
    expect(navTarget("/engineering", "/", "?days=30&project=2")).toBe("/engineering?days=30&project=2");
    expect(navTarget("/", "/dora/lead-time", "?days=7&timezone=Asia%2FKolkata")).toBe("/?days=7&timezone=Asia%2FKolkata");
    expect(navTarget("/dora", "/work-items", "?year=2023")).toBe("/dora?year=2023");
  });

  it("drops another page's own parameters", () => {
    expect(navTarget("/work-items", "/dora/deployment-frequency", "?days=30&deployments-page=3")).toBe("/work-items?days=30");
    // The assignee filters work items only: the DORA figures have none.
    expect(navTarget("/dora", "/work-items", "?days=30&assignee=Ada+Lovelace")).toBe("/dora?days=30");
  });

  it("carries nothing with the default filters", () => {
    expect(navTarget("/engineering", "/", "")).toBe("/engineering");
    expect(navTarget("/engineering", "/", "?days=90")).toBe("/engineering");
  });

  it("carries nothing from or to a page that is not a dashboard", () => {
    expect(navTarget("/", "/search", "?q=x&project=3")).toBe("/");
    expect(navTarget("/admin/users", "/", "?days=30")).toBe("/admin/users");
    expect(navTarget("/engineering", "/engineering-notes", "?days=30")).toBe("/engineering");
  });
});
