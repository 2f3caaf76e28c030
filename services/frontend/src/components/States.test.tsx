import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/problem";
import { ErrorState } from "./States";

const refused = (status: number, code: string) =>
  new ApiError(status, { type: "x", title: "t", status, detail: `refused ${status}`, code });

describe("an error state", () => {
  it("offers Retry only when asking again can give another answer", () => {
    const cases: [unknown, boolean][] = [
      [refused(422, "invalid_input"), false],
      [refused(404, "not_found"), false],
      [refused(403, "permission_denied"), false],
      [refused(503, "backend_unavailable"), true],
      [refused(429, "rate_limited"), true],
      [new TypeError("Failed to fetch"), true],
    ];
    for (const [error, offered] of cases) {
      const { unmount } = render(<ErrorState error={error} onRetry={vi.fn()} />);
      expect(screen.queryByRole("button", { name: "Retry" }) !== null, String(error)).toBe(offered);
      expect(screen.getByRole("alert")).toBeInTheDocument();
      unmount();
    }
  });
});
