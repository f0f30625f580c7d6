import assert from "node:assert/strict";
import type { ChatMessage } from "../../lib/wire/message.ts";
import { NetworkFeed } from "../../lib/web/network_feed.ts";
import type { MessageRef } from "../../lib/causal/missing_cause.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

function chat(seq: number): ChatMessage {
  return {
    author: A,
    seq,
    clock: new Map([[A, seq]]),
    nick: "ann",
    text: `m${seq}`,
    ts: 0,
    signature: new Uint8Array(0),
  };
}

function feed(listening = true) {
  const sent: Record<string, unknown>[] = [];
  const held = new Map<string, MessageRef>();
  const network = new NetworkFeed(
    {
      overlay: () => ({ members: [], omittedMembers: 0, links: [], held: [], omittedHeld: 0 }),
      heldCause: (author, seq) => held.get(`${author}:${seq}`),
    },
    (json) => sent.push(JSON.parse(json)),
    { now: () => 1_000, listening: () => listening },
  );
  return { network, sent, held };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("NetworkFeed sends one provenance object for a message delivered as it arrives", async () => {
  const { network, sent } = feed();
  // The runtime reports the delivery (during the step) before the arrival (after it).
  network.onEvent({ type: "deliver", message: chat(1) });
  network.onTraffic({ direction: "in", peer: B, message: { type: "chat", message: chat(1) } });
  await tick();
  assert.deepEqual(sent, [{
    type: "provenance",
    author: A,
    seq: 1,
    clock: { [A]: 1 },
    copies: 1,
    deliveredAt: 1_000,
    arrivedAt: 1_000,
    repair: false,
    from: B,
  }]);
  // A duplicate sends nothing.
  network.onTraffic({ direction: "in", peer: B, message: { type: "chat", message: chat(1) } });
  await tick();
  assert.equal(sent.length, 1);
});

Deno.test("NetworkFeed sends a held message's arrival, then its release", async () => {
  const { network, sent, held } = feed();
  held.set(`${A}:2`, { author: A, seq: 1 });
  network.onTraffic({ direction: "in", peer: B, message: { type: "chat", message: chat(2) } });
  await tick();
  assert.deepEqual(sent.map((o) => [o.seq, o.waitsFor, o.deliveredAt]), [
    [2, { author: A, seq: 1 }, undefined],
  ]);
  network.onEvent({ type: "deliver", message: chat(1) });
  network.onEvent({ type: "deliver", message: chat(2) });
  network.onTraffic({ direction: "in", peer: B, message: { type: "chat", message: chat(1) } });
  await tick();
  assert.deepEqual(sent.slice(1).map((o) => [o.seq, o.releasedAt, o.deliveredAt]), [
    [1, undefined, 1_000],
    [2, 1_000, 1_000],
  ]);
});

Deno.test("NetworkFeed sends nothing while no page listens, and logs repairs into the overlay", async () => {
  const { network, sent } = feed(false);
  network.onEvent({ type: "deliver", message: chat(1) });
  network.onTraffic({
    direction: "out",
    peer: B,
    message: { type: "want", graft: false, ranges: [{ author: A, from: 1, to: 3 }] },
  });
  await tick();
  assert.deepEqual(sent, []);
  const overlay = network.overlayObject() as { type: string; repair: { recent: unknown[] } };
  assert.equal(overlay.type, "overlay");
  assert.equal(overlay.repair.recent.length, 1);
  // The snapshot still carries what was kept.
  const snapshot = network.snapshotFields() as {
    provenance: unknown[];
    overlay: { type?: string };
  };
  assert.equal(snapshot.provenance.length, 1);
  assert.equal(snapshot.overlay.type, undefined);
});
