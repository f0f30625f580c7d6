import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { SMALL_WIRE_LIMITS } from "../../../../testing/fuzz/targets/decode_message_target.ts";
import {
  generateAddress,
  generateEncodedMessage,
  generateMessage,
  generateNick,
  MESSAGE_TYPES,
} from "../../../../testing/fuzz/mutators/message_generator.ts";
import { seededRandom } from "../../../../lib/random/random.ts";
import { addressProblem } from "../../../../lib/wire/address.ts";
import { decodeMessage } from "../../../../lib/wire/message_decode.ts";
import { encodeMessage } from "../../../../lib/wire/message_encode.ts";
import { MESSAGE_TYPE_CODES } from "../../../../lib/wire/message_layout.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

Deno.test("MESSAGE_TYPES lists every type in MESSAGE_TYPE_CODES, in code order", () => {
  assert.deepEqual([...MESSAGE_TYPES].sort(), Object.keys(MESSAGE_TYPE_CODES).sort());
  const codes = MESSAGE_TYPES.map((t) => MESSAGE_TYPE_CODES[t]);
  assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
});

Deno.test("generateMessage() makes every type, and each encodes and decodes to itself", () => {
  const random = seededRandom(11);
  const seen = new Set<string>();
  for (let i = 0; i < 3_000; i++) {
    const { message, bytes } = generateEncodedMessage(random, { edgeRate: 0.02 });
    seen.add(message.type);
    const decoded = decodeMessage(bytes);
    assert.equal(decoded.type, message.type);
    // Encoding what was decoded gives the same bytes: the generator's messages are canonical.
    assert.ok(
      isDeepStrictEqual(encodeMessage(decoded), bytes),
      `${message.type} does not round-trip`,
    );
  }
  assert.deepEqual([...seen].sort(), [...MESSAGE_TYPES].sort());
});

Deno.test("generateMessage() draws each type on request, within small limits too", () => {
  const random = seededRandom(12);
  for (const type of MESSAGE_TYPES) {
    for (let i = 0; i < 50; i++) {
      assert.equal(generateMessage(random, {}, type).type, type);
      const { bytes } = generateEncodedMessage(
        random,
        { limits: SMALL_WIRE_LIMITS, edgeRate: 0.3 },
        type,
      );
      assert.equal(decodeMessage(bytes, SMALL_WIRE_LIMITS).type, type);
    }
  }
});

Deno.test("generateAddress() and generateNick() give only valid values, the longest included", () => {
  const random = seededRandom(13);
  let longest = 0;
  for (let i = 0; i < 3_000; i++) {
    const addr = generateAddress(random);
    assert.equal(addressProblem(addr), undefined, addr);
    longest = Math.max(longest, addr.length);
    const nick = generateNick(random);
    const bytes = new TextEncoder().encode(nick).length;
    assert.ok(
      bytes >= 1 && bytes <= 32 && !CONTROL.test(nick),
      JSON.stringify(nick),
    );
  }
  assert.ok(longest >= 255, `longest address ${longest}`);
});

Deno.test("generateMessage() draws ids and addresses from the pools it is given", () => {
  const random = seededRandom(14);
  const ids = ["01".repeat(32), "02".repeat(32)];
  let fromPool = 0;
  for (let i = 0; i < 500; i++) {
    const m = generateMessage(random, { ids, addrs: ["h:1"] }, "probe");
    if (m.type === "probe" && ids.includes(m.target)) fromPool++;
  }
  assert.ok(fromPool > 400, `${fromPool} of 500 from the pool`);
});
