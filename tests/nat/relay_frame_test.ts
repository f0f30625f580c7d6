import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeRelayFrame,
  encodeRelayFrame,
  isRelayFrame,
  RELAY_REASON_BYTES_MAX,
  type RelayFrame,
} from "../../lib/nat/relay_frame.ts";
import { encodeMsgpack } from "../../lib/wire/msgpack_writer.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) =>
    Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")
  );

const frames: fc.Arbitrary<RelayFrame> = fc.oneof(
  fc.string({ maxLength: 40 }).map((reason) => ({ op: "refused", reason }) as const),
  fc.constant({ op: "ok" } as const),
  fc.constant({ op: "reserve" } as const),
  fc.nat().map((ttlMs) => ({ op: "reserved", ttlMs }) as const),
  hex(32).map((target) => ({ op: "connect", target }) as const),
  hex(16).map((token) => ({ op: "incoming", token }) as const),
  hex(16).map((token) => ({ op: "accept", token }) as const),
  fc.tuple(hex(16), fc.integer({ min: 1, max: 65535 })).map(([nonce, port]) =>
    ({ op: "dial-back", nonce, port }) as const
  ),
  fc.boolean().map((reached) => ({ op: "dial-back-result", reached }) as const),
  hex(16).map((nonce) => ({ op: "dial-back-probe", nonce }) as const),
);

Deno.test("relay frames round-trip and are told apart from a handshake's first frame", () => {
  fc.assert(fc.property(frames, (frame) => {
    const bytes = encodeRelayFrame(frame);
    assert.ok(isRelayFrame(bytes));
    assert.deepEqual(decodeRelayFrame(bytes), frame);
  }));
  // A plain hello starts [1, "p2pchat", …]; a Noise message 1 is 48 random bytes.
  assert.equal(isRelayFrame(encodeMsgpack([1, "p2pchat", 5])), false);
  fc.assert(fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (noise) => {
    assert.equal(isRelayFrame(noise), false);
  }));
  assert.equal(isRelayFrame(new Uint8Array(0)), false);
});

Deno.test("decodeRelayFrame() closes on what is not a relay frame, and ignores trailing elements", () => {
  const bad: [unknown, RegExp][] = [
    [["p2pchat-relay"], /at least 2 elements/],
    [["p2pchat-other", 1], /not a relay frame/],
    [["p2pchat-relay", 99], /unknown op '99'/],
    [["p2pchat-relay", 4], /connect needs 1 more elements/],
    [["p2pchat-relay", 4, new Uint8Array(31)], /target must be a bin of 32 bytes/],
    [["p2pchat-relay", 7, new Uint8Array(16), 0], /port must be an int from 1 to 65535/],
    [["p2pchat-relay", 7, new Uint8Array(16), 65536], /port must be an int from 1 to 65535/],
    [["p2pchat-relay", 8, 2], /reached must be an int from 0 to 1/],
    [["p2pchat-relay", 0, 7], /reason must be a str/],
  ];
  for (const [value, message] of bad) {
    assert.throws(
      () => decodeRelayFrame(encodeMsgpack(value)),
      (e) => e instanceof ProtocolError && message.test(e.message),
      String(value),
    );
  }
  assert.deepEqual(decodeRelayFrame(encodeMsgpack(["p2pchat-relay", 1, "later"])), { op: "ok" });
});

Deno.test("a refusal's reason is cut to RELAY_REASON_BYTES_MAX bytes, on a character boundary", () => {
  const long = "é".repeat(100); // 200 bytes
  const frame = decodeRelayFrame(encodeRelayFrame({ op: "refused", reason: long }));
  assert.ok(frame.op === "refused");
  assert.equal(new TextEncoder().encode(frame.reason).length, RELAY_REASON_BYTES_MAX);
  assert.equal(frame.reason, "é".repeat(RELAY_REASON_BYTES_MAX / 2));
});
