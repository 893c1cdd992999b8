/**
 * Goodhart over a ledger: for each optimizer whose intended measure someone else reports (an
 * `observation` entry naming the optimizer, signed by the environment or an evaluator, never by the
 * optimizer itself), line the optimizer's own per-episode proxy up with it and run `detectGoodhart`.
 *
 * Conventions the SDK's users follow: the optimizer records `ctx.step({ episode, R })` (the proxy is
 * the first of `R`, `reward`, `return` present), and observations carry `{ episode, values: { P } }`
 * (the intended measure is the first of `P`, `performance` present, else the only numeric value).
 */

import type { Finding } from "./finding.js";
import { detectGoodhart } from "./goodhart.js";
import type { LedgerScan } from "./ledger-scan.js";

const PROXY_KEYS = ["R", "reward", "return"];
const INTENDED_KEYS = ["P", "performance"];

export function detectGoodhartInLedger(scan: LedgerScan): Finding[] {
  const intended = new Map<string, Map<number, { value: number; entry: number }>>();
  for (const { index, p } of scan.observations) {
    if (p.optimizer === undefined || p.episode === undefined || p.actor === p.optimizer) continue;
    const numeric = Object.entries(p.values).filter((e): e is [string, number] => typeof e[1] === "number");
    const pick =
      numeric.find(([k]) => INTENDED_KEYS.includes(k)) ?? (numeric.length === 1 ? numeric[0] : undefined);
    if (pick === undefined) continue;
    const m = intended.get(p.optimizer) ?? new Map();
    m.set(p.episode, { value: pick[1], entry: index });
    intended.set(p.optimizer, m);
  }
  const findings: Finding[] = [];
  for (const [optimizer, byEpisode] of intended) {
    const proxy = new Map<number, number>();
    let key: string | undefined;
    for (const b of scan.batches) {
      if (b.actor !== optimizer) continue;
      for (const s of b.steps) {
        const m = s.metrics;
        if (m?.episode === undefined) continue;
        key ??= PROXY_KEYS.find((k) => m[k] !== undefined);
        if (key !== undefined && m[key] !== undefined) proxy.set(m.episode, m[key]!);
      }
    }
    const episodes = [...byEpisode.keys()].filter((e) => proxy.has(e)).sort((a, b) => a - b);
    if (episodes.length < 16) continue;
    findings.push(
      ...detectGoodhart({
        proxy: episodes.map((e) => proxy.get(e)!),
        intended: episodes.map((e) => byEpisode.get(e)!.value),
        at: episodes,
        entries: episodes.map((e) => byEpisode.get(e)!.entry),
        optimizer,
        label: { proxy: `its reward ${key}`, intended: "the intended measure reported by the environment" },
      }),
    );
  }
  return findings;
}
