import assert from "node:assert/strict";
import { LinkMeter } from "../../lib/nat/link_meter.ts";

Deno.test("LinkMeter: bursts a second's worth, then paces each direction to its rate", () => {
  const meter = new LinkMeter(1_000, 1_000_000, 0);
  // A new link has no credit; time quiet since earns it, a second's worth at most.
  assert.deepEqual(meter.charge(0, 500, 0), { ok: true, pauseMs: 500 });
  assert.deepEqual(meter.charge(0, 500, 500), { ok: true, pauseMs: 500 });
  assert.deepEqual(
    meter.charge(1, 600, 500),
    { ok: true, pauseMs: 100 },
    "the other way has its own",
  );
  // After a long quiet spell: one second of credit, no more.
  assert.deepEqual(meter.charge(0, 1_000, 60_000), { ok: true, pauseMs: 0 });
  assert.deepEqual(meter.charge(0, 1_000, 60_000), { ok: true, pauseMs: 1_000 });
});

Deno.test("LinkMeter: a link over its total is told to close", () => {
  const meter = new LinkMeter(1_000_000, 1_000, 0);
  assert.equal(meter.charge(0, 600, 0).ok, true);
  assert.deepEqual(meter.charge(1, 401, 0), { ok: false, reason: "relayed link over 1000 bytes" });
  assert.equal(meter.total, 1_001);
});
