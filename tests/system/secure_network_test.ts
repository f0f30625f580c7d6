/**
 * A private room over real sockets: Noise on every connection, signed chat,
 * direct messages routed through peers that cannot read them, and an
 * outsider with the wrong secret kept out.
 */
import assert from "node:assert/strict";
import {
  type BootstrapService,
  type PeerEvent,
  type PeerService,
  startBootstrap,
  startPeer,
} from "../../lib/runtime/mod.ts";
import { deriveRoomKey } from "../../lib/secure/room_key.ts";
import type { RoomKey } from "../../lib/secure/room_key.ts";
import { waitFor } from "../_helpers/net.ts";

/** Few iterations: the test is about the protocol, not the key stretching. */
async function room(name: string, secret: string): Promise<RoomKey> {
  return {
    room: name,
    psk: await deriveRoomKey(name, secret, { iterations: 10 }),
    isPublic: false,
    source: "secret",
  };
}

Deno.test("private room: encrypted, signed chat, direct messages through the overlay, outsiders kept out", async () => {
  const key = await room("ops", "correct horse battery staple");
  const events = new Map<string, PeerEvent[]>();
  const peers: PeerService[] = [];
  let bootstrap: BootstrapService | undefined;
  let outsider: PeerService | undefined;
  try {
    bootstrap = await startBootstrap({ listen: "127.0.0.1:0", room: key });
    // A chain-like overlay: one neighbour each at most two, so direct messages must be relayed.
    for (const nick of ["ann", "bob", "cy", "dee"]) {
      const log: PeerEvent[] = [];
      const peer = await startPeer({
        listen: "127.0.0.1:0",
        nick,
        room: key,
        bootstraps: [bootstrap.addr],
        onEvent: (e) => log.push(e),
        node: { connectionsTarget: 1, connectionsMax: 2 },
      });
      events.set(peer.id, log);
      peers.push(peer);
    }
    const [ann, , , dee] = peers as [PeerService, PeerService, PeerService, PeerService];
    await waitFor(
      "every peer to know the other three",
      () => peers.every((p) => p.peers().length === 3),
    );

    // Signed chat reaches everyone.
    ann.send("hello, room");
    await waitFor(
      "the chat to arrive everywhere",
      () =>
        peers.every((p) =>
          events.get(p.id)!.some((e) => e.type === "deliver" && e.message.text === "hello, room")
        ),
    );
    for (const peer of peers.slice(1)) {
      const delivered = events.get(peer.id)!.find((e) =>
        e.type === "deliver" && e.message.author === ann.id
      );
      assert.ok(delivered?.type === "deliver");
      assert.equal(delivered.message.signature.length, 64, "chat must arrive signed");
    }
    for (const peer of peers) assert.equal(peer.stats().forgeries, 0);

    // A direct message from ann to dee: only dee reads it, whoever carries it.
    const annNeighbours = ann.peers().filter((p) => p.connected).map((p) => p.id);
    await ann.sendDirect(dee.id, "for your eyes only");
    await waitFor(
      "dee to read the direct message",
      () =>
        events.get(dee.id)!.some((e) =>
          e.type === "direct-message" && e.text === "for your eyes only"
        ),
    );
    const received = events.get(dee.id)!.find((e) => e.type === "direct-message");
    assert.ok(received?.type === "direct-message");
    assert.equal(received.from, ann.id);
    assert.equal(received.nick, "ann");
    for (const other of peers.slice(1, 3)) {
      assert.ok(!events.get(other.id)!.some((e) => e.type === "direct-message"), "a relay read it");
    }
    assert.ok(annNeighbours.length <= 2);

    // An outsider with the wrong secret cannot join, and learns why.
    const wrong = await room("ops", "wrong secret");
    const outsiderLog: PeerEvent[] = [];
    outsider = await startPeer({
      listen: "127.0.0.1:0",
      nick: "eve",
      room: wrong,
      bootstraps: [bootstrap.addr],
      onEvent: (e) => outsiderLog.push(e),
    });
    await waitFor(
      "the outsider to be told why it cannot join",
      () => outsiderLog.some((e) => e.type === "log" && /rejected our room secret/.test(e.text)),
    );
    assert.equal(outsider.peers().length, 0);
    assert.ok(!peers.some((p) => p.peers().some((q) => q.id === outsider!.id)));
  } finally {
    await outsider?.stop();
    for (const peer of peers) await peer.stop();
    await bootstrap?.stop();
  }
});
