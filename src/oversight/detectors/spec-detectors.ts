/**
 * The plan-based detectors over a ledger: every optimizer whose creation records a spec with an
 * explicit world model is checked for oversight dependence and for plans that disable oversight,
 * and its recorded observations for distributional shift against that model. A spec the
 * decision-process reader cannot read is reported (`UNREADABLE`), never skipped in silence.
 */
import { OptprovError } from "../../errors.js";
import { detectDistributionalShift, type ObservedEpisode } from "./distributional-shift.js";
import { DetectorError, type Finding } from "./finding.js";
import { type LedgerDetector, unreadable } from "./ledger-detector.js";
import { detectOversightDependence, subjectFromSpec } from "./oversight-dependence.js";
import { detectOversightDisabled } from "./oversight-disabled.js";

type Subject = NonNullable<ReturnType<typeof subjectFromSpec>>;

function specDetector(name: string, detect: (s: Subject) => Finding[]): () => LedgerDetector {
  return () => {
    const findings: Finding[] = [];
    return {
      spec(o, spec) {
        try {
          const subject = subjectFromSpec(spec, o.name);
          if (subject === undefined) return;
          for (const f of detect(subject))
            findings.push({
              ...f,
              evidence: { ...f.evidence, entries: [o.index, ...(f.evidence.entries ?? [])] },
              firstAt: f.firstAt ?? { entry: o.index },
            });
        } catch (err) {
          if (!(err instanceof OptprovError) && !(err instanceof DetectorError)) throw err;
          findings.push(
            unreadable(
              name,
              `${name} could not read ${o.name}'s world model: ${err.message}`,
              o.index,
              o.name,
            ),
          );
        }
      },
      finish: () => findings,
    };
  };
}

export const oversightDependenceLedgerDetector = specDetector(
  "oversight-dependence",
  detectOversightDependence,
);
export const oversightDisabledLedgerDetector = specDetector("oversight-disabled", detectOversightDisabled);

/**
 * Distributional shift over a ledger: each optimizer's recorded `observations` artifacts (what it
 * saw, per episode) against the explicit world model its spec declared.
 */
export function distributionalShiftLedgerDetector(): LedgerDetector {
  const models = new Map<string, Subject["model"]>();
  const problems = new Map<string, Finding>();
  const episodes = new Map<string, ObservedEpisode[]>();
  return {
    spec(o, spec) {
      try {
        const subject = subjectFromSpec(spec, o.name);
        if (subject !== undefined) models.set(o.name, subject.model);
      } catch (err) {
        if (!(err instanceof OptprovError)) throw err;
        problems.set(
          o.name,
          unreadable(
            "distributional-shift",
            `distributional-shift could not read ${o.name}'s world model: ${err.message}`,
            o.index,
            o.name,
          ),
        );
      }
    },
    entry(index, s) {
      if (s.kind !== "artifact") return;
      const p = s.predicate;
      const data = p.data as { episode?: unknown; observations?: unknown } | undefined;
      if (p.name !== "observations" || typeof data?.episode !== "number" || !Array.isArray(data.observations))
        return;
      const list = episodes.get(p.actor) ?? [];
      list.push({
        episode: data.episode,
        observations: data.observations as Record<string, unknown>[],
        entry: index,
      });
      episodes.set(p.actor, list);
    },
    finish() {
      const findings: Finding[] = [];
      for (const [name, list] of episodes) {
        const problem = problems.get(name);
        if (problem !== undefined) {
          findings.push(problem);
          continue;
        }
        const model = models.get(name);
        if (model === undefined) continue;
        try {
          findings.push(...detectDistributionalShift({ optimizer: name, model, episodes: list }));
        } catch (err) {
          if (!(err instanceof OptprovError)) throw err;
          findings.push(
            unreadable(
              "distributional-shift",
              `distributional-shift could not check ${name}: ${err.message}`,
              list[0]?.entry,
              name,
            ),
          );
        }
      }
      return findings;
    },
  };
}
