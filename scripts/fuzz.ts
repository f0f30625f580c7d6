// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * `deno task fuzz`: runs the fuzz targets of `testing/fuzz/` on random seeds for
 * as long as asked, prints iterations per second per target and every
 * failure with its seed, iteration and replay command, then checks that
 * decoding many mutated inputs leaves no memory behind.
 *
 *   deno task fuzz [--seconds N] [--target NAME[,NAME…]] [--strict]
 *   deno task fuzz --target NAME --seed S [--iterations N]
 *   deno task fuzz --target NAME --seed S --iteration I     (replay one iteration)
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type CampaignResult,
  describeFailure,
  type FuzzTarget,
  type KnownIssueHits,
  replayCommand,
  runCampaign,
} from "../testing/fuzz/harness/fuzz_campaign.ts";
import { FUZZ_TARGETS } from "../testing/fuzz/fuzz_targets.ts";
import { mutatedDecodeSteps } from "../testing/fuzz/targets/decode_message_target.ts";
import { measureHeapGrowth } from "../testing/fuzz/harness/heap_growth.ts";
import { KNOWN_ISSUES, type KnownIssueId } from "../testing/fuzz/harness/known_issues.ts";
import { seededRandom } from "../lib/random/random.ts";

/** The heap check's name for `--target`. */
const HEAP = "heap";
/** Iterations of the heap check, and the growth it tolerates with and without an exposed GC. */
const HEAP_ITERATIONS = 200_000;
const HEAP_GROWTH_MAX_GC = 1 << 20;
const HEAP_GROWTH_MAX_NO_GC = 8 << 20;
/** Iterations per random seed before the next seed. */
const CAMPAIGN_ITERATIONS = 2_000;

const USAGE = `Usage:
  deno task fuzz [--seconds N] [--target NAME[,NAME…]] [--strict]
  deno task fuzz --target NAME --seed S [--iterations N]
  deno task fuzz --target NAME --seed S --iteration I

Runs random seeds for N seconds in all (default 60), shared among the targets;
with --seed, that campaign only; with --iteration, that one iteration.
--strict fails on known issues too.

Targets:
${FUZZ_TARGETS.map((t) => `  ${t.name.padEnd(20)} ${t.description}`).join("\n")}
  ${
  HEAP.padEnd(20)
} ${HEAP_ITERATIONS} decodeMessage calls on mutated input: the heap must not grow`;

function fail(message: string): never {
  console.error(`fuzz: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    fail(`invalid --${name} '${text}': expected an integer ≥ ${min}`);
  }
  return value;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

function knownLines(
  target: string,
  known: ReadonlyMap<KnownIssueId, KnownIssueHits & { seed: number }>,
): string[] {
  return [...known].map(([issue, hits]) =>
    `    known issue ${issue}: ${hits.count} iterations, e.g. ${
      replayCommand(target, hits.seed, hits.firstIteration)
    }`
  );
}

/** Runs one target on random seeds until its deadline; returns whether it found no failure. */
async function soak(target: FuzzTarget, seconds: number, strict: boolean): Promise<boolean> {
  const deadlineMs = performance.now() + seconds * 1000;
  let iterations = 0;
  let elapsedMs = 0;
  const seeds: number[] = [];
  const known = new Map<KnownIssueId, KnownIssueHits & { seed: number }>();
  let failure: CampaignResult["failure"];
  while (performance.now() < deadlineMs && failure === undefined) {
    const seed = randomSeed();
    seeds.push(seed);
    const result = await runCampaign(target, {
      seed,
      iterations: CAMPAIGN_ITERATIONS,
      deadlineMs,
      strict,
    });
    iterations += result.iterations;
    elapsedMs += result.elapsedMs;
    failure = result.failure;
    for (const [issue, hits] of result.knownIssues) {
      const entry = known.get(issue);
      if (entry === undefined) known.set(issue, { ...hits, seed });
      else entry.count += hits.count;
    }
  }
  const rate = elapsedMs > 0 ? Math.round((iterations * 1000) / elapsedMs) : 0;
  const seedText = seeds.length <= 3
    ? seeds.join(", ")
    : `${seeds.slice(0, 3).join(", ")} and ${seeds.length - 3} more`;
  console.log(
    `${target.name.padEnd(20)} ${String(iterations).padStart(8)} iterations ${
      String(rate).padStart(7)
    }/s  seeds ${seedText}`,
  );
  for (const line of knownLines(target.name, known)) console.log(line);
  if (failure !== undefined) console.log(`\n${describeFailure(failure)}\n`);
  return failure === undefined;
}

/** Decodes many mutated inputs and checks the heap did not grow; returns whether it held. */
async function heapCheck(seed: number): Promise<boolean> {
  const step = mutatedDecodeSteps(seededRandom(seed));
  const started = performance.now();
  const growth = await measureHeapGrowth(step, { iterations: HEAP_ITERATIONS, samples: 50 });
  const seconds = (performance.now() - started) / 1000;
  const limit = growth.gcExposed ? HEAP_GROWTH_MAX_GC : HEAP_GROWTH_MAX_NO_GC;
  const ok = growth.growthBytes <= limit;
  console.log(
    `${HEAP.padEnd(20)} ${HEAP_ITERATIONS} decodeMessage calls in ${
      seconds.toFixed(1)
    } s (seed ${seed}): memory ` +
      `${(growth.beforeBytes / 1e6).toFixed(1)} MB -> ${
        (growth.afterBytes / 1e6).toFixed(1)
      } MB, growth ` +
      `${(growth.growthBytes / 1e3).toFixed(0)} KB (limit ${limit >> 10} KB${
        growth.gcExposed ? ", GC exposed" : ", no GC exposed"
      }) ` +
      (ok ? "ok" : "FAILED"),
  );
  return ok;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string" },
      seed: { type: "string" },
      target: { type: "string" },
      iteration: { type: "string" },
      iterations: { type: "string" },
      strict: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const names = values.target?.split(",").map((n) => n.trim()).filter((n) => n !== "") ??
    [...FUZZ_TARGETS.map((t) => t.name), HEAP];
  for (const name of names) {
    if (name !== HEAP && !FUZZ_TARGETS.some((t) => t.name === name)) {
      fail(`unknown target '${name}'`);
    }
  }
  const targets = FUZZ_TARGETS.filter((t) => names.includes(t.name));
  const seed = integer("seed", values.seed, 0);
  const iteration = integer("iteration", values.iteration, 0);
  const iterations = integer("iterations", values.iterations, 1);
  const seconds = integer("seconds", values.seconds, 1) ?? 60;
  const strict = values.strict ?? false;

  if (seed !== undefined) {
    // One campaign (or one iteration) per named target: a replay.
    let ok = true;
    for (const target of targets) {
      const result = await runCampaign(target, {
        seed,
        strict,
        firstIteration: iteration ?? 0,
        ...(iteration !== undefined
          ? { iterations: 1 }
          : iterations !== undefined
          ? { iterations }
          : { deadlineMs: performance.now() + (seconds * 1000) / targets.length }),
      });
      const rate = Math.round((result.iterations * 1000) / Math.max(1, result.elapsedMs));
      console.log(
        `${target.name.padEnd(20)} ${result.iterations} iterations (${rate}/s), seed ${seed}`,
      );
      for (const [issue, hits] of result.knownIssues) {
        console.log(
          `    known issue ${issue}, first at iteration ${hits.firstIteration}: ${hits.detail}`,
        );
        console.log(`      ${KNOWN_ISSUES[issue]}`);
      }
      if (result.failure !== undefined) {
        console.log(`\n${describeFailure(result.failure)}\n`);
        ok = false;
      }
    }
    if (names.includes(HEAP)) ok = (await heapCheck(seed)) && ok;
    return ok ? 0 : 1;
  }

  const share = targets.length === 0 ? 0 : seconds / targets.length;
  console.log(
    `fuzz: ${targets.length} target${targets.length === 1 ? "" : "s"} for ${seconds} s (${
      share.toFixed(1)
    } s each), random seeds` +
      (strict ? ", known issues fail" : ""),
  );
  let ok = true;
  for (const target of targets) ok = (await soak(target, share, strict)) && ok;
  if (names.includes(HEAP)) ok = (await heapCheck(randomSeed())) && ok;
  if (!ok) console.log("fuzz: FAILED (replay commands above)");
  return ok ? 0 : 1;
}

Deno.exit(await main());
