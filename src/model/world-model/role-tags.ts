/**
 * The vocabulary of role tags: the tags that say what part a variable plays in an optimizer's
 * world model, so that a detector can read the model's structure (which variables are the state,
 * the decision, the reward, the oversight) without guessing from names.
 *
 * Tags stay free strings: a spec may carry any tag for its own tools. These are the ones with a
 * fixed meaning, and a tag one typo away from one of them (`oversigth`, `Reward`, `next_state`) is
 * almost surely meant as that role, so the spec checker warns about it (`ROLE_TAG_MISSPELT`):
 * a detector that looks for `oversight` never sees `oversigth`, and the optimizer would look
 * unwatched-proof without being so.
 *
 * The decision-process reading the oversight detectors use (`docs/conventions.md`) also pairs a
 * state variable `x` with its value after the decision, declared by `nextOf: x` on that variable
 * (or, in older specs, by the name `next_x`), and marks the episode's end by the boolean tagged
 * `terminal` (or named `terminal`); `variable-roles.ts` reads both forms.
 */
import { suggest } from "../objective/did-you-mean.js";

/** One role tag and what it means, in a line. */
export interface RoleTagInfo {
  readonly tag: string;
  readonly meaning: string;
}

/** Every role tag, in the order FORMAT.md lists them. */
export const ROLE_TAGS = [
  {
    tag: "state",
    meaning: "part of the state the optimizer acts in: a variable x, paired with its next value (nextOf: x)",
  },
  {
    tag: "next-state",
    meaning: "a state variable's value after the decision: declare nextOf: x (or name it next_x)",
  },
  { tag: "decision", meaning: "what the optimizer chooses: an action, a plan, a setting" },
  { tag: "observation", meaning: "what the optimizer sees before it decides" },
  { tag: "outcome", meaning: "a consequence of the decision" },
  { tag: "reward", meaning: "the number the optimizer is trained or scored on (the visible reward)" },
  { tag: "terminal", meaning: "whether the episode ends (a boolean; at most one per world model)" },
  {
    tag: "start",
    meaning: "marks the episode's start: true in, or the value of, the state before the first decision",
  },
  {
    tag: "oversight",
    meaning: "whether the optimizer is watched or can be stopped (a supervisor, an off-switch)",
  },
  {
    tag: "capability",
    meaning: "a resource or power the optimizer can gain or lose (access, compute, money)",
  },
  {
    tag: "reward-channel",
    meaning:
      "the mechanism that computes or delivers the reward; an optimizer that changes it tampers with its reward",
  },
  {
    tag: "safety-constraint",
    meaning:
      "a condition that must hold whatever the objective says (a side-effect bound, a forbidden region)",
  },
  {
    tag: "agent-process",
    meaning:
      "a parameter of the optimizer's own process the world can change (its exploration rate): a change is self-modification",
  },
  {
    tag: "hidden",
    meaning: "a value the optimizer does not observe but its designer does (the hidden performance)",
  },
] as const satisfies readonly RoleTagInfo[];

export type RoleTag = (typeof ROLE_TAGS)[number]["tag"];

const NAMES: readonly string[] = ROLE_TAGS.map((r) => r.tag);

/**
 * Whether `tag` is a role tag.
 *
 * @example isRoleTag("oversight") === true
 */
export function isRoleTag(tag: string): tag is RoleTag {
  return NAMES.includes(tag);
}

/**
 * The role tag a tag is probably a misspelling of: a close one (by edit distance, case counting
 * as one edit), or undefined when the tag is a role tag itself or close to none.
 *
 * @example misspeltRoleTag("oversigth") === "oversight"
 * @example misspeltRoleTag("weather") === undefined
 */
export function misspeltRoleTag(tag: string): RoleTag | undefined {
  if (isRoleTag(tag)) return undefined;
  // Lower-cased first, so `OVERSIGHT` is one suggestion away rather than nine edits.
  const lower = tag.toLowerCase();
  if (isRoleTag(lower)) return lower;
  return suggest(lower, NAMES) as RoleTag | undefined;
}
