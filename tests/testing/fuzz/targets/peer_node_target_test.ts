/**
 * CI budget of the `peer-node` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target peer-node` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { PEER_NODE_TARGET } from "../../../../testing/fuzz/targets/peer_node_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 200;

Deno.test("fuzz peer-node: 400 iterations (seeds 1, 2): no exception, well-formed effects, bounds hold", async () => {
  const summary = await runCiCampaigns(PEER_NODE_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
