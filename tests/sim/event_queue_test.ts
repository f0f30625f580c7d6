import assert from "node:assert/strict";
import fc from "fast-check";
import { EventQueue } from "../../lib/sim/event_queue.ts";

Deno.test("EventQueue pops by time, ties in insertion order (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
      const queue = new EventQueue<number>();
      times.forEach((t, i) => queue.push(t, i));
      const expected = times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i);
      const popped: { t: number; i: number }[] = [];
      for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
        popped.push({ t: e.atMs, i: e.value });
      }
      assert.deepEqual(popped, expected);
      assert.equal(queue.size, 0);
      assert.equal(queue.peekTimeMs(), Infinity);
    }),
  );
});
