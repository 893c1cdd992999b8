/**
 * npx tsx examples/thermostat.ts [ledger]
 *
 * The smallest optimizer there is, twice.
 *
 * 1. A bimetallic strip (`examples/specs/thermostat.optimizer.yaml`): brass and steel bonded
 *    together bend as the room warms, and the bend opens or closes the heater's contact. Its world
 *    model is *implicit*: it lives in the metal, declared by the artifact that holds it (the strip's
 *    datasheet, by digest), by probe evidence tying it to the variables `temperature` and `heater`,
 *    and by an explicit twin. Its process is `external`: physics does the work, and does not search.
 *
 * 2. The twin, run as an optimizer of its own: the spec's explicit world model with its `dynamics`
 *    table re-fitted to what the strip's room actually did, the spec's objective, and a tiny
 *    exhaustive search that tries heater off and on in each temperature band and keeps the better.
 *    The result is a three-row control table anyone can read, emitted as an artifact.
 *
 * Both control the same simulated room for a few hours, recording temperature and heater as steps.
 * The twin looks one minute ahead over three coarse bands, so it holds the room at the lower edge
 * of comfortable; the strip's one-degree differential swings wider. The ledger has both, minute by
 * minute, for anyone to compare.
 */

import { summariseSpec } from "optprov";
import {
  type CptRow,
  cpt,
  evaluateObjective,
  type LocalModel,
  type OptimizerSpec,
  parseObjective,
  predict,
  type Value,
} from "optprov/model";
import { spawnSpecFrom } from "optprov/sdk";
import {
  digestOf,
  type ExampleOptions,
  exampleLedgerPath,
  isMain,
  loadExampleSpec,
  openExampleLedger,
} from "./run-all.js";

export interface ThermostatOptions extends ExampleOptions {
  /** Simulated hours each controller runs (default 6). */
  readonly hours?: number;
}

/** The twin's bands, as the spec names them; comfortable is 19 to 21 degC. */
export const BANDS = ["cold", "comfortable", "hot"] as const;
export type Band = (typeof BANDS)[number];
export const COMFORT = { low: 19, high: 21 } as const;

export function bandOf(celsius: number): Band {
  return celsius < COMFORT.low ? "cold" : celsius > COMFORT.high ? "hot" : "comfortable";
}

// --- the room -------------------------------------------------------------------------------------
// One-minute steps. The room loses heat to the outside in proportion to the difference (time
// constant 150 min) and a running heater adds 0.25 degC a minute: enough to win on a cold day.
const LOSS_PER_MINUTE = 1 / 150;
const HEATER_DEGREES_PER_MINUTE = 0.25;
const START_CELSIUS = 16;

/** A cold day starting at 06:00: 4 degC on average, 3 degC warmer in the afternoon. */
function outside(minute: number): number {
  const hour = 6 + minute / 60;
  return 4 + 3 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
}

function nextRoom(celsius: number, heater: boolean, minute: number): number {
  return celsius - LOSS_PER_MINUTE * (celsius - outside(minute)) + (heater ? HEATER_DEGREES_PER_MINUTE : 0);
}

// --- the strip, as the spec describes it ----------------------------------------------------------
// "Below about 19 degC it touches the contact and closes the heater circuit, above it the contact
// opens": the simulated strip follows the air with a 4-minute lag and snaps shut below 19 degC and
// open above 20 degC (a one-degree differential, usual for bimetal thermostats, so it does not chatter).
const STRIP_LAG_MINUTES = 4;
const CLOSE_BELOW = 19;
const OPEN_ABOVE = 20;

interface Strip {
  celsius: number;
  closed: boolean;
}

function stepStrip(strip: Strip, air: number): void {
  strip.celsius += (air - strip.celsius) / STRIP_LAG_MINUTES;
  if (strip.celsius < CLOSE_BELOW) strip.closed = true;
  else if (strip.celsius > OPEN_ABOVE) strip.closed = false;
}

// --- the twin -------------------------------------------------------------------------------------
type Transition = { readonly band: Band; readonly heater: boolean; readonly next: Band };

/**
 * The spec's `dynamics` table, re-fitted to what the strip's room did: for each band and heater
 * state, how often the band a minute later was cold, comfortable or hot. Every row also gets one
 * pseudo-count on "the band stays the same", a prior that within a minute the band rarely changes;
 * without it a combination the strip never produced (hot with the heater on, say) would have no row.
 */
function fitDynamics(spec: LocalModel, transitions: readonly Transition[]): LocalModel {
  const rows: CptRow[] = [];
  for (const band of BANDS)
    for (const heater of [true, false]) {
      const counts = BANDS.map((b): number => (b === band ? 1 : 0));
      for (const t of transitions)
        if (t.band === band && t.heater === heater) counts[BANDS.indexOf(t.next)]!++;
      const total = counts.reduce((a, b) => a + b, 0);
      rows.push({
        parents: [band, heater],
        distribution: BANDS.map((b, i) => [b, Math.round((counts[i]! / total) * 1e6) / 1e6] as const),
      });
    }
  // Rounding to six places keeps the table readable; put the rounding error on the largest entry
  // so that each row still sums to 1 exactly, as a CPT must.
  for (const row of rows) {
    const dist = row.distribution as (readonly [Value, number])[];
    const err = 1 - dist.reduce((a, [, p]) => a + p, 0);
    const k = dist.reduce((best, [, p], i) => (p > dist[best]![1] ? i : best), 0);
    dist[k] = [dist[k]![0], Math.round((dist[k]![1] + err) * 1e6) / 1e6];
  }
  return cpt(
    spec.name,
    `${spec.description} (fitted to the strip's room, minute by minute)`,
    ["temperature", "heater"],
    "next_temperature",
    rows,
  );
}

/** The twin as an optimizer: the spec's twin, re-fitted, under the spec's objective, searched exhaustively. */
function twinSpec(
  strip: OptimizerSpec,
  transitions: readonly Transition[],
  minutes: number,
  stripName: string,
): OptimizerSpec {
  if (strip.worldModel.kind !== "implicit" || strip.worldModel.twin === undefined)
    throw new Error("thermostat.optimizer.yaml: expected an implicit world model with an explicit twin");
  const twin = strip.worldModel.twin;
  return {
    name: `${strip.name} twin`,
    description:
      "The strip's explicit twin, fitted to the strip's room, choosing the heater by exhaustive search.",
    worldModel: {
      kind: "explicit",
      ...twin,
      localModels: twin.localModels.map((m) => (m.name === "dynamics" ? fitDynamics(m, transitions) : m)),
    },
    objective: strip.objective,
    process: {
      kind: "exhaustive-search",
      params: { space: "heater off or on, in each temperature band" },
      budget: { maxSteps: minutes, maxWallSeconds: 600 },
    },
    metadata: { twinOf: stripName },
  };
}

export interface RoomStats {
  readonly minutes: number;
  /** After the first hour (warming up from 16 degC). */
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly heaterDuty: number;
}

function stats(temps: readonly number[], heater: readonly boolean[]): RoomStats {
  const settled = temps.slice(60);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    minutes: temps.length,
    min: round(Math.min(...settled)),
    max: round(Math.max(...settled)),
    mean: round(settled.reduce((a, b) => a + b, 0) / settled.length),
    heaterDuty: round(heater.filter(Boolean).length / heater.length),
  };
}

const describe = (name: string, s: RoomStats) =>
  `  ${name} ran ${s.minutes} simulated minutes: after the first hour the room stayed within ${s.min}..${s.max} degC (mean ${s.mean}); heater on ${Math.round(s.heaterDuty * 100)}% of the time`;

export interface ThermostatResult {
  readonly strip: string;
  readonly twin: string;
  readonly stripRoom: RoomStats;
  readonly twinRoom: RoomStats;
  readonly controlTable: readonly { readonly band: Band; readonly heater: boolean; readonly score: number }[];
}

/**
 * Record the strip and its twin as optimizers, run each on the simulated room and emit the twin's
 * control table.
 *
 * @example const { twinRoom } = await run({ ledgerPath: "/tmp/ledger.db", hours: 2 });
 */
export async function run(options: ThermostatOptions): Promise<ThermostatResult> {
  const minutes = Math.round((options.hours ?? 6) * 60);
  const { ledger, root, run: id, say } = await openExampleLedger(options);
  try {
    // 1. The strip, declared by the spec file.
    const stripDoc = loadExampleSpec("thermostat.optimizer.yaml");
    if (stripDoc.worldModel.kind !== "implicit")
      throw new Error("thermostat.optimizer.yaml: expected an implicit world model");
    const strip = await root.spawn(spawnSpecFrom(stripDoc, { name: `thermostat-strip-${id}` }));
    const probes = stripDoc.worldModel.probes.map((p) => `${p.variable} ${p.accuracy}`).join(", ");
    say(
      `#${ledger.state.optimizers.get(strip.name)!.index} alice creates ${strip.name} from thermostat.optimizer.yaml: process external, implicit world model ${stripDoc.worldModel.artifact.digest.slice(0, 19)}... (probes: ${probes})`,
    );

    const transitions: Transition[] = [];
    const stripTemps: number[] = [];
    const stripHeater: boolean[] = [];
    await strip.run((ctx) => {
      const s: Strip = { celsius: START_CELSIUS, closed: true };
      let air = START_CELSIUS;
      for (let minute = 0; minute < minutes; minute++) {
        stepStrip(s, air);
        ctx.step({
          minute,
          temperature: Math.round(air * 100) / 100,
          outside: Math.round(outside(minute) * 100) / 100,
          heater: s.closed ? 1 : 0,
        });
        stripTemps.push(air);
        stripHeater.push(s.closed);
        const next = nextRoom(air, s.closed, minute);
        transitions.push({ band: bandOf(air), heater: s.closed, next: bandOf(next) });
        air = next;
      }
    });
    const stripRoom = stats(stripTemps, stripHeater);
    say(describe(strip.name, stripRoom));

    // 2. The explicit twin, fitted to the strip's room, as an optimizer of its own.
    const twinDoc = twinSpec(stripDoc, transitions, minutes, strip.name);
    if (twinDoc.worldModel.kind !== "explicit") throw new Error("unreachable: the twin is explicit");
    const model = twinDoc.worldModel;
    const objective = parseObjective(`${twinDoc.objective.sense} ${twinDoc.objective.expr}`);
    const constants = twinDoc.objective.constants ?? {};
    const outcomes = (decisions: Readonly<Record<string, unknown>>) =>
      predict(model, decisions as Record<string, Value>, ["next_temperature"]).distribution;
    const twinSpawn = spawnSpecFrom(twinDoc, {
      name: `thermostat-twin-${id}`,
      model: {
        predict: outcomes,
        // The objective takes expectations over the band a minute later, so evaluating a decision
        // means weighing each predicted outcome by its probability.
        evaluate: (decisions) =>
          evaluateObjective(objective, decisions as Record<string, Value>, {
            constants,
            expect: outcomes(decisions).map(({ assignment, p }) => ({
              weight: p,
              state: { ...(decisions as Record<string, Value>), ...(assignment as Record<string, Value>) },
            })),
          }),
      },
    });
    const twin = await root.spawn(twinSpawn);
    const legibility = summariseSpec(twinSpawn.document).legibility;
    say(
      `#${ledger.state.optimizers.get(twin.name)!.index} alice creates ${twin.name}: exhaustive search over the spec's twin (${legibility?.variables} variables, largest table ${legibility?.largestLocalModelRows} rows), maximizing ${twinDoc.objective.expr}`,
    );

    const twinTemps: number[] = [];
    const twinHeater: boolean[] = [];
    const controlTable = await twin.run((ctx) => {
      // The search: in each band, heater off and on, scored by the objective under the model. The
      // predictions and the evaluations are recorded as the twin's world-model queries.
      const table = BANDS.map((band) => {
        const [off, on] = [false, true].map((heater) => {
          ctx.predict({ temperature: band, heater });
          const score = ctx.evaluate({ temperature: band, heater }) as number;
          return { band, heater, score: Math.round(score * 10_000) / 10_000 };
        }) as [
          { band: Band; heater: boolean; score: number },
          { band: Band; heater: boolean; score: number },
        ];
        return on.score > off.score ? on : off;
      });
      ctx.emit({
        name: `${twin.name}/control-table`,
        mediaType: "application/json",
        data: {
          rows: table.map(({ band, heater }) => ({ temperature: band, heater: heater ? "on" : "off" })),
        },
        digest: digestOf(table),
      });
      // The control loop: one decision a minute, read off the table.
      let air = START_CELSIUS;
      for (let minute = 0; minute < minutes; minute++) {
        const heater = table.find((r) => r.band === bandOf(air))!.heater;
        ctx.step({
          minute,
          temperature: Math.round(air * 100) / 100,
          outside: Math.round(outside(minute) * 100) / 100,
          heater: heater ? 1 : 0,
        });
        twinTemps.push(air);
        twinHeater.push(heater);
        air = nextRoom(air, heater, minute);
      }
      return table;
    });
    say(`#${ledger.state.optimizers.get(twin.name)!.artifacts.at(-1)} ${twin.name} emits its control table:`);
    for (const r of controlTable)
      say(`    ${r.band.padEnd(11)} -> heater ${r.heater ? "on " : "off"}  (objective ${r.score})`);
    const twinRoom = stats(twinTemps, twinHeater);
    say(describe(twin.name, twinRoom));
    return { strip: strip.name, twin: twin.name, stripRoom, twinRoom, controlTable };
  } finally {
    await ledger.close();
  }
}

if (isMain(import.meta.url)) await run({ ledgerPath: exampleLedgerPath(process.argv[2]) });
