import assert from "node:assert/strict";
import { versionDigest } from "../../lib/peer/equivocation.ts";
import { graftLink } from "../../lib/peer/links.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";
import { A, B, C, chat, machines, neighbour, SELF, sentTo } from "./_harness.ts";

Deno.test("`Dissemination.push()` sends on tree links and arms the lazy timer for the others", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.take();
  b.tree.lazyFor.add(SELF);
  const message = own(m, "hi", "me", 0);
  m.dissemination.push(message, undefined, 10);
  const effects = m.take();
  assert.deepEqual(sentTo(effects, a.conn), [{ type: "chat", message }]);
  assert.deepEqual(sentTo(effects, b.conn), []);
  assert.equal(m.dissemination.nextDeadlineMs(), 110);
});

Deno.test("`Dissemination.onLazyTimer()` announces news to lazy links once", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  b.tree.lazyFor.add(SELF);
  const message = own(m, "hi", "me", 0);
  m.repair.deliver([message]);
  m.dissemination.push(message, undefined, 10);
  m.take();
  m.dissemination.onLazyTimer(110);
  const effects = m.take();
  assert.deepEqual(sentTo(effects, b.conn), [
    {
      type: "have",
      full: false,
      clock: new Map([[SELF, 1]]),
      digests: new Map([[SELF, versionDigest(message)]]),
    },
  ]);
  assert.deepEqual(sentTo(effects, a.conn), []);
  assert.equal(m.dissemination.nextDeadlineMs(), Infinity);
  m.dissemination.onLazyTimer(210);
  assert.deepEqual(m.take(), [], "nothing new: nothing announced");
});

Deno.test("`Dissemination.onChat()` prunes a link that brings a duplicate, unless it was a repair", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.take();
  const first = chat(A, 1, { [A]: 1 });
  m.dissemination.onChat(a, first, false, 1);
  const effects = m.take();
  assert.deepEqual(sentTo(effects, b.conn), [{ type: "chat", message: first }], "relayed");
  assert.equal(effects.filter((e) => e.type === "deliver").length, 1);
  m.dissemination.onChat(b, first, true, 2);
  assert.deepEqual(m.take(), [], "a repaired copy is no sign of a cycle");
  m.dissemination.onChat(b, first, false, 3);
  assert.deepEqual(sentTo(m.take(), b.conn), [{ type: "prune", authors: [A] }]);
  assert.ok(b.tree.lazyFor.has(A));
});

Deno.test("`Dissemination.onPrune()` takes only authors it tracks", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.dissemination.onChat(a, chat(A, 1, { [A]: 1 }), false, 1);
  m.dissemination.onPrune(a, { type: "prune", authors: [A, B] });
  assert.deepEqual([...a.tree.lazyFor], [A]);
  assert.equal(a.tree.offSharedTree, false, "a plain prune leaves the shared tree alone");
  m.dissemination.onPrune(a, { type: "prune", authors: [], sharedTree: true });
  assert.equal(a.tree.offSharedTree, true);
});

Deno.test("`Dissemination.onChat()`: an author's first message follows the shared tree", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  const c = neighbour(m, C, "10.0.0.4:9000");
  c.tree.offSharedTree = true;
  m.take();
  const d = "d".repeat(64);
  const first = chat(d, 1, { [d]: 1 });
  m.dissemination.onChat(a, first, false, 1);
  const effects = m.take();
  assert.deepEqual(sentTo(effects, b.conn), [{ type: "chat", message: first }]);
  assert.deepEqual(sentTo(effects, c.conn), [], "off the shared tree: announced, not pushed");
  assert.ok(c.tree.lazyFor.has(d), "and off the author's own tree from now on");
  assert.ok(!b.tree.lazyFor.has(d));
  m.dissemination.onLazyTimer(101);
  assert.deepEqual(sentTo(m.take(), c.conn).map((x) => x.type), ["have"]);
  // Its next message follows the author's tree as it stands.
  m.dissemination.onChat(a, chat(d, 2, { [d]: 2 }), false, 200);
  assert.deepEqual(sentTo(m.take(), c.conn), []);
});

Deno.test("`Dissemination.onChat()`: a duplicate of a first message takes the link off the shared tree", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  const c = neighbour(m, C, "10.0.0.4:9000");
  m.take();
  const d = "d".repeat(64);
  const first = chat(d, 1, { [d]: 1 });
  m.dissemination.onChat(a, first, false, 1);
  m.take();
  m.dissemination.onChat(b, first, false, 2);
  assert.deepEqual(sentTo(m.take(), b.conn), [{ type: "prune", authors: [d], sharedTree: true }]);
  assert.equal(b.tree.offSharedTree, true);
  // A duplicate of a later message shows a cycle in the author's tree only.
  m.dissemination.onChat(a, chat(d, 2, { [d]: 2 }), false, 3);
  m.take();
  m.dissemination.onChat(c, chat(d, 2, { [d]: 2 }), false, 4);
  assert.deepEqual(sentTo(m.take(), c.conn), [{ type: "prune", authors: [d] }]);
  assert.equal(c.tree.offSharedTree, false);
});

Deno.test("`Dissemination.onChat()`: when the author is a neighbour, its copies race the shared tree's: no shared prune", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.take();
  const first = chat(A, 1, { [A]: 1 });
  m.dissemination.onChat(a, first, false, 1);
  m.take();
  m.dissemination.onChat(b, first, false, 2);
  assert.deepEqual(sentTo(m.take(), b.conn), [{ type: "prune", authors: [A] }]);
  assert.equal(b.tree.offSharedTree, false);
});

Deno.test("`Dissemination.push()`: an author pushes its own messages off the shared tree too", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  a.tree.offSharedTree = true;
  m.take();
  const message = own(m, "hi", "me", 0);
  m.dissemination.push(message, undefined, 10);
  assert.deepEqual(sentTo(m.take(), a.conn), [{ type: "chat", message }]);
});

/** This peer's own next message, stamped and recorded as a send does. */
function own(
  m: {
    delivery: {
      stampOwn(text: string, nick: string, ts: number): ChatMessage;
      recordOwn(message: ChatMessage): ChatMessage[];
    };
  },
  text: string,
  nick: string,
  ts: number,
): ChatMessage {
  const message = m.delivery.stampOwn(text, nick, ts);
  m.delivery.recordOwn(message);
  return message;
}

Deno.test("`Dissemination.welcome()`: a new neighbour starts off the trees of known authors but ours", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.dissemination.onChat(a, chat(B, 1, { [B]: 1 }), false, 1);
  const mine = own(m, "hi", "me", 2);
  m.repair.deliver([mine]);
  const c = neighbour(m, C, "10.0.0.4:9000");
  m.dissemination.welcome(c);
  assert.deepEqual([...c.tree.lazyFor], [B]);
  assert.equal(c.tree.offSharedTree, false);
});

Deno.test("`Dissemination.push()` skips a neighbour that announced it has the message", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.repair.onHave(b, { type: "have", full: true, clock: new Map([[C, 1]]) }, 0);
  m.take();
  const first = chat(C, 1, { [C]: 1 });
  m.dissemination.onChat(a, first, true, 1);
  assert.deepEqual(sentTo(m.take(), b.conn), [], "b has it: no copy for it");
});

Deno.test("`Dissemination.push()` never sends a message back to its author, even on a link grafted for it", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.take();
  // A want with a graft, sent to the author, takes its link onto the author's tree here.
  graftLink(a, A);
  const message = chat(A, 1, { [A]: 1 });
  m.dissemination.onChat(b, message, false, 1);
  const effects = m.take();
  assert.deepEqual(sentTo(effects, a.conn), [], "not back to A");
  assert.equal(effects.filter((e) => e.type === "deliver").length, 1);
});

Deno.test("`Dissemination.onChat()`: a duplicate over a link pruned already prunes again, at most once a lazy round", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.take();
  const prunes = () => sentTo(m.take(), b.conn).filter((x) => x.type === "prune");
  m.dissemination.onChat(a, chat(A, 1, { [A]: 1 }), false, 0);
  m.dissemination.onChat(b, chat(A, 1, { [A]: 1 }), false, 10);
  assert.deepEqual(prunes(), [{ type: "prune", authors: [A] }]);
  // Copies already on their way when B got the prune: not answered again so soon.
  m.dissemination.onChat(a, chat(A, 2, { [A]: 2 }), false, 20);
  m.dissemination.onChat(b, chat(A, 2, { [A]: 2 }), false, 50);
  assert.deepEqual(prunes(), []);
  // A lazy round later B still pushes (it grafted the link since): prune again, once.
  m.dissemination.onChat(a, chat(A, 3, { [A]: 3 }), false, 110);
  m.dissemination.onChat(b, chat(A, 3, { [A]: 3 }), false, 110);
  m.dissemination.onChat(a, chat(A, 4, { [A]: 4 }), false, 120);
  m.dissemination.onChat(b, chat(A, 4, { [A]: 4 }), false, 120);
  assert.deepEqual(prunes(), [{ type: "prune", authors: [A] }]);
  // A repaired copy is never a reason.
  m.dissemination.onChat(b, chat(A, 4, { [A]: 4 }), true, 500);
  assert.deepEqual(prunes(), []);
});
