/**
 * CI budget of the `frame-decoder` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target frame-decoder` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { FRAME_DECODER_TARGET } from "../../../../testing/fuzz/targets/frame_decoder_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 1500;

Deno.test("fuzz frame-decoder: 3000 iterations (seeds 1, 2): only ProtocolError, exactly the reference frames, one partial frame buffered at most", async () => {
  const summary = await runCiCampaigns(FRAME_DECODER_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
