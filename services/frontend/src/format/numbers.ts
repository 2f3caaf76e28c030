const COUNT = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** A count in the reader's locale, its thousands grouped: "12,345" (en-US), never "12345". */
export const formatCount = (n: number): string => COUNT.format(n);

/**
 * An optional number field as the API's body: empty is null, a number is
 * itself, and anything else is sent as typed so that the API refuses it
 * naming the field (as NaN it would become JSON null, i.e. "none": a typo
 * must not clear a setting).
 */
export function optionalNumber(text: string): number | null {
  const v = text.trim();
  if (v === "") return null;
  return Number.isFinite(Number(v)) ? Number(v) : (v as unknown as number);
}
