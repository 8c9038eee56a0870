/** "Did you mean …?": the known word nearest to a misspelt one. */

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * The known name nearest to `name`, for a message.
 *
 * @example
 * nearest('hostdev-hybird', ['hostdev', 'hostdev-hybrid']); // 'hostdev-hybrid'
 */
export function nearest(name: string, known: readonly string[]): string {
  let best = known[0]!;
  for (const k of known) if (distance(name, k) < distance(name, best)) best = k;
  return best;
}
