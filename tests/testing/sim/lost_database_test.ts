/**
 * A peer that loses its database but keeps its identity, in a simulated
 * room of 16 honest peers: after its restart it learns from its neighbours
 * how far its own messages went, and its next message is delivered
 * everywhere (no sequence number is reused, so nobody drops it as a
 * duplicate).
 */

import assert from "node:assert/strict";
import { SimWorld } from "../../../testing/sim/sim_world.ts";

const NODES = 16;

for (const seed of [1, 2]) {
  Deno.test(`SimWorld: a peer restarted without its database (same identity) is heard again, seed ${seed}`, () => {
    const world = new SimWorld({ seed, peer: {} });
    const peers = Array.from({ length: NODES }, () => world.addPeer());
    world.run(10_000);
    const ann = peers[3]!;
    for (let i = 0; i < 5; i++) world.send(ann);
    assert.notEqual(
      world.runUntil(() => world.allDelivered(), world.net.nowMs + 30_000),
      undefined,
    );
    world.crash(ann);
    world.run(world.net.nowMs + 2_000);
    // The database is gone (history, clock, incarnation); the identity is not.
    ann.disk = { incarnation: 0, messages: [], skipped: new Map() };
    world.checker.forget(ann.addr);
    world.restart(ann);
    assert.equal(ann.node.actor.deliveredSeq(ann.id), 0);
    const synced = world.runUntil(
      () => ann.node.actor.ownSeqSynced(world.net.nowMs),
      world.net.nowMs + 10_000,
    );
    assert.notEqual(synced, undefined, "the own-sequence sync ends");
    const after = world.send(ann, "after the loss");
    assert.equal(after.seq, 6, "the sequence goes on after the lost messages");
    const delivered = world.runUntil(() => world.allDelivered(), world.net.nowMs + 60_000);
    assert.notEqual(delivered, undefined, `${world.undelivered()} deliveries missing`);
    for (const peer of peers) assert.equal(peer.node.actor.deliveredSeq(ann.id), 6, peer.addr);
  });
}
