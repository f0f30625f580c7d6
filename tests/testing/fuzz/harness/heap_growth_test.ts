import assert from "node:assert/strict";
import { mutatedDecodeSteps } from "../../../../testing/fuzz/targets/decode_message_target.ts";
import { measureHeapGrowth } from "../../../../testing/fuzz/harness/heap_growth.ts";
import { seededRandom } from "../../../../lib/random/random.ts";

const MIB = 1 << 20;

Deno.test("measureHeapGrowth() tells garbage from what a step keeps", async () => {
  const tidy = await measureHeapGrowth((i) => void { i, text: `item ${i}` }, {
    iterations: 80_000,
    samples: 40,
  });
  const kept: unknown[] = [];
  const leaky = await measureHeapGrowth(
    (i) => void kept.push({ i, text: `item ${i}`, bytes: new Uint8Array(64) }),
    {
      iterations: 80_000,
      samples: 40,
    },
  );
  assert.ok(
    leaky.growthBytes > 12 * MIB,
    `a leak of some 20 MB read as ${leaky.growthBytes} bytes`,
  );
  assert.ok(tidy.growthBytes < 5 * MIB, `garbage read as ${tidy.growthBytes} bytes of growth`);
});

Deno.test("decodeMessage() keeps no memory across 200 000 mutated inputs", async () => {
  const step = mutatedDecodeSteps(seededRandom(42));
  const growth = await measureHeapGrowth(step, { iterations: 200_000, warmup: 20_000 });
  // deno-lint-ignore no-console -- the CI log records how much was fuzzed.
  console.log(
    `fuzz heap: 200000 decodeMessage calls on mutated input, heap growth ${
      (growth.growthBytes / 1e3).toFixed(0)
    } KB` +
      (growth.gcExposed ? " (GC exposed)" : ""),
  );
  // Without an exposed GC, old garbage lingers (about 2 MB here); a leak of 40 bytes a call is 8 MB.
  assert.ok(growth.growthBytes < 8 * MIB, `the heap grew by ${growth.growthBytes} bytes`);
});
