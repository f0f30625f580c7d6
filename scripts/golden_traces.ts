// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * `deno task golden`: runs the golden-trace matrix (every scenario × seeds
 * 1–10 × 30 and 200 nodes) and compares each digest with the recorded
 * fixture; `--record` rewrites the fixture instead. A pure move must match
 * every digest; a behaviour change re-records them on purpose, in the same
 * commit.
 *
 *   deno task golden [--record] [--jobs N] [--nodes 30] [--scenario chaos]
 *
 * Each case runs in its own `deno task sim --trace-digest` process, `--jobs`
 * at a time (default: one per core).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  compareGolden,
  type GoldenCase,
  type GoldenDigest,
  goldenKey,
  goldenMatrix,
} from "../testing/sim/golden_traces.ts";

const FIXTURE = new URL("../tests/fixtures/golden_traces.json", import.meta.url);
const SIM = new URL("./sim.ts", import.meta.url);

function fail(message: string): never {
  console.error(`golden: ${message}`);
  Deno.exit(2);
}

async function runCase(golden: GoldenCase): Promise<GoldenDigest> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      SIM.pathname,
      "--scenario",
      golden.scenario,
      "--nodes",
      String(golden.nodes),
      "--seed",
      String(golden.seed),
      "--trace-digest",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`${goldenKey(golden)}: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout)) as GoldenDigest;
}

async function runAll(cases: GoldenCase[], jobs: number): Promise<GoldenDigest[]> {
  const results: GoldenDigest[] = new Array(cases.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      results[index] = await runCase(cases[index]!);
      done++;
      if (done % 10 === 0 || done === cases.length) console.error(`${done}/${cases.length}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, cases.length) }, worker));
  return results;
}

async function readFixture(): Promise<Map<string, GoldenDigest>> {
  try {
    const list = JSON.parse(await Deno.readTextFile(FIXTURE)) as GoldenDigest[];
    return new Map(list.map((d) => [goldenKey(d), d]));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Map();
    throw error;
  }
}

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        record: { type: "boolean", default: false },
        jobs: { type: "string" },
        nodes: { type: "string" },
        scenario: { type: "string" },
        "allow-failing": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${(error as Error).message.split("\n")[0]} (see --help)`);
  }
  if (values.help) {
    console.log(
      "Usage: deno task golden [--record [--allow-failing]] [--jobs N] [--nodes N] [--scenario NAME]\n" +
        "Runs every scenario × seeds 1-10 × 30 and 200 nodes and compares the trace digests\n" +
        "with tests/fixtures/golden_traces.json (--record rewrites the cases selected by\n" +
        "--nodes/--scenario and keeps the others: record the whole matrix before landing).\n" +
        "A case whose run fails is not recorded (exit 1) unless --allow-failing: a\n" +
        "failure's digest would make the fixture pin the failure.",
    );
    Deno.exit(0);
  }
  const jobs = values.jobs === undefined ? navigator.hardwareConcurrency : Number(values.jobs);
  if (!Number.isSafeInteger(jobs) || jobs < 1) fail(`invalid --jobs '${values.jobs}'`);
  const cases = goldenMatrix().filter((c) =>
    (values.nodes === undefined || String(c.nodes) === values.nodes) &&
    (values.scenario === undefined || c.scenario === values.scenario)
  );
  if (cases.length === 0) fail("no case matches --nodes/--scenario");
  const started = performance.now();
  const fresh = await runAll(cases, jobs);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  // A failing run still has a digest: say so loudly, or a fixture can record failures unseen.
  const failing = fresh.filter((d) => d.error !== undefined);
  for (const d of failing) console.log(`warning: ${goldenKey(d)} fails: ${d.error}`);
  if (failing.length > 0) {
    console.log(
      `warning: ${failing.length} of ${fresh.length} cases fail (their failure is the digest)`,
    );
  }
  if (values.record && failing.length > 0 && !values["allow-failing"]) {
    console.log("not recorded: fix the failing cases, or record them with --allow-failing");
    Deno.exit(1);
  }
  if (values.record) {
    // A partial record keeps every case it did not run, in the matrix's order.
    const kept = cases.length === goldenMatrix().length
      ? new Map<string, GoldenDigest>()
      : await readFixture();
    for (const digest of fresh) kept.set(goldenKey(digest), digest);
    const all = goldenMatrix().flatMap((c) => kept.get(goldenKey(c)) ?? []);
    await Deno.writeTextFile(FIXTURE, JSON.stringify(all, null, 1) + "\n");
    console.log(`recorded ${fresh.length} digests in ${seconds} s (${all.length} in the fixture)`);
    Deno.exit(0);
  }
  const recorded = await readFixture();
  const differences = fresh.flatMap((d) => compareGolden(d, recorded.get(goldenKey(d))));
  for (const line of differences) console.log(line);
  const failed = new Set(differences.map((line) => line.split(":")[0])).size;
  console.log(`${fresh.length - failed} of ${fresh.length} digests match (${seconds} s)`);
  Deno.exit(failed === 0 ? 0 : 1);
}
