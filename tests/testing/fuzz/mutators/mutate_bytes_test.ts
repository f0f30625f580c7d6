import assert from "node:assert/strict";
import { mutateBytes } from "../../../../testing/fuzz/mutators/mutate_bytes.ts";
import { seededRandom } from "../../../../lib/random/random.ts";

Deno.test("mutateBytes() is seeded, leaves its input alone and usually changes it", () => {
  const input = new Uint8Array(Array.from({ length: 64 }, (_, i) => i));
  const copy = input.slice();
  let changed = 0;
  for (let seed = 0; seed < 500; seed++) {
    const a = mutateBytes(seededRandom(seed), input, { donors: [new Uint8Array([0xff, 0xfe])] });
    assert.deepEqual(
      a,
      mutateBytes(seededRandom(seed), input, { donors: [new Uint8Array([0xff, 0xfe])] }),
    );
    if (a.length !== input.length || a.some((b, i) => b !== input[i])) changed++;
  }
  assert.deepEqual(input, copy);
  assert.ok(changed > 450, `only ${changed} of 500 changed`);
});

Deno.test("mutateBytes() copes with empty input and keeps to bytesMax", () => {
  for (let seed = 0; seed < 200; seed++) {
    mutateBytes(seededRandom(seed), new Uint8Array(0));
    const big = mutateBytes(seededRandom(seed), new Uint8Array(100), {
      bytesMax: 101,
      mutationsMax: 8,
    });
    assert.ok(big.length <= 101);
  }
});
