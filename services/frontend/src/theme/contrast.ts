/** WCAG 2 contrast between two #RRGGBB (or #RGB) colours. */
function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function parseHex(hex: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  const digits = m?.[1];
  if (!digits) return null;
  const h = digits.length === 3 ? [...digits].map((c) => c + c).join("") : digits;
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

export function luminance(hex: string): number | null {
  const rgb = parseHex(hex);
  if (!rgb) return null;
  const [r, g, b] = rgb.map(channel) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number | null {
  const la = luminance(a);
  const lb = luminance(b);
  if (la === null || lb === null) return null;
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Black or white, whichever reads better on `bg` (what the API computes as on_*). */
export function readableOn(bg: string): string {
  const white = contrast(bg, "#FFFFFF") ?? 0;
  const black = contrast(bg, "#000000") ?? 0;
  return white >= black ? "#FFFFFF" : "#000000";
}

export const AA_TEXT = 4.5;

/** CIELAB (D65) of an sRGB colour, for the colour difference below. */
function lab(hex: string): [number, number, number] | null {
  const rgb = parseHex(hex);
  if (!rgb) return null;
  const [r, g, b] = rgb.map(channel) as [number, number, number];
  const xyz = [0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b, 0.0193 * r + 0.1192 * g + 0.9505 * b];
  const white = [0.95047, 1, 1.08883];
  const f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  const [fx, fy, fz] = xyz.map((v, i) => f(v / (white[i] ?? 1))) as [number, number, number];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/**
 * CIE76 colour difference (distance in CIELAB), as pulse_common/colors.py:
 * unlike contrast it sees hue, so pure yellow is far from white (97) while
 * #F0F0F0 is not (5).
 */
export function difference(a: string, b: string): number | null {
  const la = lab(a);
  const lb = lab(b);
  if (!la || !lb) return null;
  return Math.hypot(la[0] - lb[0], la[1] - lb[1], la[2] - lb[2]);
}

/** `weight` of `other` blended into `color` (#RRGGBB), as pulse_common/branding.py's _mix. */
function mix(color: string, other: string, weight: number): string {
  const a = parseHex(color) ?? [0, 0, 0];
  const b = parseHex(other) ?? [0, 0, 0];
  return "#" + a.map((x, i) => Math.round(x + ((b[i] ?? 0) - x) * weight).toString(16).padStart(2, "0").toUpperCase()).join("");
}

/** The pages' backgrounds in each mode (the palettes' background_color). */
export const PAGE = { light: "#FFFFFF", dark: "#0D1117" } as const;
const DARK_SURFACE = "#161B22";
/** The cards' colour in each mode (styles.css --surface): what charts are drawn on. */
export const CARD = { light: "#FFFFFF", dark: DARK_SURFACE } as const;
// WCAG 1.4.11: a chart's lines and bars need 3:1 against what they are drawn on.
const GRAPHIC = 3;

/**
 * The colour charts draw `primary` in on a `mode` card: `primary` itself when
 * it reaches 3:1 there, else darkened (light) or lightened (dark) until it
 * does. A pale brand colour (#FFE066) is allowed for buttons, whose text is
 * chosen by contrast, but lines and bars in it vanished on white cards.
 */
export function chartColour(primary: string, mode: keyof typeof CARD): string {
  const toward = mode === "light" ? "#000000" : "#FFFFFF";
  let colour = primary;
  for (let weight = 0.1; (contrast(colour, CARD[mode]) ?? GRAPHIC) < GRAPHIC && weight <= 1; weight += 0.1) colour = mix(primary, toward, weight);
  return colour;
}

/**
 * The dark-mode primary the server derives from the brand colour (pulse_common/branding.py's
 * _dark_primary): a fifth of white, more for a dark colour, until it reaches 3:1 on the dark cards.
 */
export function derivedDarkPrimary(primary: string): string {
  let lighter = primary;
  for (const weight of [0.2, 0.25, 0.3, 0.35, 0.4]) {
    lighter = mix(primary, "#FFFFFF", weight);
    if ((contrast(lighter, DARK_SURFACE) ?? 0) >= 3) break;
  }
  return lighter;
}
