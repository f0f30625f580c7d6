/**
 * CI budget of the `noise-handshake` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target noise-handshake` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { NOISE_HANDSHAKE_TARGET } from "../../../../testing/fuzz/targets/noise_handshake_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 200;

Deno.test("fuzz noise-handshake: 400 iterations (seeds 1, 2): HandshakeError or ProtocolError, never a hang, never a forgery accepted", async () => {
  const summary = await runCiCampaigns(NOISE_HANDSHAKE_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
