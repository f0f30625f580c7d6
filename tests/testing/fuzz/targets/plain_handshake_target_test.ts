/**
 * CI budget of the `plain-handshake` fuzz target: fixed seeds, fixed iterations.
 * `deno task fuzz --target plain-handshake` runs it on random seeds for longer; a
 * failure names its seed, iteration and replay command.
 */
import assert from "node:assert/strict";
import { runCiCampaigns } from "../../../../testing/fuzz/harness/fuzz_campaign.ts";
import { PLAIN_HANDSHAKE_TARGET } from "../../../../testing/fuzz/targets/plain_handshake_target.ts";

const SEEDS = [1, 2];
const ITERATIONS = 1000;

Deno.test("fuzz plain-handshake: 2000 iterations (seeds 1, 2): a valid remote hello or a ProtocolError, never a hang", async () => {
  const summary = await runCiCampaigns(PLAIN_HANDSHAKE_TARGET, SEEDS, ITERATIONS);
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(summary.line);
  assert.equal(summary.iterations, SEEDS.length * ITERATIONS);
});
