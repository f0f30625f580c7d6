// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * `deno task sim`: runs one simulation scenario and prints its report.
 * `deno task sim:soak`: runs random seeds over every scenario until time is up.
 *
 *   deno task sim --scenario steady --nodes 1000 --seed 1 [--json]
 *   deno task sim --scenario chaos --nodes 30 --seed 2 --trace-digest
 *   deno task sim --scenario chaos --nodes 200 --seed 2 --trace chaos.jsonl.gz
 *   deno task sim:soak --minutes 10 [--nodes 50] [--scenario chaos]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runScenario, scaledOptions, SCENARIOS, type SimReport } from "../testing/sim/scenarios.ts";
import { runGoldenCase } from "../testing/sim/golden_traces.ts";
import { INSIDER_ATTACKS, runAttack } from "../testing/sim/insider.ts";
import { TraceWriter } from "../testing/sim/trace_writer.ts";
import { TraceSink } from "../testing/sim/trace_file.ts";

const USAGE = `Usage:
  deno task sim [--scenario NAME] [--nodes N] [--seed S] [--json | --trace-digest] [--trace FILE]
                [--nat FRACTION [--symmetric-nat SHARE]]
  deno task sim --scenario insider [--attack NAME] [--nodes N] [--seed S] [--json]
  deno task sim:soak [--minutes M] [--nodes N] [--scenario NAME]

--trace-digest prints one JSON line instead of the report: the SHA-256 of every
effect of every node in order (with address and virtual time), the number of
effects, and the digest of the report (or the error). deno task golden compares
the whole matrix with tests/fixtures/golden_traces.json.

--nat FRACTION puts that share of the peers (0-1) behind home routers: nobody
can dial them; each reserves at a relay (the bootstrap or a public peer, the
less loaded of two) and advertises its relayed address; links to it are
punched through, or stay relayed when either end is behind a symmetric NAT
(--symmetric-nat SHARE of the NAT'd peers, default 0.2). The report then says
how links ran and how the relays were loaded.

--trace FILE also writes an event trace of the run for replay (JSON lines,
format p2pchat-sim-trace/1, see docs/sim-trace.md; gzip when FILE ends in .gz).
It is written after the run (kept in memory meanwhile), also when the run fails.

Scenarios:
${Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(15)} ${s.description}`).join("\n")}
  insider         hostile members against an honest room (--nodes honest peers, default 30):
                  each attack in a world of its own from the seed; reports honest delivery
                  during the attack and at the end, latency, peaks and recovery time

Attacks (--attack NAME, default all):
${
  Object.entries(INSIDER_ATTACKS).map(([name, a]) => `  ${name.padEnd(17)} ${a.description}`)
    .join("\n")
}`;

function fail(message: string): never {
  console.error(`sim: ${message}`);
  Deno.exit(2);
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    fail(`invalid --${name} '${text}': expected an integer ≥ ${min}`);
  }
  return value;
}

/**
 * The process's peak resident memory over a run. A run is one synchronous
 * loop, so no timer can sample it: every {@linkcode RSS_CHECK_EVERY} time
 * steps the simulator looks at the clock, and samples when
 * {@linkcode RSS_SAMPLE_MS} have passed. A sample costs ~0.1 ms with a large
 * heap (sampling every 256 steps took 1.4 % of a run); `/proc/self/status`'s
 * high-water mark would be exact, but Deno reads it only with `--allow-all`.
 */
class PeakRss {
  #steps = 0;
  /** Before the world exists: the runtime and the modules. */
  readonly #start = Deno.memoryUsage().rss;
  #peak = this.#start;
  #sampledAtMs = performance.now();

  onAdvance(): void {
    if (++this.#steps % RSS_CHECK_EVERY !== 0) return;
    const nowMs = performance.now();
    if (nowMs - this.#sampledAtMs < RSS_SAMPLE_MS) return;
    this.#sampledAtMs = nowMs;
    this.#sample();
  }

  /** The peak so far, in MB (10^6 bytes), one decimal. */
  peakMb(): number {
    this.#sample();
    return round1(this.#peak / 1e6);
  }

  /** What the run added at its peak, per simulated node, in KB (10^3 bytes). */
  perNodeKb(nodes: number): number {
    this.#sample();
    return round1((this.#peak - this.#start) / 1e3 / nodes);
  }

  #sample(): void {
    const rss = Deno.memoryUsage().rss;
    if (rss > this.#peak) this.#peak = rss;
  }
}

/** Simulator time steps between two looks at the clock. */
const RSS_CHECK_EVERY = 256;
/** Wall-clock ms between two samples of the resident memory. */
const RSS_SAMPLE_MS = 50;

/** What a run cost this process: wall time and memory. */
interface RunCost {
  /** Wall-clock seconds of the run. */
  wall_s: number;
  /** Peak resident memory of the process, MB. */
  peak_rss_mb: number;
  /** The peak less the memory before the world was built, per simulated node, KB. */
  peak_rss_kb_per_node: number;
}

function printReport(report: SimReport, cost: RunCost): void {
  const lines: string[] = [
    `scenario ${report.scenario}: ${report.nodes} nodes, seed ${report.seed}`,
    `  simulated ${report.simulated_s} s in ${cost.wall_s} s wall (${report.events} events), peak RSS ${cost.peak_rss_mb} MB (${cost.peak_rss_kb_per_node} KB per node above the start)`,
    `  membership converged ${report.membership_convergence_ms ?? "-"} ms after the last join`,
  ];
  if (report.rounds !== null) {
    lines.push(
      `  dissemination: ${report.rounds.p50} rounds median, ${report.rounds.max} max (log2 N + ln N = ${report.rounds.pittel_bound})`,
      `  chat sends per broadcast: ${report.chat_sends_per_broadcast} once an author's tree is built, ${report.chat_sends_first_broadcast} for its first (N-1 = ${report.n_minus_1})`,
    );
  }
  if (report.latency_ms !== null) {
    const l = report.latency_ms;
    lines.push(`  delivery latency ms: p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}`);
  }
  if (report.latency_after_heal_ms !== null) {
    const l = report.latency_after_heal_ms;
    lines.push(
      `  delivered after the faults stopped, ms from then: p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}`,
    );
  }
  lines.push(
    `  broadcasts ${report.broadcasts}, delivery ratio ${report.delivery_ratio}, chat sends per broadcast ${
      report.chat_sends_per_broadcast_all ?? "-"
    } (all; ${report.chat_repairs_per_broadcast ?? "-"} of them repairs)`,
    `  after the faults stopped: everything delivered in ${
      report.delivered_after_heal_ms ?? "-"
    } ms, membership converged in ${report.converged_after_heal_ms ?? "-"} ms`,
  );
  const f = report.failures;
  lines.push(
    `  failures: ${f.crashes} crashes, detection ms ${
      f.detection_ms === null ? "-" : `p50 ${f.detection_ms.p50}, max ${f.detection_ms.max}`
    }, false positives ${f.false_positives} (${f.false_positive_peers} peers), verdicts across partitions ${f.partition_verdicts}`,
    `  peaks: held back ${report.peaks.held_back}, history ${report.peaks.history}, members ${report.peaks.members}, neighbours ${report.peaks.neighbours}`,
    `  sent: ${
      Object.entries(report.sent_by_type).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`)
        .join(", ")
    }`,
  );
  const nat = report.nat;
  if (nat !== undefined) {
    lines.push(
      `  nat: peers ${nat.peers.nat} behind NAT, ${nat.peers.symmetric_nat} behind symmetric NAT, ${nat.peers.public} public; links direct ${nat.links.direct} (${nat.link_shares.direct}), punched ${nat.links.punched} (${nat.link_shares.punched}), relayed ${nat.links.relayed} (${nat.link_shares.relayed})`,
      `  relays: ${nat.reservations_per_relay.relays} hold reservations (mean ${nat.reservations_per_relay.mean}, max ${nat.reservations_per_relay.max}); relayed messages ${nat.relayed_messages.total} (busiest relay ${nat.relayed_messages.busiest_relay}, ${
        nat.relayed_messages.per_broadcast ?? "-"
      } per broadcast); dials of NAT'd addresses ${nat.unreachable_dials}`,
    );
  }
  console.log(lines.join("\n"));
}

/** `--scenario insider`: each attack (or the one named) at one seed; a line or a JSON object per attack. */
function insider(
  values: { attack?: string; nodes?: string; seed?: string; json: boolean },
): number {
  if (values.attack !== undefined && !(values.attack in INSIDER_ATTACKS)) {
    fail(
      `unknown attack '${values.attack}': expected one of ${
        Object.keys(INSIDER_ATTACKS).join(", ")
      }`,
    );
  }
  const nodes = integer("nodes", values.nodes, 30, 4);
  const seed = integer("seed", values.seed, 1, 0);
  const attacks = values.attack === undefined ? Object.keys(INSIDER_ATTACKS) : [values.attack];
  if (!values.json) console.log(`scenario insider: ${nodes} honest peers, seed ${seed}`);
  for (const attack of attacks) {
    const started = performance.now();
    let result;
    try {
      result = runAttack(attack, { nodes, seed });
    } catch (error) {
      console.error((error as Error).message);
      return 1;
    }
    const wallS = (performance.now() - started) / 1000;
    if (values.json) {
      console.log(JSON.stringify({ ...result, seed, nodes, wall_s: round1(wallS) }));
      continue;
    }
    const l = result.latency_ms;
    console.log(
      `  ${
        attack.padEnd(17)
      } delivery ${result.delivery_during} during, ${result.delivery_final} at the end; ` +
        `p99 ${l === null ? "-" : l.p99} ms; recovered ${result.recovered_ms ?? "never"} ms; ` +
        `peaks held ${result.peaks.held_back}, history ${result.peaks.history}, members ${result.peaks.members}` +
        Object.entries(result.outcome).map(([k, v]) => `; ${k} ${v}`).join("") +
        ` (${wallS.toFixed(1)} s)`,
    );
  }
  return 0;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function soak(minutes: number, nodes: number, only: string | undefined): number {
  const names = only === undefined ? Object.keys(SCENARIOS) : [only];
  const deadline = performance.now() + minutes * 60_000;
  let runs = 0;
  let failures = 0;
  while (performance.now() < deadline) {
    const seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
    const scenario = names[runs % names.length]!;
    runs++;
    const started = performance.now();
    try {
      const report = runScenario({ scenario, nodes, seed });
      console.log(
        `ok   ${scenario.padEnd(15)} seed ${String(seed).padEnd(10)} ${
          ((performance.now() - started) / 1000).toFixed(1)
        } s, delivered after heal ${report.delivered_after_heal_ms} ms, false positives ${report.failures.false_positives}`,
      );
    } catch (error) {
      failures++;
      console.log(`FAIL ${scenario} seed ${seed}\n${(error as Error).message}`);
    }
  }
  console.log(`${runs} runs, ${failures} failed`);
  return failures === 0 ? 0 : 1;
}

/** `--nat` and `--symmetric-nat`, checked. */
function natOption(values: { nat?: string; "symmetric-nat"?: string }) {
  if (values.nat === undefined) {
    if (values["symmetric-nat"] !== undefined) fail("--symmetric-nat goes with --nat");
    return {};
  }
  const share = (flag: string, text: string) => {
    const value = Number(text);
    if (text.trim() === "" || !(value >= 0 && value <= 1)) {
      fail(`--${flag} must be a number from 0 to 1, got '${text}'`);
    }
    return value;
  };
  return {
    nat: {
      fraction: share("nat", values.nat),
      ...(values["symmetric-nat"] === undefined
        ? {}
        : { symmetricShare: share("symmetric-nat", values["symmetric-nat"]) }),
    },
  };
}

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        scenario: { type: "string" },
        nodes: { type: "string" },
        seed: { type: "string" },
        json: { type: "boolean", default: false },
        "trace-digest": { type: "boolean", default: false },
        trace: { type: "string" },
        soak: { type: "boolean", default: false },
        attack: { type: "string" },
        minutes: { type: "string" },
        nat: { type: "string" },
        "symmetric-nat": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${(error as Error).message.split("\n")[0]} (see --help)`);
  }
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (
    values.trace !== undefined &&
    (values.soak || values["trace-digest"] || values.scenario === "insider")
  ) {
    fail("--trace goes with a single run (not --soak, --trace-digest or --scenario insider)");
  }
  if (values.trace === "") fail("--trace needs a file name");
  if (values.scenario === "insider") {
    Deno.exit(insider(values));
  }
  if (values.attack !== undefined) fail("--attack goes with --scenario insider");
  if (values.scenario !== undefined && !(values.scenario in SCENARIOS)) {
    fail(
      `unknown scenario '${values.scenario}': expected one of ${Object.keys(SCENARIOS).join(", ")}`,
    );
  }
  const nodes = integer("nodes", values.nodes, values.soak ? 50 : 100, 2);
  if (values.soak) {
    Deno.exit(soak(integer("minutes", values.minutes, 5, 1), nodes, values.scenario));
  }
  const seed = integer("seed", values.seed, 1, 0);
  if (values["trace-digest"]) {
    console.log(
      JSON.stringify(runGoldenCase({ scenario: values.scenario ?? "steady", nodes, seed })),
    );
    Deno.exit(0);
  }
  const scenario = values.scenario ?? "steady";
  const sink = values.trace === undefined ? undefined : new TraceSink();
  const writer = sink === undefined ? undefined : new TraceWriter({ write: sink.write });
  writer?.header({ scenario, nodes, seed, options: { peer: scaledOptions(nodes) } });
  let lastMs = 0;
  const memory = new PeakRss();
  const observers = [
    memory,
    ...(writer === undefined ? [] : [writer, {
      onAdvance: (toMs: number) => {
        lastMs = toMs;
      },
    }]),
  ];
  const started = performance.now();
  let status = 0;
  try {
    const report = runScenario({ scenario, nodes, seed, observers, ...natOption(values) });
    const wallS = (performance.now() - started) / 1000;
    const memoryFigures = {
      wall_s: round1(wallS),
      peak_rss_mb: memory.peakMb(),
      peak_rss_kb_per_node: memory.perNodeKb(nodes),
    };
    if (values.json) console.log(JSON.stringify({ ...report, ...memoryFigures }));
    else printReport(report, memoryFigures);
  } catch (error) {
    console.error((error as Error).message);
    status = 1;
  }
  if (writer !== undefined && sink !== undefined && values.trace !== undefined) {
    writer.finish(lastMs);
    try {
      const bytes = await sink.save(values.trace);
      console.error(`sim: trace ${values.trace}: ${writer.lines} lines, ${bytes} bytes`);
    } catch (error) {
      console.error(`sim: cannot write trace ${values.trace}: ${(error as Error).message}`);
      status = 1;
    }
  }
  Deno.exit(status);
}
