import { useCallback, useEffect, useState, type HTMLAttributes, type ReactNode } from "react";

/** The sides of a sideways scroller that have more to show: "left", "right", both, or "". */
export function edgesOf(el: { scrollLeft: number; scrollWidth: number; clientWidth: number }): string {
  // A px of slack: zoomed pages report fractional widths.
  const left = Math.abs(el.scrollLeft) > 1;
  const right = el.scrollWidth - el.clientWidth - Math.abs(el.scrollLeft) > 1;
  return [left && "left", right && "right"].filter(Boolean).join(" ");
}

/**
 * Whether `ref`'s element scrolls sideways, and which of its sides have
 * more: followed as it scrolls and as it or its content is resized.
 */
export function useScrollEdges<T extends HTMLElement>(): { ref: (el: T | null) => void; scrollable: boolean; more: string } {
  const [el, setEl] = useState<T | null>(null);
  const [state, setState] = useState({ scrollable: false, more: "" });
  const measure = useCallback(() => {
    if (!el) return;
    const more = edgesOf(el);
    const scrollable = el.scrollWidth - el.clientWidth > 1;
    setState((s) => (s.more === more && s.scrollable === scrollable ? s : { scrollable, more }));
  }, [el]);
  useEffect(() => {
    if (!el) return;
    el.addEventListener("scroll", measure, { passive: true });
    // Measured first when observed (a ResizeObserver reports each box at
    // once). jsdom has none: there nothing is laid out to scroll.
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(measure);
    observer?.observe(el);
    if (el.firstElementChild) observer?.observe(el.firstElementChild);
    return () => {
      el.removeEventListener("scroll", measure);
      observer?.disconnect();
    };
  }, [el, measure]);
  return { ref: setEl, ...state };
}

/**
 * A box that scrolls sideways on its own (a table wider than its card)
 * instead of widening the page: keyboard reachable, named for screen
 * readers. When it scrolls, a hint above says so and a shadow marks each
 * side with more: at 1024 px a table cut at a column's edge looked whole.
 */
export function ScrollBox({ label, className, children, ...rest }: { label?: string; className?: string; children: ReactNode } & HTMLAttributes<HTMLDivElement>) {
  const { ref, scrollable, more } = useScrollEdges<HTMLDivElement>();
  const named = label ? { role: "region", "aria-label": label, tabIndex: 0 } : {};
  return (
    <div className="scroll-box">
      {scrollable && (
        <p className="scroll-hint muted small" aria-hidden="true">
          Scroll sideways for more →
        </p>
      )}
      <div className="scroll-frame" data-more={more}>
        <div ref={ref} className={className ? `table-scroll ${className}` : "table-scroll"} {...named} {...rest}>
          {children}
        </div>
      </div>
    </div>
  );
}
