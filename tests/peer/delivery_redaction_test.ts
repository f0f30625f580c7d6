import assert from "node:assert/strict";
import type { NodeEvent } from "../../lib/actor/effect.ts";
import { Delivery } from "../../lib/peer/delivery.ts";
import { resolvePeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import { seededRandom } from "../../lib/random/random.ts";
import { redactChat } from "../../lib/wire/chat_text.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";
import { A, chat, SELF } from "./_harness.ts";

function makeDelivery(blocked: string[] = []) {
  const events: NodeEvent[] = [];
  const options = resolvePeerNodeOptions({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
    blocked,
  });
  const delivery = new Delivery(SELF, (e) => events.push(e), options);
  const take = (m: ChatMessage) => {
    const result = delivery.offer(m);
    assert.equal(result.status, "delivered");
    delivery.deliver(result.delivered);
  };
  return { delivery, events, take };
}

const withText = (m: ChatMessage, text: string, extra: Partial<ChatMessage> = {}) => ({
  ...m,
  text,
  ...extra,
});

Deno.test("`Delivery.deliver()` of an edit keeps the target (and the older edit) redacted and says so", () => {
  const { delivery, events, take } = makeDelivery();
  take(withText(chat(A, 1, { [A]: 1 }), "helo"));
  take(withText(chat(A, 2, { [A]: 2 }), "hello", { amends: { kind: "edit", target: 1 } }));
  take(withText(chat(A, 3, { [A]: 3 }), "hello!", { amends: { kind: "edit", target: 1 } }));
  assert.equal(delivery.copyOf(A, 1)?.redacted, true);
  assert.equal(delivery.copyOf(A, 2)?.text, "");
  assert.equal(delivery.copyOf(A, 3)?.text, "hello!");
  assert.deepEqual(
    events.map((e) => e.type === "redact" ? `redact ${e.message.seq}` : e.type),
    // Redacting a redacted message says nothing again.
    ["deliver", "deliver", "redact 1", "deliver", "redact 2"],
  );
});

Deno.test("`Delivery` blocks an author: its messages are delivered without text, the held ones lose theirs", () => {
  const { delivery, events, take } = makeDelivery();
  take(withText(chat(A, 1, { [A]: 1 }), "before"));
  delivery.block(A);
  assert.equal(delivery.copyOf(A, 1)?.redacted, true);
  take(withText(chat(A, 2, { [A]: 2 }), "after"));
  const delivered = events.filter((e) => e.type === "deliver").map((e) => e.message);
  assert.equal(delivered[1]!.text, "");
  assert.equal(delivered[1]!.redacted, true);
  assert.equal(delivery.relayForm(withText(chat(A, 3, { [A]: 3 }), "x")).redacted, true);
  assert.ok(delivery.isBlocked(A));
  delivery.unblock(A);
  assert.equal(delivery.relayForm(withText(chat(A, 3, { [A]: 3 }), "x")).redacted, undefined);
});

Deno.test("`Delivery.offerText()` keeps a text that came withheld once a copy with it arrives, never one it removed itself", () => {
  const { delivery, events, take } = makeDelivery();
  const full = withText(chat(A, 1, { [A]: 1 }), "hello");
  take(redactChat(full));
  assert.equal(delivery.copyOf(A, 1)?.redacted, true);
  delivery.offerText({ ...full, text: "forged" });
  assert.equal(delivery.copyOf(A, 1)?.redacted, true, "another version is not a restore");
  // Only the text is taken from the (unverified) copy: clock, body and signature stay ours.
  delivery.offerText({ ...full, clock: new Map([[A, 1], ["f".repeat(64), 9]]) });
  assert.equal(delivery.copyOf(A, 1)?.text, "hello");
  assert.equal(delivery.copyOf(A, 1)?.redacted, undefined);
  assert.deepEqual(delivery.copyOf(A, 1)?.clock, new Map([[A, 1]]));
  assert.equal(events.at(-1)?.type, "text-arrived");
  // A deleted message does not come back from an old copy.
  take(withText(chat(A, 2, { [A]: 2 }), "", { amends: { kind: "delete", target: 1 } }));
  assert.equal(delivery.copyOf(A, 1)?.redacted, true);
  delivery.offerText(full);
  assert.equal(delivery.copyOf(A, 1)?.redacted, true);
});

Deno.test("`Delivery` holds an edit that arrives before its target, then delivers both in order and redacts the target", () => {
  const { delivery, events } = makeDelivery();
  const target = withText(chat(A, 1, { [A]: 1 }), "helo");
  const edit = withText(chat(A, 2, { [A]: 2 }), "hello", { amends: { kind: "edit", target: 1 } });
  assert.equal(delivery.offer(edit).status, "held");
  const result = delivery.offer(target);
  assert.equal(result.status, "delivered");
  delivery.deliver(result.delivered);
  assert.deepEqual(
    events.map((e) => `${e.type} ${"message" in e ? e.message.seq : ""}`),
    ["deliver 1", "deliver 2", "redact 1"],
  );
  assert.equal(delivery.copyOf(A, 1)?.redacted, true);
});
