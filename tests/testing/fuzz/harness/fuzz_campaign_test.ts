import assert from "node:assert/strict";
import {
  describeFailure,
  type FuzzTarget,
  KnownIssueError,
  replayCommand,
  runCampaign,
  runCiCampaigns,
} from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { FUZZ_TARGETS } from "../../../../testing/fuzz/fuzz_targets.ts";

const TOY_ISSUES = { "toy-issue": "a toy issue" };

/** A target that fails at iteration `failAt` and hits a known issue at every multiple of `knownEvery`. */
function target(failAt: number, knownEvery = Infinity): FuzzTarget & { draws: number[] } {
  const draws: number[] = [];
  return {
    name: "toy",
    description: "a toy",
    draws,
    prepare: () => (random, iteration) => {
      draws.push(random.int(1_000_000));
      if (iteration === failAt) throw new Error(`boom at ${iteration}`);
      if (iteration > 0 && iteration % knownEvery === 0) {
        throw new KnownIssueError("toy-issue", "seen");
      }
    },
  };
}

Deno.test("runCampaign() stops at the first failure and names its seed and iteration", async () => {
  const result = await runCampaign(target(7), { seed: 3, iterations: 100 });
  assert.equal(result.iterations, 7);
  assert.equal(result.failure?.iteration, 7);
  assert.equal(result.failure?.seed, 3);
  const text = describeFailure(result.failure!);
  assert.match(text, /seed 3, iteration 7/);
  assert.ok(text.includes(replayCommand("toy", 3, 7)));
  assert.match(text, /boom at 7/);
});

Deno.test("runCampaign() replays one iteration with exactly the randomness it had", async () => {
  const full = target(-1);
  await runCampaign(full, { seed: 9, iterations: 20 });
  const one = target(-1);
  await runCampaign(one, { seed: 9, iterations: 1, firstIteration: 13 });
  assert.deepEqual(one.draws, [full.draws[13]]);
});

Deno.test("runCampaign() counts known issues, unless strict", async () => {
  const knownIssues = TOY_ISSUES;
  const lenient = await runCampaign(target(-1, 5), { seed: 1, iterations: 21, knownIssues });
  assert.equal(lenient.failure, undefined);
  assert.equal(lenient.iterations, 21);
  assert.deepEqual(lenient.knownIssues.get("toy-issue")?.count, 4);
  assert.equal(lenient.knownIssues.get("toy-issue")?.firstIteration, 5);
  const strict = await runCampaign(target(-1, 5), {
    seed: 1,
    iterations: 21,
    strict: true,
    knownIssues,
  });
  assert.equal(strict.failure?.iteration, 5);
  // An issue that is no longer listed (fixed) is a failure again.
  const fixed = await runCampaign(target(-1, 5), { seed: 1, iterations: 21, knownIssues: {} });
  assert.equal(fixed.failure?.iteration, 5);
});

Deno.test("runCampaign() stops at its deadline and needs a bound", async () => {
  let now = 0;
  const result = await runCampaign(target(-1), { seed: 1, deadlineMs: 10, clock: () => now++ });
  assert.ok(result.iterations > 0 && result.iterations < 10);
  await assert.rejects(() => runCampaign(target(-1), { seed: 1 }), RangeError);
});

Deno.test("runCiCampaigns() throws the failure with its replay command", async () => {
  const summary = await runCiCampaigns(target(-1, 4), [1, 2], 10, TOY_ISSUES);
  assert.equal(summary.iterations, 20);
  assert.match(summary.line, /fuzz toy: 20 iterations \(seeds 1, 2\)/);
  assert.match(
    summary.line,
    /known issue toy-issue: 4 iterations, e\.g\. deno task fuzz --target toy --seed 1 --iteration 4/,
  );
  await assert.rejects(() => runCiCampaigns(target(3), [5], 10), /--seed 5 --iteration 3/);
});

Deno.test("FUZZ_TARGETS have distinct names", () => {
  const names = FUZZ_TARGETS.map((t) => t.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.length >= 8);
});
