/**
 * The files `optprov init` writes: a starter gate policy and an optprov.yml, each field explained
 * where it stands. A test parses both with the real parsers, so the comments cannot drift into a
 * file that no longer loads.
 */
import { PROCESS_KINDS } from "../model/process.js";

export interface StarterPolicyOptions {
  /** The actor who will sign the policy: the name of their key. */
  readonly owner: string;
  /** Who approves; a placeholder the owner replaces. */
  readonly overseer: string;
  /** ISO 8601 with a zone. */
  readonly expires: string;
  /** Where the policy will be, for the command in its header. */
  readonly file: string;
}

/**
 * A starter policy that parses with `parsePolicy`, every field commented.
 *
 * @example parsePolicy(starterPolicy({ owner: "alice", overseer: "reviewer", expires: "2027-01-01T00:00:00Z", file: "policy.yaml" }))
 */
export function starterPolicy(o: StarterPolicyOptions): string {
  return `# A gate policy: who may create which optimizers, what every new optimizer must satisfy, and
# who approves. Sign it into the ledger with its owner's key:
#   optprov policy ${o.file} --key ${o.owner}.key
# The first policy signed into a ledger is in force at once. Each later one takes effect when the
# overseers of the policy in force approve it (it waits in optprov review list).

# The format of this file; always 1.
version: 1
# A name for people, shown by optprov explain and the review queue.
name: starter
# The actor who signs this policy: the name of the key given to optprov policy --key.
owner: ${o.owner}
# enforce: a creation the policy does not allow does not happen.
# audit: it happens anyway, recorded as unapproved, and optprov audit flags it.
mode: enforce
# When the policy stops holding (ISO 8601, with a time zone). After it, the gate denies every
# creation under it; sign a new policy before then. optprov policy refuses an expired one.
expires: "${o.expires}"
# The actors whose approvals count (names of their keys). Nobody can approve an optimizer they
# created, or one created below them. Replace ${o.overseer} with your overseers.
overseers: [${o.overseer}]
# How many distinct overseers must approve a creation that needs approval, a resume of a halted
# optimizer, and the next policy.
approvals: 1
# How deep the tree of optimizers may grow below a root actor (a root's own optimizer has depth
# 1; an optimizer it creates, depth 2; ...).
maxDepth: 4
# Limits that keep a new optimizer legible. Leave a limit out for none.
legibility:
  # Most variables in an explicit world model.
  maxVariables: 64
  # Most rows in any one local model (a relation or table) of the world model.
  maxLocalModelRows: 256
  # Most nodes in the objective's expression.
  maxObjectiveSize: 64
  # Whether a world model may be implicit (declared by the artifact that holds it, with probes).
  allowImplicit: false
# What an objective must be.
objective:
  # It must be stated over explicit world-model variables.
  explicitOnly: true
  # Variable tags it may not read. An objective that reads whether it is watched is the
  # signature of deception, so the oversight mechanism is forbidden.
  forbiddenTags: [oversight]
# Who may create what. For each creation the first rule whose creator matches decides.
rules:
  # creator: by name (exact, a prefix ending in *, or * for anyone), by the creator's own process
  # kind (process: q-learning), or by its verifier key (key: name+id+base64).
  - creator: { name: ${o.owner} }
    # The process kinds this creator may create, from: ${PROCESS_KINDS.join(", ")}.
    mayCreate: [gradient-descent, q-learning, best-of-n]
    # automatic: an allowed creation goes ahead; required: it waits in the review queue for the
    # overseers' approvals.
    approval: required
    # Optional: the most steps and wall-clock seconds a created optimizer may declare; one that
    # declares none, or more, is denied.
    budget: { maxSteps: 1000000, maxWallSeconds: 86400 }
# Detectors that must pass before a creation is decided (names given to the SDK as gateDetectors).
detectors: []
# Clean ancestry: the creator's own record and each ancestor's counts against what it creates. A
# finding at or above the severity (critical, high, medium, low) from any of these monitors denies
# the creation: goodhart (its reward came apart from the intended measure the environment reported),
# constraint (the environment reported it breaking a safety constraint), self-modification (it
# changed a process parameter without an approved change), unapproved (it was itself let through
# without approval under an audit-mode policy). Add "generations: N" to look only N creators up.
ancestry: { detectors: [goodhart, constraint, self-modification, unapproved], severity: high }
`;
}

export interface StarterConfigOptions {
  /** The ledger, relative to the folder of optprov.yml. */
  readonly ledger: string;
  /** The log key: a path relative to the folder of optprov.yml, or env:NAME. */
  readonly logKey: string;
  /** The owner's key file relative to optprov.yml, to show what a key setting looks like. */
  readonly actorKey: string;
}

/**
 * A starter optprov.yml that validates, every setting commented (docs/configuration.md has the table).
 *
 * @example loadYamlDocument(starterConfig({ ledger: ".optprov/ledger.db", logKey: ".optprov/log.key", actorKey: ".optprov/alice.key" }), ...)
 */
export function starterConfig(o: StarterConfigOptions): string {
  return `# optprov settings for this folder and every folder below it; docs/configuration.md lists them.
# A setting here is overridden by its OPTPROV_* environment variable, and that by a flag.
# Paths are relative to the folder of this file. optprov config shows what is in effect.

# The format of this file; always 1.
version: 1
# The ledger file (--ledger, OPTPROV_LEDGER).
ledger: ${o.ledger}
# The log's private key, which signs checkpoints: a file, or env:NAME to read it from a variable
# (--log-key, OPTPROV_LOG_KEY). Keep it private; never commit it.
logKey: ${o.logKey}
# An optprov server: when set, commands work against it instead of the ledger file, which
# optprov serve serves (--server, OPTPROV_URL; the token only from --token or OPTPROV_TOKEN).
# server: https://optprov.example.org
# Keys used when a command's --key or --actor is left out, by the role the command needs
# (OPTPROV_ACTOR_KEY, OPTPROV_OVERSEER_KEY, OPTPROV_WITNESS_KEY).
# keys:
#   actor: ${o.actorKey}    # log append, policy, resume
#   overseer: reviewer.key    # review approve and reject, halt
#   witness: w1.key           # witness cosign; a key made with optprov keygen --witness
`;
}
