import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { edgesOf, ScrollBox } from "./ScrollBox";
import { When } from "./When";

/** Lays the scroller out as a browser would (jsdom lays nothing out). */
function layOut(el: HTMLElement, { scrollWidth, clientWidth, scrollLeft }: { scrollWidth: number; clientWidth: number; scrollLeft: number }) {
  Object.defineProperty(el, "scrollWidth", { configurable: true, value: scrollWidth });
  Object.defineProperty(el, "clientWidth", { configurable: true, value: clientWidth });
  el.scrollLeft = scrollLeft;
  fireEvent.scroll(el);
}

describe("a box that scrolls sideways", () => {
  it("names the sides with more", () => {
    expect(edgesOf({ scrollLeft: 0, scrollWidth: 500, clientWidth: 500 })).toBe("");
    expect(edgesOf({ scrollLeft: 0, scrollWidth: 800, clientWidth: 500 })).toBe("right");
    expect(edgesOf({ scrollLeft: 100, scrollWidth: 800, clientWidth: 500 })).toBe("left right");
    expect(edgesOf({ scrollLeft: 300, scrollWidth: 800, clientWidth: 500 })).toBe("left");
    // Half a px of rounding is not more to see.
    expect(edgesOf({ scrollLeft: 0, scrollWidth: 500.5, clientWidth: 500 })).toBe("");
  });

  it("says it scrolls and shades the side with more, only while it does", () => {
    render(
      <ScrollBox label="Pull requests table">
        <table />
      </ScrollBox>,
    );
    const box = screen.getByRole("region", { name: "Pull requests table" });
    const frame = box.parentElement as HTMLElement;
    expect(screen.queryByText(/Scroll sideways/)).toBeNull();
    layOut(box, { scrollWidth: 900, clientWidth: 600, scrollLeft: 0 });
    expect(screen.getByText(/Scroll sideways/)).toBeVisible();
    expect(frame).toHaveAttribute("data-more", "right");
    layOut(box, { scrollWidth: 900, clientWidth: 600, scrollLeft: 300 });
    expect(frame).toHaveAttribute("data-more", "left");
    // The window widened: the table fits, no hint, no shadow.
    layOut(box, { scrollWidth: 900, clientWidth: 900, scrollLeft: 0 });
    expect(screen.queryByText(/Scroll sideways/)).toBeNull();
    expect(frame).toHaveAttribute("data-more", "");
  });
});

describe("a date and time in a cell", () => {
  // The test runner's locale is en-US (as the browser suite's chromium).
  it("breaks only between its date and its time", () => {
    const { container } = render(<When iso="2026-09-08T14:30:00Z" zone="UTC" />);
    const parts = [...container.querySelectorAll(".when-part")].map((p) => p.textContent);
    expect(parts[0]).toBe("Sep 8, 2026,");
    expect(parts[1]).toMatch(/^2:30\sPM$/);
    expect(container.textContent).toMatch(/^Sep 8, 2026, 2:30\sPM$/);
  });

  it("keeps a phone's short form and a missing date's word", () => {
    const { container } = render(<When iso="2026-09-08T14:30:00Z" zone="UTC" short />);
    // Plain text: a card's line of its own.
    expect(container.querySelector(".when-part")).toBeNull();
    expect(container.textContent).toMatch(/^Sep 8,( 2026,)? 2:30\sPM$/);
    render(<When iso={null} none="never" />);
    expect(screen.getByText("never")).toBeInTheDocument();
  });
});
