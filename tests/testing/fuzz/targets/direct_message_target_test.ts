/**
 * CI budget of the `open-direct` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target open-direct` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { OPEN_DIRECT_TARGET } from "../../../../testing/fuzz/targets/direct_message_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 600;

Deno.test("fuzz open-direct: 1200 iterations (seeds 1, 2): only DirectMessageError, an opened box is what its author wrote", async () => {
  const summary = await runCiCampaigns(OPEN_DIRECT_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
