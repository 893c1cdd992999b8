/**
 * "Did you mean `x`?": the closest known name to a misspelt one, by edit distance.
 */

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, the commonest typo),
 * giving up with `max + 1` as soon as the answer must exceed `max`, so checking one unknown name
 * against thousands of variables stays cheap.
 *
 * @example editDistance("tomatos", "tomatoes", 3) === 1
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  let prevPrev: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (prevPrev[j - 2] as number) + 1);
      }
      row.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The candidate closest to `name`, if one is close enough to be a plausible typo: within a third
 * of the name's length (at least one edit). Ties go to the alphabetically first, so the suggestion
 * does not depend on the order of the world model's variables.
 *
 * @example suggest("tomatos", ["steps", "tomatoes"]) === "tomatoes"
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const max = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate, Math.min(max, bestDistance));
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      if (d <= max) {
        best = candidate;
        bestDistance = d;
      }
    }
  }
  return best;
}
