import assert from "node:assert/strict";
import { HandshakeError } from "../../lib/secure/noise_handshake.ts";
import {
  HANDSHAKE_FAILURE_REASONS,
  handshakeFailureReason,
  LIMITERS,
  RefusalCounts,
} from "../../lib/runtime/refusal_counts.ts";

Deno.test("handshakeFailureReason() names the wire's reasons, a timeout, and other", () => {
  assert.equal(handshakeFailureReason(new HandshakeError("wrong-secret", "x")), "wrong-secret");
  assert.equal(handshakeFailureReason(new HandshakeError("closed", "x")), "closed");
  assert.equal(
    handshakeFailureReason(new Error("handshake timed out after 5000 ms")),
    "timeout",
  );
  assert.equal(handshakeFailureReason(new Error("connection reset")), "other");
  assert.equal(handshakeFailureReason("not an error"), "other");
  // An unknown failure kind (a future one) stays inside the fixed label set.
  const future = new HandshakeError("closed", "x");
  Object.defineProperty(future, "failure", { value: "something-new" });
  assert.equal(handshakeFailureReason(future), "other");
});

Deno.test("RefusalCounts starts every label at zero and counts by direction, reason and limiter", () => {
  const counts = new RefusalCounts();
  for (const direction of ["inbound", "outbound"] as const) {
    assert.deepEqual(
      [...counts.handshakeFailures.get(direction)!.keys()],
      [...HANDSHAKE_FAILURE_REASONS],
    );
  }
  assert.deepEqual([...counts.limitRefusals.keys()], [...LIMITERS]);
  counts.countHandshakeFailure("inbound", new HandshakeError("wrong-secret", "x"));
  counts.countHandshakeFailure("inbound", new Error("boom"));
  counts.countLimitRefusal("connections_per_address");
  assert.equal(counts.handshakeFailures.get("inbound")!.get("wrong-secret"), 1);
  assert.equal(counts.handshakeFailures.get("inbound")!.get("other"), 1);
  assert.equal(counts.handshakeFailures.get("outbound")!.get("wrong-secret"), 0);
  assert.equal(counts.limitRefusals.get("connections_per_address"), 1);
  assert.equal(counts.handshakeFailures.get("inbound")!.size, 7, "the label set stays bounded");
});
