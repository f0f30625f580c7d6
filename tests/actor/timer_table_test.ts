import assert from "node:assert/strict";
import { TimerTable } from "../../lib/actor/timer_table.ts";

Deno.test("`TimerTable` starts with every timer stopped", () => {
  const timers = new TimerTable(["a", "b"] as const);
  assert.equal(timers.nextDeadlineMs(), Infinity);
  assert.deepEqual(timers.expired(1e12), []);
});

Deno.test("`TimerTable.expired()` lists due timers in the table's order, not by deadline", () => {
  const timers = new TimerTable(["a", "b", "c", "d"] as const);
  timers.set("d", 5);
  timers.set("c", 10);
  timers.set("a", 10);
  timers.set("b", 11);
  assert.deepEqual(timers.expired(10), ["a", "c", "d"]);
  assert.deepEqual(timers.expired(11), ["a", "b", "c", "d"]);
});

Deno.test("`TimerTable.nextDeadlineMs()` is the earliest deadline, of all or of some timers", () => {
  const timers = new TimerTable(["a", "b", "c"] as const);
  timers.set("b", 30);
  timers.set("c", 20);
  assert.equal(timers.nextDeadlineMs(), 20);
  assert.equal(timers.nextDeadlineMs(["a", "b"]), 30);
  timers.stop("c");
  assert.equal(timers.nextDeadlineMs(), 30);
  assert.equal(timers.deadlineMs("c"), Infinity);
});

Deno.test("`TimerTable.arm()` keeps a running timer's deadline", () => {
  const timers = new TimerTable(["a"] as const);
  timers.arm("a", 10);
  timers.arm("a", 5);
  assert.equal(timers.deadlineMs("a"), 10);
  timers.stop("a");
  timers.arm("a", 5);
  assert.equal(timers.deadlineMs("a"), 5);
});

Deno.test("`TimerTable.stopAll()` stops every timer", () => {
  const timers = new TimerTable(["a", "b"] as const);
  timers.set("a", 1);
  timers.set("b", 2);
  timers.stopAll();
  assert.equal(timers.nextDeadlineMs(), Infinity);
});

Deno.test("`TimerTable` refuses a timer named twice", () => {
  assert.throws(() => new TimerTable(["a", "a"]), TypeError);
});

Deno.test("`TimerTable.nextDeadlineMs()` follows any sequence of changes (the kept minimum)", () => {
  const names = ["a", "b", "c", "d"] as const;
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 0x8000_0000;
    return seed % n;
  };
  const timers = new TimerTable(names);
  const model = new Map<string, number>(names.map((n) => [n, Infinity]));
  for (let i = 0; i < 2_000; i++) {
    const timer = names[next(names.length)]!;
    const atMs = next(4) === 0 ? Infinity : next(50);
    switch (next(4)) {
      case 0:
        timers.set(timer, atMs);
        model.set(timer, atMs);
        break;
      case 1:
        timers.arm(timer, atMs);
        if (model.get(timer) === Infinity) model.set(timer, atMs);
        break;
      case 2:
        timers.stop(timer);
        model.set(timer, Infinity);
        break;
      default:
        if (next(20) === 0) {
          timers.stopAll();
          for (const n of names) model.set(n, Infinity);
        }
    }
    assert.equal(timers.nextDeadlineMs(), Math.min(...model.values()));
  }
});
