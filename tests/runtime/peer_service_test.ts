/** `startPeer` around its store: what a peer does when its disk fails. */
import assert from "node:assert/strict";
import { type PeerEvent, startBootstrap, startPeer } from "../../lib/runtime/mod.ts";
import { publicRoomKey } from "../../lib/secure/room_key.ts";
import { PeerStore, StoreError } from "../../lib/store/peer_store.ts";

Deno.test("startPeer() stops sending, but keeps running, once its store fails", async () => {
  const store = PeerStore.memory();
  const logs: string[] = [];
  const peer = await startPeer({
    insecure: true,
    listen: "127.0.0.1:0",
    nick: "disk",
    store,
    onEvent: (event: PeerEvent) => {
      if (event.type === "log") logs.push(event.text);
    },
  });
  try {
    assert.equal(peer.send("recorded").seq, 1);
    store.record = () => {
      throw new StoreError("disk full");
    };
    // The step that fails to record: its message was already sent.
    assert.equal(peer.send("not recorded").seq, 2);
    assert.ok(
      logs.some((l) => /Cannot write to the data directory \(disk full\)/.test(l)),
      logs.join("\n"),
    );
    assert.throws(() => peer.send("refused"), /Cannot send: writing to the data directory failed/);
    assert.equal(peer.clock().get(peer.id), 2);
    assert.ok(peer.peers() !== undefined, "the peer still answers");
  } finally {
    await peer.stop();
  }
});

Deno.test("startPeer() and startBootstrap() let go of their port when they cannot start", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const room = await publicRoomKey("lobby");
  const listen = `127.0.0.1:${port}`;
  await assert.rejects(() => startPeer({ insecure: true, room, listen, nick: "n" }), TypeError);
  await assert.rejects(() => startBootstrap({ insecure: true, room, listen }), TypeError);
  // The port is free again.
  Deno.listen({ hostname: "127.0.0.1", port }).close();
});
