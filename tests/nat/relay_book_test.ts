import assert from "node:assert/strict";
import { DEFAULT_RELAY_LIMITS, RelayBook } from "../../lib/nat/relay_book.ts";

function book(limits: Partial<typeof DEFAULT_RELAY_LIMITS> = {}) {
  let n = 0;
  return new RelayBook<string, string>(
    { ...DEFAULT_RELAY_LIMITS, ...limits },
    () => `token${++n}`,
  );
}

Deno.test("RelayBook: reservations up to reservationsMax; a renewal or a new holder for the same id is not a new one", () => {
  const b = book({ reservationsMax: 2, reservationTtlMs: 1_000 });
  assert.deepEqual(b.reserve("a", "conn-a", 0), { ok: true, value: { ttlMs: 1_000 } });
  assert.ok(b.reserve("b", "conn-b", 0).ok);
  assert.deepEqual(b.reserve("c", "conn-c", 0), {
    ok: false,
    reason: "relay full: 2 reservations",
  });
  assert.ok(b.reserve("a", "conn-a", 500).ok, "a renewal");
  assert.deepEqual(b.reserve("a", "conn-a2", 500), {
    ok: true,
    value: { ttlMs: 1_000, replaced: "conn-a" },
  });
  // b lapses at 1 000 (not renewed); a holds until 1 500.
  assert.ok(b.reserve("c", "conn-c", 1_000).ok);
  assert.equal(b.reservationCount, 2);
  b.release("a", "conn-a"); // an old holder lets go: not the current one
  assert.equal(b.reservationCount, 2);
  b.release("a", "conn-a2");
  assert.equal(b.reservationCount, 1);
});

Deno.test("RelayBook: a stream needs its target's reservation, a free link, and an accept in time by its target", () => {
  const b = book({ linksMax: 2, acceptTimeoutMs: 100 });
  assert.deepEqual(b.open("x", "dialer", 0), { ok: false, reason: "no reservation for x" });
  b.reserve("x", "conn-x", 0);
  const first = b.open("x", "d1", 0);
  assert.deepEqual(first, { ok: true, value: { token: "token1", holder: "conn-x" } });
  assert.equal(b.accept("token1", "y", 10), undefined, "another peer cannot take x's stream");
  const carried = b.accept("token1", "x", 10);
  assert.equal(carried?.dialer, "d1");
  assert.equal(b.accept("token1", "x", 10), undefined, "a token is taken once");
  assert.ok(b.open("x", "d2", 20).ok);
  assert.deepEqual(b.open("x", "d3", 20), { ok: false, reason: "relay full: 2 links" });
  // The waiting stream lapses after acceptTimeoutMs, which frees its link.
  assert.equal(b.accept("token2", "x", 120), undefined);
  assert.ok(b.open("x", "d3", 120).ok);
  b.closeLink(carried!.link);
  assert.equal(b.linkCount, 1);
});

Deno.test("RelayBook: when every link is taken, the one idle longest gives way if idle linkIdleMs, and its end counts once", () => {
  const b = book({ linksMax: 2, linkIdleMs: 1_000 });
  b.reserve("x", "conn-x", 0);
  b.open("x", "d1", 0);
  b.open("x", "d2", 0);
  const first = b.accept("token1", "x", 0)!.link;
  const second = b.accept("token2", "x", 0)!.link;
  // Both carried bytes lately: nobody gives way.
  first.lastActiveMs = 500;
  second.lastActiveMs = 900;
  assert.deepEqual(b.open("x", "d3", 1_400), { ok: false, reason: "relay full: 2 links" });
  // At 1 500 the first has been idle 1 s (a punched link's fallback): it gives way.
  const verdict = b.open("x", "d3", 1_500);
  assert.ok(verdict.ok);
  assert.equal(verdict.value.evicted, first);
  assert.equal(b.linkCount, 2, "the evicted link no longer counts; the new stream waits");
  // Its stream ends later: closing it again frees nothing more.
  b.closeLink(first);
  assert.equal(b.linkCount, 2);
  b.closeLink(second);
  assert.equal(b.linkCount, 1);
});

Deno.test("RelayBook: dial-backs at most one per host per interval and a few at a time", () => {
  const b = book({ dialBackIntervalMs: 1_000, dialBacksInFlightMax: 2 });
  assert.ok(b.admitDialBack("10.0.0.1", 0).ok);
  assert.deepEqual(b.admitDialBack("10.0.0.1", 999), {
    ok: false,
    reason: "one dial-back per 1000 ms",
  });
  assert.ok(b.admitDialBack("10.0.0.2", 0).ok);
  assert.deepEqual(b.admitDialBack("10.0.0.3", 0), {
    ok: false,
    reason: "too many dial-backs under way",
  });
  b.dialBackDone();
  assert.ok(b.admitDialBack("10.0.0.3", 0).ok);
  b.dialBackDone();
  b.dialBackDone();
  assert.ok(b.admitDialBack("10.0.0.1", 1_000).ok);
});

Deno.test("RelayBook: the hosts remembered for dial-backs are bounded", () => {
  const b = book({ dialBackIntervalMs: 1_000, dialBacksInFlightMax: 1 });
  for (let i = 0; i < 4096; i++) {
    assert.ok(b.admitDialBack(`h${i}`, 0).ok);
    b.dialBackDone();
  }
  assert.deepEqual(b.admitDialBack("one-more", 10), {
    ok: false,
    reason: "too many hosts asked for dial-backs lately",
  });
  // Once the window has passed, old hosts are forgotten.
  assert.ok(b.admitDialBack("one-more", 1_000).ok);
});
