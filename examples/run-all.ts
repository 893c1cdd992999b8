/**
 * npx tsx examples/run-all.ts [ledger] [--quick]
 *
 * Runs the three worked examples (thermostat, tic-tac-toe self-play, hyper-parameter search) into
 * one ledger (default `.optprov/ledger.db`, or $OPTPROV_LEDGER), verifies the whole ledger offline
 * and prints a short summary. Safe to run again and again on the same ledger: the people and the
 * policy are reused, and each run names its optimizers after the ledger's size when it started.
 *
 * This module also holds what every example shares, so that each can run on its own too: the
 * examples' people (alice, the root, and overseer-bob) with their keys kept in files beside the
 * ledger, the examples' gate policy, and loading the example specs.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  explain,
  generateSignerKey,
  parsePolicy,
  parseSignerKey,
  policyDigest,
  provenanceTree,
  renderExplanation,
  renderTree,
  type SignerKey,
  type TreeNode,
} from "optprov";
import { formatSignerKey } from "optprov/ledger";
import { canonicalJson, loadSpec, type OptimizerSpec } from "optprov/model";
import { verifyLedger } from "optprov/oversight";
import { type Ledger, type Optimizer, openLedger } from "optprov/sdk";

/** What every example's `run` takes. */
export interface ExampleOptions {
  /** The SQLite ledger file; keys live in `keys/` beside it. */
  readonly ledgerPath: string;
  /** Where the example's story goes, one line at a time (default: stdout). */
  readonly log?: (line: string) => void;
}

export const ROOT = "alice";
export const OVERSEER = "overseer-bob";
const POLICY_FILE = fileURLToPath(new URL("./policy.yaml", import.meta.url));

/** An open ledger with the examples' people and policy in place. */
export interface ExampleLedger {
  readonly ledger: Ledger;
  readonly root: Optimizer;
  readonly overseer: SignerKey;
  /** Suffix that keeps this run's optimizer names apart from earlier runs' (the ledger size at the start). */
  readonly run: string;
  readonly say: (line: string) => void;
}

/** The ledger file: the one given, else $OPTPROV_LEDGER, else `.optprov/ledger.db` (the CLI's default). */
export function exampleLedgerPath(explicit?: string): string {
  return explicit ?? (process.env.OPTPROV_LEDGER || path.join(".optprov", "ledger.db"));
}

/** A private key written by `optprov keygen` or by {@link openExampleLedger}. */
export function readKeyFile(file: string): SignerKey {
  return parseSignerKey(fs.readFileSync(file, "utf8").trim());
}

/**
 * A person's key, kept in `keys/NAME.key` (mode 0600) beside the ledger so that a later run acts
 * as the same person; created on first use. The same files `npm run demo` uses.
 */
function personKey(ledgerPath: string, name: string): SignerKey {
  const file = path.join(path.dirname(path.resolve(ledgerPath)), "keys", `${name}.key`);
  if (fs.existsSync(file)) return readKeyFile(file);
  const key = generateSignerKey(name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${formatSignerKey(key)}\n`, { mode: 0o600, flag: "wx" });
  return key;
}

/**
 * Put the examples' policy in force unless it already is. The first policy of a ledger is in force
 * at once; a changed one (policy.yaml edited since the last run, or another policy installed since)
 * needs the overseer's approval under the policy in force, which the example gives and says so.
 */
async function installPolicy(
  ledger: Ledger,
  owner: SignerKey,
  overseer: SignerKey,
  say: (line: string) => void,
): Promise<void> {
  const source = fs.readFileSync(POLICY_FILE, "utf8");
  const digest = policyDigest(parsePolicy(source, POLICY_FILE));
  if (ledger.state.activePolicy()?.digest === digest) return;
  // Only an entry never in force can be approved into force; a policy that was in force and was
  // replaced comes back as a new entry.
  const pending = ledger.state.policies.find((p) => p.digest === digest && p.activeFrom === undefined);
  const index = pending?.index ?? (await ledger.setPolicy(source, owner)).index;
  if (ledger.state.activePolicy()?.digest === digest) {
    say(
      `#${index} ${owner.name} signs the examples' policy (examples/policy.yaml, ${digest.slice(0, 12)}); it is in force`,
    );
    return;
  }
  const approval = await ledger.review(
    index,
    overseer,
    "approve",
    "the examples' policy, changed in policy.yaml",
  );
  say(
    `#${index} ${owner.name} signs a changed examples' policy; #${approval.index} ${overseer.name} approves it`,
  );
}

/**
 * Open `ledgerPath` and make sure alice (the root) and overseer-bob are registered and the
 * examples' policy is in force.
 */
export async function openExampleLedger(options: ExampleOptions): Promise<ExampleLedger> {
  const say = options.log ?? ((line: string) => console.log(line));
  fs.mkdirSync(path.dirname(path.resolve(options.ledgerPath)), { recursive: true });
  const ledger = await openLedger({ path: options.ledgerPath });
  try {
    const alice = personKey(options.ledgerPath, ROOT);
    const overseer = personKey(options.ledgerPath, OVERSEER);
    const root = await ledger.root({ name: ROOT, key: alice });
    await ledger.actor(OVERSEER, overseer, "overseer");
    await installPolicy(ledger, alice, overseer, say);
    return { ledger, root, overseer, run: `r${ledger.log.size}`, say };
  } catch (err) {
    await ledger.close();
    throw err;
  }
}

/** `sha256` of a value's canonical JSON, as the ledger's 64 hex digits. */
export function digestOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex");
}

/** Load one of `examples/specs/*.optimizer.yaml`, or throw with every problem, located. */
export function loadExampleSpec(file: string): OptimizerSpec {
  const where = fileURLToPath(new URL(`./specs/${file}`, import.meta.url));
  const { spec, errors } = loadSpec(fs.readFileSync(where, "utf8"), where);
  if (spec === undefined) throw new Error(errors.map((e) => e.format()).join("\n"));
  return spec;
}

/** Whether the module at `url` is the script node was started with (`tsx examples/x.ts`). */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && path.resolve(script) === fileURLToPath(url);
}

export interface RunAllOptions extends ExampleOptions {
  /** Small sizes (a minute's work becomes a couple of seconds), for tests and quick looks. */
  readonly quick?: boolean;
}

export interface RunAllResult {
  readonly entries: number;
  readonly verified: boolean;
  /** The optimizers this run created directly under the root, in order; their descendants hang below. */
  readonly created: readonly string[];
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/**
 * Run the three examples into one ledger, then verify it and draw what this run created.
 *
 * @example await runAll({ ledgerPath: ".optprov/ledger.db" });
 */
export async function runAll(options: RunAllOptions): Promise<RunAllResult> {
  const say = options.log ?? ((line: string) => console.log(line));
  // Imported here, not at the top: the examples import this module for their shared setup, and a
  // static import both ways would make the module graph a cycle.
  const { run: thermostat } = await import("./thermostat.js");
  const { run: ticTacToe } = await import("./tic-tac-toe/self-play.js");
  const { run: hyperparameterSearch } = await import("./hyperparameter-search.js");
  const quick = options.quick === true;
  say("== thermostat: a bimetallic strip and its explicit twin ==");
  const t = await thermostat({ ...options, ...(quick ? { hours: 2 } : {}) });
  say("\n== tic-tac-toe: a tabular learner creates an MCTS player through the gate ==");
  const g = await ticTacToe({
    ...options,
    ...(quick ? { trainingGames: 500, games: 10, simulations: 50 } : {}),
  });
  say("\n== hyper-parameter search: three generations of optimizers ==");
  const h = await hyperparameterSearch({ ...options, ...(quick ? { epochs: 200 } : {}) });
  const created = [t.strip, t.twin, g.learner, h.search];

  const ledger = await openLedger({ path: options.ledgerPath });
  try {
    const report = await verifyLedger(ledger.log.store);
    await ledger.refresh();
    const { state } = ledger;
    // The provenance tree, cut down to what this run created (earlier runs hang off alice too).
    const alice = provenanceTree(state).find((n) => n.name === ROOT)!;
    const mine: TreeNode = { ...alice, children: alice.children.filter((c) => created.includes(c.name)) };
    say(`\n== what this run created ==\n${renderTree([mine])}`);
    const explanation = await explain(state, ledger.log.store, g.player);
    if (explanation !== undefined) {
      say(`\n== optprov explain ${g.player} (without its spec's three parts, which the CLI adds) ==`);
      say(renderExplanation(explanation));
    }
    const steps = [...state.optimizers.values()].reduce((n, o) => n + o.steps, 0);
    say(`\n== ledger ${options.ledgerPath} ==`);
    say(
      `${plural(report.entries, "entry", "entries")}, ${plural(state.optimizers.size, "optimizer")}, ${plural(state.requests.size, "gate request")}, ${plural(steps, "step")} recorded`,
    );
    say(
      report.ok
        ? `verified offline: every signature, parent link and Merkle node checks out (root ${report.root.slice(0, 16)}...)`
        : `VERIFY FAILED: ${report.problem?.code} ${report.problem?.message}`,
    );
    return { entries: report.entries, verified: report.ok, created };
  } finally {
    await ledger.close();
  }
}

// No top-level await here: the examples import this module, and while a module awaits at the top
// level nothing that imports it can finish loading, so `runAll`'s imports would wait forever.
if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const ledgerPath = exampleLedgerPath(args.find((a) => !a.startsWith("--")));
  runAll({ ledgerPath, quick: args.includes("--quick") }).then(
    (result) => {
      if (!result.verified) process.exitCode = 1;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
