import assert from "node:assert/strict";
import type { NodeEvent } from "../../lib/actor/effect.ts";
import { Delivery } from "../../lib/peer/delivery.ts";
import { resolvePeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import type { PeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import { seededRandom } from "../../lib/random/random.ts";
import { A, B, chat, SELF } from "./_harness.ts";

function makeDelivery(
  overrides: Partial<PeerNodeOptions> = {},
  isMember?: (author: string) => boolean,
) {
  const events: NodeEvent[] = [];
  const options = resolvePeerNodeOptions({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
    ...overrides,
  });
  return { delivery: new Delivery(SELF, (e) => events.push(e), options, isMember), events };
}

Deno.test("`Delivery.stampOwn()` stamps the next sequence number over what was delivered; `recordOwn()` records it", () => {
  const { delivery, events } = makeDelivery();
  const first = delivery.offer(chat(A, 1, { [A]: 1 }));
  assert.equal(first.status, "delivered");
  delivery.deliver(first.delivered);
  const message = delivery.stampOwn("hi", "me", 42);
  // A stamp alone records nothing: it is signed and stored first.
  assert.equal(delivery.stampOwn("hi", "me", 42).seq, 1);
  assert.equal(delivery.deliveredSeq(SELF), 0);
  const released = delivery.recordOwn(message);
  assert.equal(message.seq, 1);
  assert.deepEqual(new Map(message.clock), new Map([[A, 1], [SELF, 1]]));
  assert.equal(message.nick, "me");
  assert.deepEqual(released, []);
  delivery.deliver([message]);
  assert.equal(delivery.stampOwn("again", "me", 43).seq, 2);
  assert.deepEqual(events.map((e) => e.type), ["deliver", "deliver"]);
  assert.equal(delivery.deliveryCount, 2);
  assert.equal(delivery.historySize, 2);
});

Deno.test("`Delivery.skipTo()` gives up lost history, emits skip and releases what waited", () => {
  const { delivery, events } = makeDelivery();
  const third = chat(A, 3, { [A]: 3 });
  const result = delivery.offer(third);
  assert.equal(result.status, "held");
  assert.equal(delivery.heldCount, 1);
  const released = delivery.skipTo(A, 2);
  assert.deepEqual(released, [third]);
  assert.deepEqual(events, [{ type: "skip", author: A, seq: 2 }]);
  assert.equal(delivery.historyFloor(A), 2);
});

Deno.test("`Delivery.skipTo()` of an author the queue has no room for changes nothing: its messages are delivered later, once (chaos 2 000 crashed here)", () => {
  // One slot for non-members, taken by B; A is not a member either, for now.
  const members = new Set<string>();
  const { delivery, events } = makeDelivery({ strangerAuthorsMax: 1 }, (id) => members.has(id));
  const fromB = delivery.offer(chat(B, 1, { [B]: 1 }));
  assert.equal(fromB.status, "delivered");
  delivery.deliver(fromB.delivered);
  // B holds a message (it misses B#2), so it does not make way for A.
  assert.equal(delivery.offer(chat(B, 3, { [B]: 3 })).status, "held");
  assert.equal(delivery.admits(A), false);
  // A skip of A's history (repair's, proven by a message that arrived) finds no room for A.
  assert.deepEqual(delivery.skipTo(A, 1), []);
  assert.equal(delivery.deliveredSeq(A), 0);
  assert.equal(delivery.historyFloor(A), 0, "the history did not skip either");
  assert.deepEqual(events.filter((e) => e.type === "skip"), [], "nor was a skip stored");
  // A becomes a member: A#1 comes, is delivered and kept, once.
  members.add(A);
  const fromA = delivery.offer(chat(A, 1, { [A]: 1 }));
  assert.equal(fromA.status, "delivered");
  delivery.deliver(fromA.delivered);
  assert.deepEqual(
    events.filter((e) => e.type === "deliver").map((e) => `${e.message.author[0]}${e.message.seq}`),
    ["b1", "a1"],
  );
  assert.equal(delivery.offer(chat(A, 1, { [A]: 1 })).status, "duplicate");
});

Deno.test("`Delivery` delivers nothing twice when the queue forgot a retired author its history still knows", () => {
  // Three author slots (one reserved for ourselves) and one retired author remembered.
  const [M1, M2, C] = ["1", "2", "c"].map((x) => x.repeat(64));
  const members = new Set([M1!, M2!]);
  const { delivery, events } = makeDelivery(
    { authorsMax: 3, retiredAuthorsMax: 1 },
    (id) => members.has(id),
  );
  const take = (author: string, seq: number) => {
    const result = delivery.offer(chat(author, seq, { [author]: seq }));
    if (result.status === "delivered") delivery.deliver(result.delivered);
    return result.status;
  };
  assert.equal(take(B, 1), "delivered"); // B, a non-member, takes a slot
  assert.equal(take(M1!, 1), "delivered");
  assert.equal(take(M2!, 1), "delivered"); // B is idle: its slot goes, B retired at 1
  members.delete(M1!);
  members.add(C!);
  assert.equal(take(C!, 1), "delivered"); // M1 idle now: retired, and B forgotten by the queue
  members.delete(M2!);
  members.add(B);
  // A late copy of B#1: the queue, which forgot B, would deliver it again.
  assert.equal(take(B, 1), "delivered");
  assert.deepEqual(
    events.filter((e) => e.type === "deliver").map((e) => e.message.author[0]),
    ["b", "1", "2", "c"],
    "B#1 reached the user once",
  );
  assert.equal(delivery.historySize, 4);
});

Deno.test("`Delivery` picks up delivered clock, history and count from a restore", () => {
  const { delivery } = makeDelivery({
    restore: {
      incarnation: 3,
      messages: [chat(A, 1, { [A]: 1 }), chat(A, 2, { [A]: 2 })],
    },
  });
  assert.equal(delivery.deliveredSeq(A), 2);
  assert.equal(delivery.deliveryCount, 2);
  assert.deepEqual(delivery.collect([{ author: A, from: 0, to: 2 }], 10).map((m) => m.seq), [1, 2]);
  assert.ok(delivery.has(A, 2));
});

Deno.test("`Delivery.servable()` adds to the delivered clock the authors whose slot went but whose messages the history still holds", () => {
  // One stranger slot: C makes way for B, and a full `have` must still offer C#1..2.
  const C = "c".repeat(64);
  const { delivery } = makeDelivery({ strangerAuthorsMax: 1 }, () => false);
  const take = (author: string, seq: number) => {
    const result = delivery.offer(chat(author, seq, { [author]: seq }));
    assert.equal(result.status, "delivered");
    delivery.deliver(result.delivered);
  };
  take(C, 1);
  take(C, 2);
  take(B, 1); // C was idle: its slot is B's now
  assert.deepEqual([...delivery.delivered.keys()], [B]);
  assert.equal(delivery.deliveredSeq(C), 2, "the queue remembers how far C went");
  assert.deepEqual(new Map(delivery.servable(10)), new Map([[B, 1], [C, 2]]));
  assert.deepEqual(
    [...delivery.servable(1).keys()],
    [B],
    "the delivered clock first, then as many as fit",
  );
});
