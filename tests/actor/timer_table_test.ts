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
