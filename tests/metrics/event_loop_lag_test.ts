import assert from "node:assert/strict";
import { EventLoopLagMeter } from "../../lib/metrics/event_loop_lag.ts";

/** A hand-driven clock and a single pending timer. */
function fakePorts() {
  let now = 0;
  let pending: (() => void) | undefined;
  return {
    ports: {
      now: () => now,
      after: (_ms: number, callback: () => void) => {
        pending = callback;
        return () => (pending = undefined);
      },
    },
    fireAt(time: number) {
      now = time;
      const callback = pending!;
      pending = undefined;
      callback();
    },
    get pending() {
      return pending !== undefined;
    },
  };
}

Deno.test("EventLoopLagMeter: lag is how late the timer fired; max is kept; stop cancels", () => {
  const fake = fakePorts();
  const meter = new EventLoopLagMeter(500, fake.ports);
  fake.fireAt(500);
  assert.equal(meter.lastSeconds, 0);
  fake.fireAt(1_250); // due at 1 000
  assert.equal(meter.lastSeconds, 0.25);
  fake.fireAt(1_750); // due at 1 750
  assert.equal(meter.lastSeconds, 0);
  assert.equal(meter.maxSeconds, 0.25);
  meter.stop();
  assert.equal(fake.pending, false);
});

Deno.test("EventLoopLagMeter refuses a non-positive interval", () => {
  assert.throws(() => new EventLoopLagMeter(0), RangeError);
});
