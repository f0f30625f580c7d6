/**
 * CI budget of the `decode-message` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target decode-message` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { DECODE_MESSAGE_TARGET } from "../../../../testing/fuzz/targets/decode_message_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 2000;

Deno.test("fuzz decode-message: 4000 iterations (seeds 1, 2): only ProtocolError, accepted input round-trips, fast path agrees", async () => {
  const summary = await runCiCampaigns(DECODE_MESSAGE_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
