import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeChatFast } from "../../lib/wire/message_decode.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeChatBody, encodeMessage } from "../../lib/wire/message_encode.ts";
import { DEFAULT_WIRE_LIMITS } from "../../lib/wire/wire_limits.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";
import { seededRandom } from "../../lib/random/random.ts";

const idArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")
);

const chatArb = fc.record({
  author: idArb,
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  others: fc.uniqueArray(fc.tuple(idArb, fc.integer({ min: 1, max: 2 ** 33 })), {
    maxLength: 12,
    selector: ([id]) => id,
  }),
  nick: fc.string({ unit: fc.constantFrom("a", "é", "中", "👋", " "), minLength: 1, maxLength: 8 }),
  text: fc.string({ unit: "binary", maxLength: 200 }).filter((t) => t.isWellFormed()),
  ts: fc.maxSafeInteger(),
  signed: fc.boolean(),
  repair: fc.constantFrom(undefined, true, false),
}).map(({ author, seq, others, nick, text, ts, signed, repair }) => {
  const clock = new Map(others.filter(([id]) => id !== author));
  clock.set(author, seq);
  const fields = { author, seq, clock, nick, text, ts };
  const message = {
    ...fields,
    signature: new Uint8Array(signed ? 64 : 0).fill(7),
    body: encodeChatBody(fields),
  };
  return encodeMessage(
    repair === undefined ? { type: "chat", message } : { type: "chat", message, repair },
  );
});

/** What the general path makes of `bytes`, or the error it throws. */
function general(bytes: Uint8Array): unknown {
  try {
    return decodeMessage(
      bytes.with(0, bytes[0]!), /* same bytes, new buffer */
      DEFAULT_WIRE_LIMITS,
    );
  } catch (error) {
    return error;
  }
}

Deno.test("decodeChatFast() decodes every valid chat exactly as the general decoder does (property)", () => {
  fc.assert(fc.property(chatArb, (bytes) => {
    const fast = decodeChatFast(bytes, DEFAULT_WIRE_LIMITS);
    assert.ok(fast !== undefined, "a plain valid chat must take the fast path");
    const slow = general(bytes) as { message: unknown; repair?: boolean };
    assert.deepEqual(fast.message, slow.message);
    assert.equal(fast.repair, slow.repair);
  }));
});

Deno.test("decodeChatFast() never accepts what the general decoder rejects, nor disagrees with it (mutations)", () => {
  const random = seededRandom(11);
  fc.assert(
    fc.property(chatArb, fc.integer({ min: 1, max: 8 }), (bytes, flips) => {
      const mutated = bytes.slice();
      for (let i = 0; i < flips; i++) {
        const at = random.int(mutated.length);
        mutated[at] = random.int(4) === 0 ? mutated[at]! ^ (1 << random.int(8)) : random.int(256);
      }
      const fast = decodeChatFast(mutated, DEFAULT_WIRE_LIMITS);
      const slow = general(mutated);
      if (fast === undefined) return;
      assert.ok(
        !(slow instanceof ProtocolError),
        `fast path accepted what the general path rejects: ${slow}`,
      );
      assert.deepEqual(fast.message, (slow as { message: unknown }).message);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("decodeChatFast() leaves limits and appended elements to the general path", () => {
  const author = "ab".repeat(32);
  const fields = {
    author,
    seq: 1,
    clock: new Map([[author, 1]]),
    nick: "ann",
    text: "x".repeat(50),
    ts: 0,
  };
  const body = encodeChatBody(fields);
  const bytes = encodeMessage({
    type: "chat",
    message: { ...fields, signature: new Uint8Array(0), body },
  });
  assert.ok(decodeChatFast(bytes, DEFAULT_WIRE_LIMITS) !== undefined);
  assert.equal(decodeChatFast(bytes, { ...DEFAULT_WIRE_LIMITS, textBytesMax: 49 }), undefined);
  assert.throws(
    () => decodeMessage(bytes, { ...DEFAULT_WIRE_LIMITS, textBytesMax: 49 }),
    /text is 50 bytes, limit 49/,
  );
  // A body with an appended element is valid, but the general path reads it.
  const longer = bytes.slice();
  assert.equal(
    decodeChatFast(longer.subarray(0, longer.length - 1), DEFAULT_WIRE_LIMITS),
    undefined,
  );
});
