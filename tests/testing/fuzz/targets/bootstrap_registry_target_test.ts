/**
 * CI budget of the `bootstrap-registry` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target bootstrap-registry` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { BOOTSTRAP_REGISTRY_TARGET } from "../../../../testing/fuzz/targets/bootstrap_registry_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 300;

Deno.test("fuzz bootstrap-registry: 600 iterations (seeds 1, 2): no exception, well-formed effects, bounds hold", async () => {
  const summary = await runCiCampaigns(BOOTSTRAP_REGISTRY_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
