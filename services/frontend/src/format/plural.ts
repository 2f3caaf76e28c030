import { formatCount } from "./numbers";

/**
 * A count and its noun, singular for one: "1 credential", "3 credentials",
 * "12,345 items". `plural` for the nouns that do not just take an "s".
 */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}
