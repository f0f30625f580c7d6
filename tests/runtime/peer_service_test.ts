/** `startPeer` as a library user meets it: the rules every entry point goes through, and a failing disk. */
import assert from "node:assert/strict";
import { type PeerEvent, startBootstrap, startPeer } from "../../lib/runtime/mod.ts";
import { SEND_BATCH_MESSAGES_MAX } from "../../lib/runtime/peer_service.ts";
import { publicRoomKey } from "../../lib/secure/room_key.ts";
import { PeerStore, StoreError } from "../../lib/store/peer_store.ts";
import { plainRoomTag, roomTag } from "../../lib/secure/room_tag.ts";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { verifyChat } from "../../lib/secure/chat_signature.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

/** The tags of the rooms these peers run in: plain and public lobby. */
const PLAIN_LOBBY = await plainRoomTag("lobby");
const LOBBY = await roomTag(await publicRoomKey("lobby"));

Deno.test("startPeer(): a send whose commit fails sends nothing, uses no sequence number and says why; sending stays off, receiving goes on", async () => {
  const store = PeerStore.memory(PLAIN_LOBBY);
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
    assert.equal((await peer.send("recorded")).seq, 1);
    const record = store.record.bind(store);
    store.record = () => {
      throw new StoreError("database or disk is full");
    };
    await assert.rejects(
      peer.send("not recorded"),
      (e) =>
        e instanceof Error &&
        e.message ===
          "Cannot send: writing to the data directory failed (database or disk is full)",
    );
    assert.equal(peer.clock().get(peer.id), 1, "the failed send used no sequence number");
    assert.ok(
      logs.some((l) => /Cannot write to the data directory \(database or disk is full\)/.test(l)),
      logs.join("\n"),
    );
    // Off until a restart, even once the disk has room again.
    store.record = record;
    await assert.rejects(peer.send("refused"), /Cannot send: writing to the data directory failed/);
    assert.equal(peer.clock().get(peer.id), 1);
    assert.deepEqual(store.restore().messages.map((m) => m.text), ["recorded"]);
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

Deno.test("PeerService.send() refuses an over-long text: nothing is stamped, stored or delivered, and later messages reach others", async () => {
  const bootstrap = await startBootstrap({ listen: "127.0.0.1:0" });
  const store = PeerStore.memory(LOBBY);
  const annDelivered: number[] = [];
  const bobDelivered: string[] = [];
  const ann = await startPeer({
    listen: "127.0.0.1:0",
    nick: "ann",
    bootstraps: [bootstrap.addr],
    store,
    onEvent: (e) => {
      if (e.type === "deliver") annDelivered.push(e.message.seq);
    },
  });
  const bob = await startPeer({
    listen: "127.0.0.1:0",
    nick: "bob",
    bootstraps: [bootstrap.addr],
    onEvent: (e) => {
      if (e.type === "deliver" && e.message.author === ann.id) bobDelivered.push(e.message.text);
    },
  });
  try {
    assert.throws(
      () => ann.send("x".repeat(70_000)),
      (e) =>
        e instanceof RangeError && e.message === "Cannot send: text is 70000 bytes, limit 4096",
    );
    assert.throws(() => ann.send("\ud800"), /Cannot send: text is not well-formed Unicode/);
    await assert.rejects(ann.sendDirect(bob.id, "y".repeat(5_000)), RangeError);
    assert.equal(ann.clock().get(ann.id), undefined, "no sequence number was used");
    assert.deepEqual(annDelivered, []);
    assert.equal(store.restore().messages.length, 0, "nothing was stored");
    // The next message is seq 1, and bob gets it (before the fix he waited for ever on seq 1).
    assert.equal((await ann.send("short")).seq, 1);
    const deadline = Date.now() + 10_000;
    while (bobDelivered.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(bobDelivered, ["short"]);
  } finally {
    await bob.stop();
    await ann.stop();
    await bootstrap.stop();
  }
});

Deno.test("PeerService refuses a nick or address the wire could never carry", async () => {
  await assert.rejects(
    startPeer({ insecure: true, listen: "127.0.0.1:0", nick: "" }),
    (e) =>
      e instanceof RangeError &&
      /^Cannot start: a nick needs at least one character$/.test(e.message),
  );
  await assert.rejects(
    startPeer({ insecure: true, listen: "127.0.0.1:0", nick: "n", bootstraps: ["nowhere"] }),
    (e) => e instanceof TypeError && /^Cannot start: address "nowhere": /.test(e.message),
  );
  const peer = await startPeer({ insecure: true, listen: "127.0.0.1:0", nick: "ann" });
  try {
    assert.throws(
      () => peer.setNick("a\u0007b"),
      /Cannot change nick: a nick cannot contain control characters/,
    );
    assert.throws(() => peer.setNick("n".repeat(33)), RangeError);
    assert.equal(peer.nick, "ann");
    peer.setNick("anna");
    assert.equal(peer.nick, "anna");
  } finally {
    await peer.stop();
  }
});

Deno.test("startPeer() refuses the store of another room: no history is shown or served across rooms", async () => {
  const privateRoom = { ...(await publicRoomKey("lobby")), psk: new Uint8Array(32).fill(9) };
  const store = PeerStore.memory(await roomTag(privateRoom));
  try {
    // The public lobby, with the private lobby's store.
    await assert.rejects(
      () => startPeer({ listen: "127.0.0.1:0", nick: "ann", store }),
      (e) =>
        e instanceof TypeError && e.message === "Cannot start: the store belongs to another room",
    );
    // The plain lobby is another room too.
    await assert.rejects(
      () => startPeer({ insecure: true, listen: "127.0.0.1:0", nick: "ann", store }),
      TypeError,
    );
  } finally {
    store.close();
  }
});

Deno.test("PeerService.send(): own messages are committed with their signature, and what others receive is exactly what is stored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pchat-own-signed-" });
  const bootstrap = await startBootstrap({ listen: "127.0.0.1:0" });
  const identity = await generateIdentity();
  const received: ChatMessage[] = [];
  const bob = await startPeer({
    listen: "127.0.0.1:0",
    nick: "bob",
    bootstraps: [bootstrap.addr],
    onEvent: (e) => {
      if (e.type === "deliver" && e.message.author === identity.id) received.push(e.message);
    },
  });
  const ann = await startPeer({
    identity,
    listen: "127.0.0.1:0",
    nick: "ann",
    bootstraps: [bootstrap.addr],
    store: await PeerStore.open(dir, LOBBY),
  });
  try {
    assert.equal((await ann.send("signed on disk")).seq, 1);
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(received.length, 1);
  } finally {
    await ann.stop();
    await bob.stop();
    await bootstrap.stop();
  }
  const store = await PeerStore.open(dir, LOBBY);
  try {
    const [stored] = store.restore().messages;
    assert.ok(stored !== undefined);
    assert.equal(stored.signature.byteLength, 64);
    assert.ok(await verifyChat(stored, LOBBY), "stored signed for the lobby");
    assert.deepEqual(stored.signature, received[0]!.signature);
    assert.deepEqual(stored.body, received[0]!.body);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PeerService.send(): on a full disk (databaseBytesMax) the user sees SQLite's own reason, and disk and clock agree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pchat-send-full-" });
  const peer = await startPeer({
    insecure: true,
    listen: "127.0.0.1:0",
    nick: "full",
    store: await PeerStore.open(dir, PLAIN_LOBBY, { databaseBytesMax: 131_072 }),
  });
  let sent = 0;
  let failure: unknown;
  try {
    for (let i = 0; i < 200 && failure === undefined; i++) {
      try {
        sent = (await peer.send("x".repeat(4_000))).seq;
      } catch (error) {
        failure = error;
      }
    }
    assert.ok(failure instanceof Error, `expected a failure, got ${failure}`);
    assert.match(
      failure.message,
      /^Cannot send: writing to the data directory failed \(.*database or disk is full/,
    );
    assert.doesNotMatch(failure.message, /no transaction is active/);
    assert.ok(sent > 3, `only ${sent} messages fit`);
    assert.equal(peer.clock().get(peer.id), sent, "the failed send took no sequence number");
  } finally {
    await peer.stop();
  }
  const store = await PeerStore.open(dir, PLAIN_LOBBY);
  try {
    assert.equal(store.restore().messages.length, sent, "every message sent is on disk, no other");
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PeerService.send(): concurrent sends are serialized: each is stamped, committed and published in call order", async () => {
  const store = PeerStore.memory(LOBBY);
  const delivered: number[] = [];
  const peer = await startPeer({
    listen: "127.0.0.1:0",
    nick: "ann",
    store,
    onEvent: (e) => {
      if (e.type === "deliver") delivered.push(e.message.seq);
    },
  });
  try {
    const sent = await Promise.all(["a", "b", "c", "d"].map((text) => peer.send(text)));
    assert.deepEqual(sent.map((m) => `${m.seq} ${m.text}`), ["1 a", "2 b", "3 c", "4 d"]);
    assert.deepEqual(delivered, [1, 2, 3, 4]);
    const stored = store.restore().messages;
    assert.deepEqual(stored.map((m) => `${m.seq} ${m.text}`), ["1 a", "2 b", "3 c", "4 d"]);
    // Sent in one turn, the four were signed as one batch: one root signature, four paths.
    assert.ok(stored.every((m) => m.signature.byteLength > 64), "each stored with its batch path");
    assert.equal(new Set(stored.map((m) => m.signature.subarray(0, 64).join())).size, 1);
    for (const m of stored) assert.ok(await verifyChat(m, LOBBY), `seq ${m.seq} verifies`);
    // A send alone gets a plain signature, as before batches existed.
    const alone = await peer.send("e");
    assert.equal(alone.signature.byteLength, 64);
    assert.ok(await verifyChat(alone, LOBBY));
  } finally {
    await peer.stop();
  }
});

Deno.test("PeerService.send(): a burst is signed in batches of at most SEND_BATCH_MESSAGES_MAX; an edit goes alone", async () => {
  const store = PeerStore.memory(LOBBY);
  const peer = await startPeer({ listen: "127.0.0.1:0", nick: "ann", store });
  try {
    const count = SEND_BATCH_MESSAGES_MAX * 2 + 3;
    const burst = Array.from({ length: count }, (_, i) => peer.send(`m${i}`));
    const edit = peer.edit(1, "first, edited");
    const after = peer.send("after the edit");
    const sent = await Promise.all(burst);
    assert.deepEqual(sent.map((m) => m.seq), Array.from({ length: count }, (_, i) => i + 1));
    const roots = new Map<string, number>();
    for (const m of sent) {
      const root = m.signature.subarray(0, 64).join();
      roots.set(root, (roots.get(root) ?? 0) + 1);
      assert.ok(await verifyChat(m, LOBBY), `seq ${m.seq} verifies`);
    }
    assert.deepEqual([...roots.values()], [SEND_BATCH_MESSAGES_MAX, SEND_BATCH_MESSAGES_MAX, 3]);
    const edited = await edit;
    assert.equal(edited.seq, count + 1);
    assert.equal(edited.signature.byteLength, 64, "an amendment is signed alone");
    assert.equal((await after).seq, count + 2);
  } finally {
    await peer.stop();
  }
});

Deno.test("PeerService.edit()/delete(): the stored row loses its text and still verifies; a refused amendment says why; a block is kept across a restart", async () => {
  await withDataDir(async (dir) => {
    const identity = await generateIdentity();
    const store = await PeerStore.open(dir, LOBBY);
    // An identity of its own, alone: no neighbour to wait for before the first send.
    const node = { ownSeqSyncTimeoutMs: 1 };
    const peer = await startPeer({ listen: "127.0.0.1:0", nick: "ann", identity, store, node });
    const bob = "b".repeat(64);
    try {
      const first = await peer.send("helo");
      const edit = await peer.edit(first.seq, "hello");
      assert.deepEqual(edit.amends, { kind: "edit", target: first.seq });
      const gone = await peer.delete(edit.seq - 1);
      assert.deepEqual(gone.amends, { kind: "delete", target: first.seq });
      await assert.rejects(
        peer.edit(first.seq, "again"),
        /Cannot edit: message 1 is deleted already/,
      );
      await assert.rejects(
        peer.delete(9),
        /Cannot delete: there is no message 9 of yours \(1 to 3\)/,
      );
      await assert.rejects(peer.delete(gone.seq), /is itself an edit or delete/);
      peer.setPolicy("blocked", bob, true);
      peer.setPolicy("muted", bob, true);
      peer.setPolicy("muted", bob, false);
      assert.throws(() => peer.setPolicy("blocked", identity.id, true), /Cannot block yourself/);
      assert.throws(
        () => peer.setPolicy("muted", "bob", true),
        /Cannot mute: "bob" is not a peer id/,
      );
    } finally {
      await peer.stop();
    }
    const reopened = await PeerStore.open(dir, LOBBY);
    const again = await startPeer({
      listen: "127.0.0.1:0",
      nick: "ann",
      identity,
      store: reopened,
    });
    try {
      assert.deepEqual(again.policy(), { muted: [], blocked: [bob] });
    } finally {
      await again.stop();
    }
    const check = await PeerStore.open(dir, LOBBY);
    const { messages } = check.restore();
    check.close();
    assert.deepEqual(messages.map((m) => [m.seq, m.text, m.redacted === true]), [
      [1, "", true],
      [2, "", true],
      [3, "", false],
    ]);
    for (const m of messages) assert.ok(await verifyChat(m, LOBBY), `#${m.seq} no longer verifies`);
  });
});

async function withDataDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "peer_service_redaction_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("PeerService.setNick(): the rename's incarnation is stored, so a restart signs its record at a later one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pchat-rename-" });
  try {
    const store = await PeerStore.open(dir, PLAIN_LOBBY);
    const peer = await startPeer({ insecure: true, listen: "127.0.0.1:0", nick: "ann", store });
    const startedAt = 0;
    try {
      peer.setNick("anna");
      peer.setNick("annie");
    } finally {
      await peer.stop();
    }
    const reopened = await PeerStore.open(dir, PLAIN_LOBBY);
    try {
      // This start took incarnation 0; the two renames took 1 and 2.
      assert.equal(
        reopened.restore().incarnation,
        startedAt + 3,
        "a restart moves past the renames",
      );
    } finally {
      reopened.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
