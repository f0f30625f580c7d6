import assert from "node:assert/strict";
import { ObservedAddress } from "../../lib/peer/observed_address.ts";

Deno.test("ObservedAddress: the host most observers saw, each counted once, reported when the host changes", () => {
  const observed = new ObservedAddress();
  assert.equal(observed.current, undefined);
  assert.deepEqual(observed.record("b", "203.0.113.7:40001"), {
    host: "203.0.113.7",
    observers: 1,
  });
  assert.equal(observed.record("b", "203.0.113.7:40999"), undefined, "same observer, same host");
  assert.equal(observed.record("c", "203.0.113.7:51000"), undefined, "one more agrees: no news");
  assert.deepEqual(observed.current, { host: "203.0.113.7", observers: 2 });
  // One observer that sees something else does not outvote two.
  assert.equal(observed.record("d", "198.51.100.1:7000"), undefined);
  assert.deepEqual(observed.current, { host: "203.0.113.7", observers: 2 });
  // Observers change their minds: the majority moves (the router got a new address).
  assert.deepEqual(
    observed.record("b", "198.51.100.1:7000"),
    { host: "198.51.100.1", observers: 2 },
  );
  assert.equal(observed.record("c", "[2001:db8::7]:7000"), undefined, "still 198.51.100.1 by 2");
  assert.equal(observed.record("e", "[2001:db8::7]:7000"), undefined, "2 against 2: no flap");
  assert.deepEqual(observed.record("f", "[2001:db8::7]:9"), { host: "2001:db8::7", observers: 3 });
});

Deno.test("ObservedAddress: a tie keeps the current host; only the latest observersMax observers count", () => {
  const observed = new ObservedAddress(2);
  observed.record("b", "203.0.113.7:1");
  assert.equal(observed.record("c", "198.51.100.1:1"), undefined, "1 against 1: no flap");
  assert.equal(observed.current?.host, "203.0.113.7");
  // A third observer pushes out b, the least recent: 198.51.100.1 has both that remain.
  assert.deepEqual(observed.record("d", "198.51.100.1:1"), { host: "198.51.100.1", observers: 2 });
  assert.throws(() => new ObservedAddress(0), RangeError);
});
