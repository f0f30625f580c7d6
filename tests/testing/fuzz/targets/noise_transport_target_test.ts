/**
 * CI budget of the `noise-transport` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target noise-transport` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { NOISE_TRANSPORT_TARGET } from "../../../../testing/fuzz/targets/noise_transport_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 100;

Deno.test("fuzz noise-transport: 200 iterations (seeds 1, 2): open() throws only ProtocolError, refusals do not desynchronise", async () => {
  const summary = await runCiCampaigns(NOISE_TRANSPORT_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
