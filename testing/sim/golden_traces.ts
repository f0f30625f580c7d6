/**
 * The golden-trace matrix: which simulation runs are recorded, how one run
 * becomes a digest line, and how a fresh matrix is compared with the
 * recorded one (`tests/fixtures/golden_traces.json`).
 *
 * @module
 */

import { runScenario, SCENARIOS } from "./scenarios.ts";
import { reportDigest, TraceDigest } from "./trace_digest.ts";

/** One run of the matrix, identified by scenario, network size and seed. */
export interface GoldenCase {
  readonly scenario: string;
  readonly nodes: number;
  readonly seed: number;
}

/** What one run produced: the effect-trace digest, its length, and the report's digest (or the error). */
export interface GoldenDigest extends GoldenCase {
  /** Effects hashed. */
  readonly effects: number;
  /** SHA-256 of every effect of every node, in order, with address and virtual time. */
  readonly trace: string;
  /** SHA-256 of the JSON report; absent when the run threw. */
  readonly report?: string;
  /** The first line of the error when the run threw (a recorded failure must fail the same way). */
  readonly error?: string;
}

/** Seeds of the full matrix. */
export const GOLDEN_SEEDS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/** Network sizes of the full matrix. */
export const GOLDEN_NODES: readonly number[] = [30, 200];

/** Every case of the full matrix: each scenario × {@linkcode GOLDEN_NODES} × {@linkcode GOLDEN_SEEDS}. */
export function goldenMatrix(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const nodes of GOLDEN_NODES) {
    for (const scenario of Object.keys(SCENARIOS)) {
      for (const seed of GOLDEN_SEEDS) cases.push({ scenario, nodes, seed });
    }
  }
  return cases;
}

/** Runs one case in this process and digests it. */
export function runGoldenCase(golden: GoldenCase): GoldenDigest {
  const trace = new TraceDigest();
  try {
    const report = runScenario({ ...golden, observers: [trace] });
    return {
      ...golden,
      effects: trace.effects,
      trace: trace.digest(),
      report: reportDigest(report),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...golden,
      effects: trace.effects,
      trace: trace.digest(),
      error: message.split("\n")[0] ?? "",
    };
  }
}

/** The key a case is filed under in the fixture: `scenario/nodes/seed`. */
export function goldenKey(golden: GoldenCase): string {
  return `${golden.scenario}/${golden.nodes}/${golden.seed}`;
}

/**
 * Differences between a fresh digest and the recorded one, as lines for a
 * person; empty when they match byte for byte.
 */
export function compareGolden(
  fresh: GoldenDigest,
  recorded: GoldenDigest | undefined,
): string[] {
  const key = goldenKey(fresh);
  if (recorded === undefined) return [`${key}: no recorded digest`];
  const out: string[] = [];
  for (const field of ["effects", "trace", "report", "error"] as const) {
    if (fresh[field] !== recorded[field]) {
      out.push(`${key}: ${field} ${String(recorded[field])} → ${String(fresh[field])}`);
    }
  }
  return out;
}
