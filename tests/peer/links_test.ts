import assert from "node:assert/strict";
import { Links } from "../../lib/peer/links.ts";
import type { IoEffect } from "../../lib/actor/effect.ts";
import { A, B, hello } from "./_harness.ts";

function makeLinks() {
  const effects: IoEffect[] = [];
  return { links: new Links((e) => effects.push(e)), effects };
}

Deno.test("`Links.dial()` emits a dial and counts the expected member as in flight until settled", () => {
  const { links, effects } = makeLinks();
  const link = links.dial("10.0.0.2:9000", "peer", A, 0);
  assert.deepEqual(effects, [{ type: "dial", conn: link.conn, addr: "10.0.0.2:9000" }]);
  assert.equal(links.dialsInFlight, 1);
  assert.ok(links.isBusyWith(A));
  links.settleDial(link);
  assert.equal(links.dialsInFlight, 0);
  assert.equal(links.get(link.conn), link, "settling keeps the link");
});

Deno.test("`Links.dial()` of a liveness link marks the member as being checked, until forgotten", () => {
  const { links } = makeLinks();
  const link = links.dial("10.0.0.2:9000", "liveness", A, 0);
  assert.ok(links.isChecking(A));
  assert.equal(links.dialsInFlight, 0);
  links.forget(link);
  assert.ok(!links.isChecking(A));
  assert.ok(!links.isBusyWith(A));
  assert.equal(links.count, 0);
});

Deno.test("`Links.close()` says bye on an established link, once, and not after the remote's bye", () => {
  const { links, effects } = makeLinks();
  const link = links.open(false, "peer", undefined, undefined, 0);
  link.remote = hello(A, "10.0.0.2:9000");
  links.close(link, "done", 5);
  links.close(link, "again", 6);
  assert.deepEqual(effects, [
    { type: "send", conn: link.conn, message: { type: "bye", reason: "done" } },
    { type: "close", conn: link.conn, reason: "done" },
  ]);
  assert.equal(link.lastSentMs, 5);

  const quiet = links.open(false, "peer", undefined, undefined, 0);
  quiet.remote = hello(B, "10.0.0.3:9000");
  quiet.byeReceived = true;
  effects.length = 0;
  links.close(quiet, "remote said bye", 7);
  assert.deepEqual(effects, [{ type: "close", conn: quiet.conn, reason: "remote said bye" }]);
});

Deno.test("`Links.flood()` sends to accepted peer links only, except the one named", () => {
  const { links, effects } = makeLinks();
  const [a, b] = [A, B].map((id) => {
    const link = links.open(false, "peer", undefined, undefined, 0);
    link.remote = hello(id, "10.0.0.9:9000");
    link.accepted = true;
    links.setPeerLink(link);
    return link;
  });
  const undecided = links.open(false, "peer", undefined, undefined, 0);
  undecided.remote = hello("c".repeat(64), "10.0.0.4:9000");
  links.setPeerLink(undecided);
  links.flood({ type: "get-peers" }, a!.conn, 1);
  assert.deepEqual(effects.map((e) => e.conn), [b!.conn]);
  assert.equal(links.acceptedCount(), 2);
  assert.deepEqual(links.accepted(), [a, b]);
});
