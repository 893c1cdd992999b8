/** What the benchmark scripts share: order statistics, number formatting and markdown tables. */

export const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
export const median = (xs: readonly number[]): number => sorted(xs)[Math.floor(xs.length / 2)]!;
export const pct = (xs: readonly number[], p: number): number =>
  sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
export const fmt = (n: number, d = 0): string =>
  n.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d });

/** Print a markdown table: the first column left-aligned, the numbers right-aligned. */
export function table(title: string, head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  console.log(`\n${title}`);
  console.log(`| ${head.map((h, i) => h.padEnd(w[i]!)).join(" | ")} |`);
  console.log(`|${w.map((x) => "-".repeat(x + 2)).join("|")}|`);
  for (const r of cells.slice(1))
    console.log(`| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(" | ")} |`);
}
