import { useLayoutEffect, useRef, useState } from "react";

/**
 * The charts are laid out in CSS pixels at the width they are shown at, so
 * their text keeps its size on a phone instead of a 640-wide drawing
 * scaled down to half (5 px labels). Without a measurement (the first
 * render, jsdom) they are laid out for the width they had before.
 */
export const DEFAULT_WIDTH = 640;
const MIN_WIDTH = 240;

/**
 * One character of the axis text in em, a little over the average advance
 * of the sans-serif faces (digits are ~0.55 em): an estimate that errs on
 * the side of space between labels, without measuring text in the DOM.
 */
const CHAR_EM = 0.6;
/** Room left between two neighbouring labels. */
const LABEL_GAP = 10;

/**
 * The axis text size: 11 px up to the default width, then growing with
 * the chart to 14 px on a wide screen, about what the scaled-up drawing
 * showed there before (a wide chart with 11 px text looks bare).
 */
export function fontPx(width: number): number {
  return Math.round(Math.min(14, Math.max(11, (11 * width) / DEFAULT_WIDTH)));
}

export function textWidth(label: string, font = 11): number {
  return label.length * CHAR_EM * font;
}

/**
 * Every how many slots a label is drawn so that no two overlap: the widest
 * label plus a gap must fit in `stride` slots of `slot` pixels, and at most
 * `most` labels are drawn however wide the chart is.
 */
export function labelStride(labels: string[], slot: number, most: number, font = 11): number {
  if (labels.length <= 1) return 1;
  const widest = Math.max(...labels.map((l) => textWidth(l, font)));
  const fit = slot > 0 ? Math.ceil((widest + LABEL_GAP) / slot) : labels.length;
  return Math.max(1, fit, Math.ceil(labels.length / most));
}

/** The left margin that holds the widest value-axis label right-aligned at 6 px from the axis. */
export function axisMargin(labels: string[], least: number, font = 11): number {
  return Math.max(least, Math.ceil(Math.max(0, ...labels.map((l) => textWidth(l, font))) + 10));
}

/**
 * A chart's height for its width: `base` at the default width, a little
 * lower on a phone and up to a third taller on a wide screen (as tall as
 * the scaled drawing was there before, CSS capped it at 320 px).
 */
export function chartHeight(width: number, base: number): number {
  return Math.round(base * Math.min(4 / 3, Math.max(0.85, width / DEFAULT_WIDTH)));
}

/**
 * Width changes smaller than this after the first measurement are left to
 * the SVG's scaling (under 8 % at the narrowest): a page scrollbar
 * (15-17 px) that a new chart height makes appear cannot then change the
 * layout, and so the height, back and forth.
 */
const RESIZE_STEP = 20;

/** Whether a newly measured width should lay the chart out again. */
export function relayout(shown: number | null, measured: number): boolean {
  return measured > 0 && (shown === null || Math.abs(measured - shown) >= RESIZE_STEP);
}

/**
 * The content width of the element the ref is put on, followed as it
 * resizes. Measured before the first paint (layout effect), so a phone
 * never shows the default-width drawing; whole pixels only, and the
 * element is a block whose width comes from its parent, never from the
 * chart inside.
 */
export function useChartWidth<E extends HTMLElement>() {
  const ref = useRef<E>(null);
  const [width, setWidth] = useState(DEFAULT_WIDTH);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    let shown: number | null = null;
    const measure = () => {
      const w = Math.floor(el.clientWidth);
      // 0: not laid out (display: none, jsdom): keep the last layout.
      if (!relayout(shown, w)) return;
      shown = w;
      setWidth(Math.max(MIN_WIDTH, w));
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}
