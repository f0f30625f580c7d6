import assert from "node:assert/strict";
import { AEAD_TAG_BYTES, DEFAULT_WIRE_LIMITS } from "../../lib/wire/wire_limits.ts";

Deno.test("DEFAULT_WIRE_LIMITS holds the documented defaults", () => {
  assert.deepEqual({ ...DEFAULT_WIRE_LIMITS }, {
    frameBytesMax: 65535,
    textBytesMax: 4096,
    nickBytesMax: 32,
    addrBytesMax: 336,
    clockEntriesMax: 1024,
    peersPerMessageMax: 256,
    reasonBytesMax: 256,
  });
  assert.equal(AEAD_TAG_BYTES, 16);
});

Deno.test("DEFAULT_WIRE_LIMITS is frozen", () => {
  assert.ok(Object.isFrozen(DEFAULT_WIRE_LIMITS));
});
