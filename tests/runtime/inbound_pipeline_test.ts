import assert from "node:assert/strict";
import {
  InboundPipeline,
  type InboundPipelineOptions,
} from "../../lib/runtime/inbound_pipeline.ts";
import type { Channel } from "../../lib/secure/channel.ts";
import { type ChatAuthenticator, chatAuthenticator } from "../../lib/secure/chat_authenticator.ts";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { publicRoomKey, resolveRoomKey } from "../../lib/secure/room_key.ts";
import { roomTag } from "../../lib/secure/room_tag.ts";
import type { ChatMessage, Hello, Message } from "../../lib/wire/message.ts";
import { PROTOCOL_VERSION } from "../../lib/wire/message.ts";
import { encodeMessage } from "../../lib/wire/message_encode.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";
import { DEFAULT_WIRE_LIMITS } from "../../lib/wire/wire_limits.ts";

const A = "a".repeat(64);
const HELLO: Hello = {
  type: "hello",
  version: PROTOCOL_VERSION,
  id: A,
  addr: "127.0.0.1:1",
  nick: "ann",
  role: "peer",
  incarnation: 0,
};

function chat(seq: number, text = `m${seq}`): Message {
  const message: ChatMessage = {
    author: A,
    seq,
    clock: new Map([[A, seq]]),
    nick: "ann",
    text,
    ts: 0,
    signature: new Uint8Array(64).fill(seq),
  };
  return { type: "chat", message };
}

/** A channel whose frames are plain payloads (one per frame), or a list of them. */
function plainChannel(): Channel {
  return {
    remote: HELLO,
    encrypted: false,
    seal: () => new Uint8Array(),
    open: (frame) => [frame],
  };
}

interface Harness {
  pipeline: InboundPipeline;
  verified: number[];
  forgeries: number;
  stats: { bytesReceived: number; forgeries: number };
}

function harness(
  options: Partial<InboundPipelineOptions> & { bad?: Set<number>; seen?: Set<number> } = {},
): Harness {
  const verified: number[] = [];
  const h = { verified, forgeries: 0, stats: { bytesReceived: 0, forgeries: 0 } } as Harness;
  const authenticator: ChatAuthenticator = {
    selfId: "b".repeat(64),
    sign: (m) => Promise.resolve(m),
    signBatch: (messages) => Promise.resolve([...messages]),
    verify: (m) => {
      verified.push(m.seq);
      return Promise.resolve(!(options.bad?.has(m.seq) ?? false));
    },
  };
  h.pipeline = new InboundPipeline(plainChannel(), {
    limits: DEFAULT_WIRE_LIMITS,
    messagesPerSecondMax: 1_000,
    bytesPerSecondMax: 1_000_000,
    offencesMax: 3,
    authenticator,
    isNewChat: (m) => !(options.seen?.has(m.seq) ?? false),
    clock: () => 0,
    stats: h.stats,
    onForgery: () => h.forgeries++,
    ...options,
  });
  return h;
}

async function receive(h: Harness, messages: (Message | Hello)[]): Promise<number[]> {
  const accepted: number[] = [];
  await h.pipeline.receive(messages.map((m) => encodeMessage(m)), (m) => {
    if (m.type === "chat") accepted.push(m.message.seq);
    return true;
  });
  return accepted;
}

Deno.test("InboundPipeline hands messages on in order and counts their bytes", async () => {
  const h = harness();
  assert.deepEqual(await receive(h, [chat(1), chat(2), chat(3)]), [1, 2, 3]);
  assert.deepEqual(h.verified, [1, 2, 3]);
  assert.ok(h.stats.bytesReceived > 3 * 4);
});

Deno.test("InboundPipeline does not verify a chat the actor has seen, and still hands it on", async () => {
  const h = harness({ seen: new Set([2]) });
  assert.deepEqual(await receive(h, [chat(1), chat(2), chat(3)]), [1, 2, 3]);
  assert.deepEqual(h.verified, [1, 3]);
});

Deno.test("InboundPipeline drops a forged chat, and closes at the third offence", async () => {
  const h = harness({ bad: new Set([2, 4, 5]) });
  assert.deepEqual(await receive(h, [chat(1), chat(2), chat(3)]), [1, 3]);
  assert.equal(h.forgeries, 1);
  assert.equal(h.stats.forgeries, 1);
  await assert.rejects(receive(h, [chat(4), chat(5)]), ProtocolError);
  assert.equal(h.stats.forgeries, 3);
});

Deno.test("InboundPipeline takes chat unverified without an authenticator", async () => {
  const h = harness({ authenticator: undefined, bad: new Set([1]) });
  assert.deepEqual(await receive(h, [chat(1)]), [1]);
  assert.deepEqual(h.verified, []);
});

Deno.test("InboundPipeline refuses more messages than the rate allows, before decoding them", async () => {
  const h = harness({ messagesPerSecondMax: 2 });
  // The third payload is not even MessagePack: the rate limit speaks first.
  const frames = [encodeMessage(chat(1)), encodeMessage(chat(2)), new Uint8Array([0xc1])];
  await assert.rejects(
    h.pipeline.receive(frames, () => true),
    (e) => e instanceof ProtocolError && /Too many messages/.test(e.message),
  );
});

Deno.test("InboundPipeline refuses more bytes than the rate allows, before opening them", async () => {
  const h = harness({ bytesPerSecondMax: 1_000 });
  assert.deepEqual(await receive(h, [chat(1)]), [1]);
  // Not even a valid frame: the byte rate speaks first.
  await assert.rejects(
    h.pipeline.receive([new Uint8Array(1_000)], () => true),
    (e) => e instanceof ProtocolError && /Too many bytes: more than 1000 a second/.test(e.message),
  );
});

Deno.test("InboundPipeline refuses a hello after the handshake and undecodable bytes", async () => {
  await assert.rejects(receive(harness(), [HELLO]), /Unexpected hello/);
  await assert.rejects(
    harness().pipeline.receive([new Uint8Array([0xc1])], () => true),
    ProtocolError,
  );
});

Deno.test("InboundPipeline names the offence that closed the connection: a flood, one forgery too many, or none", async () => {
  const flood = harness({ messagesPerSecondMax: 1 });
  await assert.rejects(receive(flood, [chat(1), chat(2)]), ProtocolError);
  assert.equal(flood.pipeline.closingOffence, "flood");
  const forged = harness({ bad: new Set([1, 2, 3]) });
  await assert.rejects(receive(forged, [chat(1), chat(2), chat(3)]), ProtocolError);
  assert.equal(forged.pipeline.closingOffence, "forgery");
  const other = harness();
  await assert.rejects(receive(other, [HELLO]), ProtocolError);
  assert.equal(other.pipeline.closingOffence, undefined);
});

Deno.test("InboundPipeline stops when the receiver says the connection is gone", async () => {
  const h = harness();
  const seen: number[] = [];
  const goOn = await h.pipeline.receive(
    [chat(1), chat(2), chat(3)].map((m) => encodeMessage(m)),
    (m) => {
      if (m.type === "chat") seen.push(m.message.seq);
      return seen.length < 2;
    },
  );
  assert.equal(goOn, false);
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("InboundPipeline drops as a forgery a chat signed for another room (cross-room replay)", async () => {
  const ann = await generateIdentity();
  const lobbyTag = await roomTag(await publicRoomKey("lobby"));
  const privateTag = await roomTag(await resolveRoomKey("lobby", { secret: "s", iterations: 1 }));
  // Ann chats in the private room; a member of both rooms replays it in the lobby.
  const signed = await chatAuthenticator(ann, privateTag).sign({
    author: ann.id,
    seq: 1,
    clock: new Map([[ann.id, 1]]),
    nick: "ann",
    text: "private",
    ts: 0,
    signature: new Uint8Array(),
  });
  const stats = { bytesReceived: 0, forgeries: 0 };
  let forgeries = 0;
  const inRoom = (tag: Uint8Array) =>
    new InboundPipeline(plainChannel(), {
      limits: DEFAULT_WIRE_LIMITS,
      messagesPerSecondMax: 1_000,
      bytesPerSecondMax: 1_000_000,
      offencesMax: 3,
      authenticator: chatAuthenticator(ann, tag),
      isNewChat: () => true,
      clock: () => 0,
      stats,
      onForgery: () => forgeries++,
    });
  const accepted: string[] = [];
  const accept = (m: Message) => {
    if (m.type === "chat") accepted.push(m.message.text);
    return true;
  };
  const wire = [encodeMessage({ type: "chat", message: signed })];
  await inRoom(lobbyTag).receive(wire, accept);
  assert.deepEqual(accepted, []);
  assert.equal(forgeries, 1);
  assert.equal(stats.forgeries, 1);
  // In its own room the same bytes pass.
  await inRoom(privateTag).receive(wire, accept);
  assert.deepEqual(accepted, ["private"]);
});

Deno.test("InboundPipeline reports which rate limit closed the connection, and counts decoded bytes by type", async () => {
  const { MessageCounts } = await import("../../lib/runtime/message_counts.ts");
  const limits: string[] = [];
  const counts = new MessageCounts();
  const messages = harness({ messagesPerSecondMax: 1, counts, onLimit: (l) => limits.push(l) });
  await assert.rejects(receive(messages, [chat(1), chat(2)]), ProtocolError);
  assert.deepEqual(limits, ["messages_per_second"]);
  assert.equal(counts.receivedBytes.get("chat"), encodeMessage(chat(1)).length);
  const bytes = harness({ bytesPerSecondMax: 10, onLimit: (l) => limits.push(l) });
  await assert.rejects(bytes.pipeline.receive([new Uint8Array(100)], () => true), ProtocolError);
  assert.deepEqual(limits, ["messages_per_second", "bytes_per_second"]);
});
