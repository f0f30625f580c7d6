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

Deno.test("`EventQueue.take()` pops like `pop()`, interleaved with pushes (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.double({ min: 0, max: 50, noNaN: true }), fc.constant(-1)), {
        maxLength: 300,
      }),
      (ops) => {
        const queue = new EventQueue<number>();
        const model: { t: number; i: number }[] = [];
        ops.forEach((t, i) => {
          if (t >= 0) {
            queue.push(t, i);
            model.push({ t, i });
            return;
          }
          model.sort((a, b) => a.t - b.t || a.i - b.i);
          const expected = model.shift();
          assert.equal(queue.peekTimeMs(), expected?.t ?? Infinity);
          assert.equal(queue.take(), expected?.i);
          assert.equal(queue.size, model.length);
        });
      },
    ),
  );
});
