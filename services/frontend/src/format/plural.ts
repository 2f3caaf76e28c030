/**
 * A count and its noun, singular for one: "1 credential", "3 credentials".
 * `plural` for the nouns that do not just take an "s".
 */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
