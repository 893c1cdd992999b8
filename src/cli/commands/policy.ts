/**
 * `optprov policy FILE`: sign a gate policy into the ledger with its owner's key. A key new to the
 * ledger is registered as a root actor in the same batch as the policy, so a refused policy leaves
 * no actor behind; a policy that is invalid, signed by someone other than its owner, or already
 * expired is refused before anything is opened.
 */
import type { Command } from "commander";
import {
  documentProblem,
  loadPolicy,
  POLICY_LIMITS,
  policyDigest,
  policyProblems,
} from "../../control/policy.js";
import { readInputText } from "../../sdk/input-file.js";
import {
  appendAsActor,
  type GlobalOptions,
  KEY_SOURCE_HELP,
  reportCreated,
  signingKey,
  withLogToAppend,
} from "../context.js";
import { makeOutput } from "../output.js";

export function registerPolicy(program: Command, globals: () => GlobalOptions): void {
  program
    .command("policy <file>")
    .description(
      "Sign a gate policy (YAML) into the ledger with its owner's key; the first is in force at once, later ones once overseers approve",
    )
    .option(
      "--key <key>",
      `the policy owner's key: ${KEY_SOURCE_HELP} (default: $OPTPROV_ACTOR_KEY or keys.actor in optprov.yml)`,
    )
    .action(async (file: string, opts: { key?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const key = signingKey(g, opts.key, "actor", "--key");
      const text = readInputText(file, { what: "policy file", maxBytes: POLICY_LIMITS.bytes });
      const { policy, problems, locate } = loadPolicy(text, file);
      if (policy === undefined) throw policyProblems(problems);
      if (policy.owner !== key.name) {
        const { line, column } = locate(["owner"]);
        throw policyProblems([
          documentProblem(
            "OWNER_MISMATCH",
            file,
            line,
            column,
            "owner",
            `the policy's owner is ${policy.owner}, but the key signing it is ${key.name}'s`,
          ),
        ]);
      }
      const now = new Date();
      if (Date.parse(policy.expires) <= now.getTime()) {
        // The gate would deny every creation under it (POLICY_EXPIRED): signing it can only mislead.
        const { line, column } = locate(["expires"]);
        throw policyProblems(
          [
            documentProblem(
              "POLICY_EXPIRED",
              file,
              line,
              column,
              "expires",
              `the policy expired at ${policy.expires}, before now (${now.toISOString()})`,
            ),
          ],
          "POLICY_EXPIRED",
        );
      }
      const digest = policyDigest(policy);
      const { value: done, created } = await withLogToAppend(g, async (log) => {
        const time = now.toISOString();
        const signed = log.sign("policy", { actor: key.name, time, digest, policy, source: text }, key);
        const { entry, registeredActorAt } = await appendAsActor(log, key, time, signed);
        // The first policy in a ledger is in force at once; the control state says whether this is it.
        return {
          index: entry.index,
          active: log.state.activePolicy()?.index === entry.index,
          digest,
          registeredActorAt,
        };
      });
      reportCreated(created);
      out.result(done, () =>
        [
          ...(done.registeredActorAt !== undefined
            ? [`registered actor ${key.name} at entry #${done.registeredActorAt}`]
            : []),
          done.active
            ? `policy ${policy.name} in force from entry #${done.index}`
            : `policy ${policy.name} recorded at #${done.index}; it takes effect once overseers approve it: optprov review approve ${done.index} --key <overseer key>`,
        ].join("\n"),
      );
    });
}
