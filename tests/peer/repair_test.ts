import assert from "node:assert/strict";
import { repairBytesEstimate } from "../../lib/peer/repair.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";
import { A, B, C, chat, machines, neighbour, ofType, sentTo } from "./_harness.ts";

Deno.test("`Repair` pulls a lazily announced message only after the graft timeout, grafting the link", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  a.tree.lazyFor.add(B);
  a.tree.offSharedTree = true;
  m.take();
  m.repair.onHave(a, { type: "have", full: false, clock: new Map([[B, 2]]) }, 0);
  assert.equal(m.timers.deadlineMs("lazy"), 100);
  m.repair.pullMissing(100);
  assert.deepEqual(m.take(), [], "still within the graft timeout");
  m.repair.pullMissing(500);
  assert.deepEqual(sentTo(m.take(), a.conn), [
    { type: "want", graft: true, ranges: [{ author: B, from: 0, to: 2 }] },
  ]);
  assert.ok(!a.tree.lazyFor.has(B), "grafted back onto B's tree");
  assert.equal(a.tree.offSharedTree, false, "and back onto the shared tree");
});

Deno.test("`Repair.deliver()` stops waiting for what arrives", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.repair.onHave(a, { type: "have", full: true, clock: new Map([[A, 1]]) }, 0);
  const result = m.delivery.offer(chat(A, 1, { [A]: 1 }));
  m.repair.deliver(result.delivered);
  m.take();
  m.repair.pullMissing(1_000);
  assert.deepEqual(m.take(), []);
});

Deno.test("`Repair.onWant()` serves history and says skip for what the window lost", () => {
  const m = machines({ historyMessagesMax: 1 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  const one = own(m, "1", "me", 0);
  m.repair.deliver([one]);
  const two = own(m, "2", "me", 0);
  m.repair.deliver([two]);
  m.take();
  m.repair.onWant(a, {
    type: "want",
    graft: false,
    ranges: [{ author: one.author, from: 0, to: 2 }],
  }, 1);
  assert.deepEqual(sentTo(m.take(), a.conn), [
    { type: "skip", clock: new Map([[one.author, 1]]) },
    { type: "chat", message: two, repair: true },
  ]);
});

Deno.test("`Repair.onSyncTimer()` sends a full have to a neighbour and sets the next round", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.repair.onSyncTimer(1_000);
  const [have] = sentTo(m.take(), a.conn);
  assert.equal(have?.type, "have");
  assert.ok(have?.type === "have" && have.full);
  const next = m.repair.nextDeadlineMs();
  assert.ok(next >= 1_900 && next <= 2_100, `next sync at ${next}`);
});

Deno.test("`Repair.sendFullHave()` also offers what the history holds of authors whose slot went (a partial view stayed deaf to them)", () => {
  // Nobody is a member and one stranger slot is left: B makes way for C.
  const m = machines({ strangerAuthorsMax: 1 }, () => false);
  const a = neighbour(m, A, "10.0.0.2:9000");
  for (const message of [chat(B, 1, { [B]: 1 }), chat(C, 1, { [C]: 1 })]) {
    m.repair.deliver(m.delivery.offer(message).delivered);
  }
  assert.deepEqual([...m.delivery.delivered.keys()], [C]);
  m.take();
  m.repair.sendFullHave(a, 0);
  assert.deepEqual(sentTo(m.take(), a.conn), [
    { type: "have", full: true, clock: new Map([[C, 1], [B, 1]]) },
  ]);
});

Deno.test("`Repair.onSkip()` skips only as far as held messages prove", () => {
  const m = machines();
  neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.repair.onSkip({ type: "skip", clock: new Map([[B, 5]]) }, 0);
  assert.deepEqual(ofType(m.take(), "skip"), [], "nothing proves the gap yet");
  m.repair.onChat(chat(B, 3, { [B]: 3 }), 1);
  assert.deepEqual(ofType(m.take(), "skip"), [{ type: "skip", author: B, seq: 2 }]);
});

/** A peer with `count` own messages in its history and a neighbour A; returns the pieces. */
function servingPeer(count: number, options: Parameters<typeof machines>[0] = {}) {
  const m = machines(options);
  const a = neighbour(m, A, "10.0.0.2:9000");
  const messages: ChatMessage[] = [];
  for (let i = 1; i <= count; i++) {
    const message = own(m, `message ${i}`, "me", 0);
    m.repair.deliver([message]);
    messages.push(message);
  }
  m.take();
  const wantAll = (nowMs: number) =>
    m.repair.onWant(a, {
      type: "want",
      graft: false,
      ranges: [{ author: messages[0]!.author, from: 0, to: count }],
    }, nowMs);
  const served = () =>
    sentTo(m.take(), a.conn).flatMap((msg) => msg.type === "chat" ? [msg.message.seq] : []);
  return { m, a, messages, wantAll, served };
}

Deno.test("`Repair.onWant()` serves a message to a neighbour once per interval, however often it asks", () => {
  const { wantAll, served } = servingPeer(3);
  wantAll(0);
  assert.deepEqual(served(), [1, 2, 3]);
  for (let t = 1; t < 1_000; t += 100) wantAll(t);
  assert.deepEqual(served(), [], "repeated wants within wantRepeatIntervalMs cost nothing");
  wantAll(1_000);
  assert.deepEqual(
    served(),
    [1, 2, 3],
    "a repair lost in transit is served again after the interval",
  );
});

Deno.test("`Repair.onWant()` serves a message asked for again and again ever more slowly (1 s, 2 s, 4 s, … up to the cap)", () => {
  const { wantAll, served } = servingPeer(1, { wantRepeatIntervalMaxMs: 4_000 });
  const servedAt: number[] = [];
  for (let t = 0; t <= 20_000; t += 100) {
    wantAll(t);
    if (served().length > 0) servedAt.push(t);
  }
  assert.deepEqual(servedAt, [0, 1_000, 3_000, 7_000, 11_000, 15_000, 19_000]);
});

Deno.test("`Repair.onWant()` does not serve what the asker announced it has delivered", () => {
  const { m, a, messages, wantAll, served } = servingPeer(3);
  m.repair.onHave(a, {
    type: "have",
    full: true,
    clock: new Map([[messages[0]!.author, 2]]),
  }, 0);
  m.take();
  wantAll(0);
  assert.deepEqual(served(), [3], "1 and 2 are delivered there by its own word");
});

Deno.test("`Repair.onWant()` keeps each neighbour within its byte budget, refilled over time", () => {
  const { messages, wantAll, served } = servingPeer(10, {
    wantBytesPerSecondMax: 1_000,
    wantRepeatIntervalMs: 1,
  });
  const each = repairBytesEstimate(messages[0]!);
  const fit = Math.floor(1_000 / each);
  assert.ok(fit >= 1 && fit < 10, `${fit} messages of ${each} bytes fit the budget`);
  wantAll(0);
  assert.deepEqual(served(), messages.slice(0, fit).map((m) => m.seq));
  wantAll(1);
  assert.deepEqual(served(), [], "the budget is spent");
  wantAll(1_001);
  assert.equal(served().length, fit, "a second later the budget is whole again");
});

Deno.test("`Repair.onWant()` budgets neighbours separately", () => {
  const { m, wantAll, served, messages } = servingPeer(2, { wantRepeatIntervalMs: 60_000 });
  wantAll(0);
  assert.deepEqual(served(), [1, 2]);
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.take();
  m.repair.onWant(b, {
    type: "want",
    graft: false,
    ranges: [{ author: messages[0]!.author, from: 0, to: 2 }],
  }, 1);
  assert.deepEqual(sentTo(m.take(), b.conn).map((x) => x.type), ["chat", "chat"]);
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

Deno.test("`Repair.backlog()` counts what neighbours announced and is not delivered yet", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  assert.deepEqual(m.repair.backlog(), { messages: 0, authors: 0 });
  m.repair.onHave(a, { type: "have", full: true, clock: new Map([[A, 3], [B, 2]]) }, 0);
  assert.deepEqual(m.repair.backlog(), { messages: 5, authors: 2 });
  m.repair.deliver(m.delivery.offer(chat(A, 1, { [A]: 1 })).delivered);
  m.repair.deliver(m.delivery.offer(chat(A, 2, { [A]: 2 })).delivered);
  assert.deepEqual(m.repair.backlog(), { messages: 3, authors: 2 });
  // A later, smaller announcement does not shrink what is known to exist.
  m.repair.onHave(a, { type: "have", full: true, clock: new Map([[B, 1]]) }, 1);
  assert.deepEqual(m.repair.backlog(), { messages: 3, authors: 2 });
  m.repair.deliver(m.delivery.offer(chat(A, 3, { [A]: 3 })).delivered);
  assert.deepEqual(m.repair.backlog(), { messages: 2, authors: 1 });
});

Deno.test("`Repair` pulls at once, without the graft timeout, what held messages already wait for", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  a.tree.lazyFor.add(B);
  m.take();
  m.repair.onHave(a, { type: "have", full: false, clock: new Map([[B, 1]]) }, 0);
  m.repair.pullMissing(100);
  assert.deepEqual(m.take(), [], "nothing waits for B#1 yet: it may be in flight");
  // C#1 depends on B#1: it is held, so B#1 is late.
  m.dissemination.onChat(a, chat(C, 1, { [C]: 1, [B]: 1 }), false, 150);
  m.take();
  m.repair.pullMissing(200);
  assert.deepEqual(sentTo(m.take(), a.conn), [
    { type: "want", graft: true, ranges: [{ author: B, from: 0, to: 1 }] },
  ]);
});
