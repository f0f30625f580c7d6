/**
 * Fuzz targets and the campaigns that run them. A campaign is one seed and a
 * run of iterations; iteration `i` draws all its randomness from
 * `iterationSeed(seed, i)`, so a failure is named by (target, seed,
 * iteration) and replays alone:
 *
 *   deno task fuzz --target decode-message --seed 1234 --iteration 56
 *
 * A target throws to report a failure. A failure that matches a documented
 * bug in code the fuzz suite does not own throws {@linkcode KnownIssueError}
 * instead: it is counted, not fatal, unless the campaign is strict (see
 * `known_issues.ts`).
 *
 * @module
 */

import { type Random, seededRandom } from "../../../lib/random/random.ts";
import { iterationSeed } from "./fuzz_random.ts";
import { KNOWN_ISSUES, type KnownIssueId } from "./known_issues.ts";

/** Runs one iteration with its own randomness; throws on a failure. */
export type FuzzIteration = (random: Random, iteration: number) => void | Promise<void>;

/** Something to fuzz. */
export interface FuzzTarget {
  /** Short name, as `--target` takes it. */
  readonly name: string;
  /** One line: what goes in and what is checked. */
  readonly description: string;
  /** Prepares a campaign (keys, corpora) from its seed alone; returns the iteration function. */
  prepare(seed: number): FuzzIteration | Promise<FuzzIteration>;
}

/**
 * A failure that matches a known, documented bug (see `KNOWN_ISSUES`): the
 * iteration ends, the campaign counts it and goes on unless it is strict.
 */
export class KnownIssueError extends Error {
  /** Always `"KnownIssueError"`. */
  override name = "KnownIssueError";
  /** Which known issue this is. */
  readonly issue: KnownIssueId;

  /** Makes the error; `detail` says what was seen. */
  constructor(issue: KnownIssueId, detail: string, options?: ErrorOptions) {
    super(`Known issue ${issue}: ${detail}`, options);
    this.issue = issue;
  }
}

/** Options of {@linkcode runCampaign}. */
export interface CampaignOptions {
  /** The campaign seed, a safe integer ≥ 0. */
  readonly seed: number;
  /** Iterations to run. Default: until `deadlineMs` (one of the two is needed). */
  readonly iterations?: number;
  /** The first iteration number. Default 0. */
  readonly firstIteration?: number;
  /** Stop starting iterations once `clock()` passes this. Default: never. */
  readonly deadlineMs?: number;
  /** Known issues fail the campaign too. Default `false`. */
  readonly strict?: boolean;
  /** Milliseconds, for the deadline and the elapsed time. Default `performance.now`. */
  readonly clock?: () => number;
  /** The issues that count as known. Default {@linkcode KNOWN_ISSUES}. */
  readonly knownIssues?: Readonly<Record<string, string>>;
}

/** One known issue hit during a campaign. */
export interface KnownIssueHits {
  /** How many iterations hit it. */
  count: number;
  /** The first of them, to replay it. */
  readonly firstIteration: number;
  /** What the first hit saw. */
  readonly detail: string;
}

/** A failing iteration. */
export interface FuzzFailure {
  readonly target: string;
  readonly seed: number;
  readonly iteration: number;
  readonly error: unknown;
}

/** What a campaign did. */
export interface CampaignResult {
  readonly target: string;
  readonly seed: number;
  /** Iterations run to the end (those that hit a known issue included). */
  readonly iterations: number;
  readonly elapsedMs: number;
  /** Known issues hit, by id. */
  readonly knownIssues: ReadonlyMap<KnownIssueId, KnownIssueHits>;
  /** The first failure; the campaign stops there. */
  readonly failure: FuzzFailure | undefined;
}

/**
 * The command that replays one iteration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayCommand } from "./fuzz_campaign.ts";
 *
 * assert.equal(
 *   replayCommand("decode-message", 7, 42),
 *   "deno task fuzz --target decode-message --seed 7 --iteration 42",
 * );
 * ```
 */
export function replayCommand(target: string, seed: number, iteration: number): string {
  return `deno task fuzz --target ${target} --seed ${seed} --iteration ${iteration}`;
}

/** A failure as text: where, how to replay it, and the error with its stack and causes. */
export function describeFailure(failure: FuzzFailure): string {
  const lines = [
    `Fuzz target '${failure.target}' failed at seed ${failure.seed}, iteration ${failure.iteration}`,
    `  replay: ${replayCommand(failure.target, failure.seed, failure.iteration)}`,
  ];
  let error: unknown = failure.error;
  for (let depth = 0; error !== undefined && depth < 4; depth++) {
    const text = error instanceof Error
      ? (error.stack ?? `${error.name}: ${error.message}`)
      : String(error);
    lines.push(`  ${depth === 0 ? "error" : "cause"}: ${text.replaceAll("\n", "\n    ")}`);
    error = error instanceof Error ? error.cause : undefined;
  }
  return lines.join("\n");
}

/**
 * Runs a campaign: iterations from `firstIteration` on, until `iterations`
 * have run, the deadline passes, or one fails.
 *
 * @throws {RangeError} if neither `iterations` nor `deadlineMs` is given.
 */
export async function runCampaign(
  target: FuzzTarget,
  options: CampaignOptions,
): Promise<CampaignResult> {
  const { seed } = options;
  if (options.iterations === undefined && options.deadlineMs === undefined) {
    throw new RangeError("Cannot run campaign: give iterations or a deadline");
  }
  const clock = options.clock ?? (() => performance.now());
  const first = options.firstIteration ?? 0;
  const end = first + (options.iterations ?? Infinity);
  const deadline = options.deadlineMs ?? Infinity;
  const knownIssues = new Map<KnownIssueId, KnownIssueHits>();
  const started = clock();
  let failure: FuzzFailure | undefined;
  let iteration = first;
  const run = await target.prepare(seed);
  for (; iteration < end && clock() < deadline; iteration++) {
    try {
      await run(seededRandom(iterationSeed(seed, iteration)), iteration);
    } catch (error) {
      if (
        error instanceof KnownIssueError && !options.strict &&
        error.issue in (options.knownIssues ?? KNOWN_ISSUES)
      ) {
        const hits = knownIssues.get(error.issue);
        if (hits === undefined) {
          knownIssues.set(error.issue, {
            count: 1,
            firstIteration: iteration,
            detail: error.message,
          });
        } else hits.count++;
        continue;
      }
      failure = { target: target.name, seed, iteration, error };
      break;
    }
  }
  return {
    target: target.name,
    seed,
    iterations: iteration - first,
    elapsedMs: clock() - started,
    knownIssues,
    failure,
  };
}

/** What {@linkcode runCiCampaigns} did, for the test log. */
export interface CiSummary {
  /** Iterations over all seeds. */
  readonly iterations: number;
  /** One line for the log, e.g. "fuzz decode-message: 6000 iterations (seeds 1, 2, 3) in 1.2 s". */
  readonly line: string;
}

/**
 * The fixed CI budget of a target: `iterations` iterations for each seed.
 * Throws an error naming the seed, iteration and replay command on the first
 * failure; known issues are counted in the summary line.
 */
export async function runCiCampaigns(
  target: FuzzTarget,
  seeds: readonly number[],
  iterations: number,
  knownIssues: Readonly<Record<string, string>> = KNOWN_ISSUES,
): Promise<CiSummary> {
  let total = 0;
  let elapsedMs = 0;
  const known = new Map<KnownIssueId, { count: number; example: string }>();
  for (const seed of seeds) {
    const result = await runCampaign(target, { seed, iterations, knownIssues });
    if (result.failure !== undefined) {
      throw new Error(describeFailure(result.failure), { cause: result.failure.error });
    }
    total += result.iterations;
    elapsedMs += result.elapsedMs;
    for (const [issue, hits] of result.knownIssues) {
      const entry = known.get(issue);
      if (entry === undefined) {
        known.set(issue, {
          count: hits.count,
          example: replayCommand(target.name, seed, hits.firstIteration),
        });
      } else entry.count += hits.count;
    }
  }
  const knownText = [...known].map(([issue, { count, example }]) =>
    `\n  known issue ${issue}: ${count} iterations, e.g. ${example}`
  ).join("");
  return {
    iterations: total,
    line: `fuzz ${target.name}: ${total} iterations (seeds ${seeds.join(", ")}) in ${
      (elapsedMs / 1000).toFixed(1)
    } s${knownText}`,
  };
}
