import assert from "node:assert/strict";
import { PEER_TIMERS } from "../../lib/peer/peer_timer.ts";

Deno.test("`PEER_TIMERS` fire in the order the peer has always used", () => {
  // Changing this order changes which work runs first when deadlines tie,
  // and so every simulation trace.
  assert.deepEqual(PEER_TIMERS, [
    "register",
    "heartbeat",
    "gossip",
    "indirect-probe",
    "probe-period",
    "lazy",
    "reconnect",
    "rewire",
    "sync",
  ]);
});
