import assert from "node:assert/strict";
import type { FramedConnection } from "../../lib/runtime/framed_connection.ts";
import { WriteQueueFullError } from "../../lib/runtime/framed_connection.ts";
import type { LiveConnection } from "../../lib/runtime/live_connection.ts";
import { OutboundQueue } from "../../lib/runtime/outbound_queue.ts";
import type { Channel } from "../../lib/secure/channel.ts";
import type { ChatMessage, Message } from "../../lib/wire/message.ts";
import { PROTOCOL_VERSION } from "../../lib/wire/message.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeMessage } from "../../lib/wire/message_encode.ts";

const SELF = "b".repeat(64);
const OTHER = "a".repeat(64);

function chat(author: string, text = "hi"): Message {
  const message: ChatMessage = {
    author,
    seq: 1,
    clock: new Map([[author, 1]]),
    nick: "n",
    text,
    ts: 0,
    signature: new Uint8Array(),
  };
  return { type: "chat", message };
}

/** A connection whose channel seals by concatenating payloads and records every write. */
function connection(id: number, options: { failWrites?: boolean; failWith?: Error } = {}) {
  const writes: Uint8Array[][] = [];
  let sealedBatch: readonly Uint8Array[] = [];
  const channel: Channel = {
    remote: {
      type: "hello",
      version: PROTOCOL_VERSION,
      id: OTHER,
      addr: "127.0.0.1:1",
      nick: "a",
      role: "peer",
      incarnation: 0,
    },
    encrypted: false,
    seal: (payloads) => {
      sealedBatch = payloads;
      return new Uint8Array(payloads.reduce((n, p) => n + p.length, 0));
    },
    open: (frame) => [frame],
  };
  let closed = false;
  const framed = {
    get closed() {
      return closed;
    },
    remoteAddr: "127.0.0.1:1",
    write() {
      if (options.failWrites) throw new WriteQueueFullError("full");
      if (options.failWith !== undefined) throw options.failWith;
      writes.push([...sealedBatch]);
    },
    close() {
      closed = true;
    },
  } as unknown as FramedConnection;
  const live: LiveConnection = {
    id,
    framed,
    channel,
    outbox: [],
    flushing: undefined,
    closedByActor: false,
    path: "direct",
    fallback: undefined,
    dialled: undefined,
    upgradesLeft: 0,
  };
  return { live, writes, isClosed: () => closed };
}

function queue() {
  const stats = { messagesSent: 0, chatSends: 0, bytesSent: 0 };
  const logs: string[] = [];
  const failed: [number, string, boolean][] = [];
  const q = new OutboundQueue({
    stats,
    track: () => {},
    onWriteFailed: (live, _framed, reason, pathFailed) =>
      failed.push([live.id, reason, pathFailed]),
    log: (_level, text) => logs.push(text),
  });
  return { q, stats, logs, failed };
}

Deno.test("OutboundQueue encodes a message sent to many connections once, and writes each batch in one seal", async () => {
  const { q, stats } = queue();
  const conns = [connection(1), connection(2), connection(3)];
  const message: Message = { type: "register" };
  for (const c of conns) q.send(c.live, message);
  // Every connection's payload is the very same bytes object: encoded once.
  const payloads = conns.map((c) => c.live.outbox[0]);
  assert.ok(payloads.every((p) => p === payloads[0]));
  q.send(conns[0]!.live, { type: "get-peers" } as Message);
  q.endStep();
  for (const c of conns) await q.drain(c.live);
  assert.deepEqual(conns.map((c) => c.writes.length), [1, 1, 1]);
  assert.equal(conns[0]!.writes[0]!.length, 2, "two messages, one seal, one write");
  assert.equal(stats.messagesSent, 4);
  assert.equal(stats.chatSends, 0);
});

Deno.test("OutboundQueue sends own chat exactly as the actor holds it: its stored signature, never a new one", async () => {
  const { q, stats } = queue();
  const a = connection(1);
  const stored = chat(SELF);
  assert.ok(stored.type === "chat");
  const signature = new Uint8Array(64).fill(7);
  const own: Message = { ...stored, message: { ...stored.message, signature } };
  q.send(a.live, own);
  q.send(a.live, chat(SELF, "unsigned"));
  await q.drain(a.live);
  assert.equal(stats.chatSends, 2);
  const [first, second] = a.writes.flat().map((p) => decodeMessage(p));
  assert.ok(first?.type === "chat" && first.message.signature.every((x) => x === 7));
  assert.ok(
    second?.type === "chat" && second.message.signature.length === 0,
    "an unsigned message is not signed on the way out",
  );
});

Deno.test("OutboundQueue drops a message it cannot encode, with a log line, and goes on", async () => {
  const { q, logs, stats } = queue();
  const c = connection(1);
  q.send(c.live, chat(OTHER, "x".repeat(70_000)));
  q.send(c.live, { type: "register" });
  await q.drain(c.live);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /Not sending a chat message/);
  assert.equal(stats.messagesSent, 1);
  assert.deepEqual(c.writes.flat().map((p) => decodeMessage(p).type), ["register"]);
});

Deno.test("OutboundQueue closes a connection whose writes fail and reports it", async () => {
  const { q, failed } = queue();
  const c = connection(5, { failWrites: true });
  q.send(c.live, { type: "register" });
  await q.drain(c.live);
  assert.ok(c.isClosed());
  // A peer too slow to read is not a broken path: no other path of the link should take over.
  assert.deepEqual(failed, [[5, "peer too slow: write queue full", false]]);
  assert.deepEqual(c.live.outbox, []);
});

Deno.test("OutboundQueue seals and writes each batch on the path current when it started, and reports a failed socket as a broken path", async () => {
  const { q, failed } = queue();
  const first = connection(7);
  const second = connection(7);
  const live = first.live;
  q.send(live, { type: "register" });
  await q.drain(live);
  // The link moves to another path (a punched connection): later batches go there.
  live.framed = second.live.framed;
  live.channel = second.live.channel;
  q.send(live, { type: "get-peers" } as Message);
  q.endStep();
  await q.drain(live);
  assert.deepEqual(first.writes.flat().map((p) => decodeMessage(p).type), ["register"]);
  assert.deepEqual(second.writes.flat().map((p) => decodeMessage(p).type), ["get-peers"]);
  // A socket that fails (not a slow peer) is a path failure: reported as such.
  const broken = connection(8, { failWith: new Error("connection reset") });
  q.send(broken.live, { type: "register" });
  await broken.live.flushing;
  assert.deepEqual(failed, [[8, "connection reset", true]]);
});

Deno.test("OutboundQueue's payloads decode to what was sent", async () => {
  const { q } = queue();
  const c = connection(1);
  const message: Message = { type: "register" };
  q.send(c.live, message);
  await q.drain(c.live);
  assert.deepEqual(c.writes[0]![0], encodeMessage(message));
});

Deno.test("OutboundQueue counts messages, encoded bytes and repairs by type for /metrics", async () => {
  const { MessageCounts } = await import("../../lib/runtime/message_counts.ts");
  const counts = new MessageCounts();
  const q = new OutboundQueue({
    stats: { messagesSent: 0, chatSends: 0, bytesSent: 0 },
    counts,
    track: () => {},
    onWriteFailed: () => {},
    log: () => {},
  });
  const [a, b] = [connection(1), connection(2)];
  const pushed = chat(OTHER);
  q.send(a.live, pushed);
  q.send(b.live, pushed);
  assert.ok(pushed.type === "chat");
  q.send(a.live, { ...pushed, repair: true });
  q.send(a.live, { type: "register" });
  await q.drain(a.live);
  await q.drain(b.live);
  assert.equal(counts.sent.get("chat"), 3);
  assert.equal(counts.sent.get("register"), 1);
  assert.equal(
    counts.sentBytes.get("chat"),
    2 * encodeMessage(pushed).length + encodeMessage({ ...pushed, repair: true }).length,
    "each send counts its encoded bytes, even when encoded once for many",
  );
  assert.equal(counts.sentBytes.get("register"), encodeMessage({ type: "register" }).length);
  assert.equal(counts.repairsSent, 1);
});
