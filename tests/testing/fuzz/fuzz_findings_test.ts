/**
 * Bugs the fuzz suite found, each minimised to a regression test; the
 * comments say what went wrong before the fix. A new finding starts here as
 * an ignored test with an entry in `testing/fuzz/harness/known_issues.ts`, and both go
 * when it is fixed.
 */
import assert from "node:assert/strict";
import type { Actor } from "../../../lib/actor/actor.ts";
import type { Effect } from "../../../lib/actor/effect.ts";
import { PeerNode } from "../../../lib/peer/peer_node.ts";
import { seededRandom } from "../../../lib/random/random.ts";
import { ActorRuntime } from "../../../lib/runtime/actor_runtime.ts";
import { FramedConnection } from "../../../lib/runtime/framed_connection.ts";
import { plainHandshake } from "../../../lib/secure/plain_channel.ts";
import type { Hello, Message, PeerId } from "../../../lib/wire/message.ts";
import { decodeMessage } from "../../../lib/wire/message_decode.ts";
import { encodeMessage } from "../../../lib/wire/message_encode.ts";
import { ProtocolError } from "../../../lib/wire/protocol_error.ts";
import { KNOWN_ISSUES } from "../../../testing/fuzz/harness/known_issues.ts";

const ANN = "a1".repeat(32);
const BOB = "b0".repeat(32);
const CAT = "c0".repeat(32);

function hello(id: PeerId, port: number): Hello {
  return {
    type: "hello",
    version: 5,
    id,
    addr: `127.0.0.1:${port}`,
    nick: "n",
    role: "peer",
    incarnation: 0,
  };
}

/** Ann, with Bob as an accepted neighbour (he joined through her). */
function annWithNeighbour(): { node: PeerNode; bob: number; effects: Effect[] } {
  const node = new PeerNode({
    id: ANN,
    addr: "127.0.0.1:7001",
    nick: "ann",
    random: seededRandom(1),
  });
  node.start(0);
  const bob = node.handleAccepted(hello(BOB, 7002), 0);
  node.handleMessage(bob, { type: "register" }, 0);
  return { node, bob, effects: node.takeEffects() };
}

/** Every message the node sent must be one a peer accepts. */
function assertSendsEncode(effects: readonly Effect[]): void {
  for (const effect of effects) {
    if (effect.type !== "send") continue;
    assert.doesNotThrow(
      () => encodeMessage(effect.message),
      `a ${effect.message.type} that does not encode`,
    );
  }
}

function authors(from: number, count: number): Map<PeerId, number> {
  return new Map(
    Array.from({ length: count }, (_, i) => [(from + i).toString(16).padStart(64, "0"), 1]),
  );
}

Deno.test({
  name: "decodeMessage() keeps a leading U+FEFF of a long string on every path",
  // lib/wire/message_codec.ts decodeValue (step 2, `decoderFor(limits).decode(bytes)`):
  // @msgpack/msgpack 3.1.3 decodes a str of more than 200 bytes with a default TextDecoder
  // (dist.esm/utils/utf8.mjs, sharedTextDecoder, TEXT_DECODER_THRESHOLD), which strips a
  // leading BOM; the chat fast path (lib/wire/chat_fast_path.ts, ignoreBOM: true) keeps it. The
  // same signed chat then reads differently by path, and a long bye reason loses its BOM.
  // Found by the decode-message target (fast path vs general path). Fixed: message_codec reads
  // values itself, with a TextDecoder that keeps the BOM.
  fn() {
    const text = "\ufeff" + "x".repeat(300);
    const bytes = encodeMessage({
      type: "chat",
      message: {
        author: ANN,
        seq: 1,
        clock: new Map([[ANN, 1]]),
        nick: "ann",
        text,
        ts: 0,
        signature: new Uint8Array(0),
      },
    });
    // The same message with its outer array as an array 16 (any width is valid): the general path.
    const general = decodeMessage(
      Uint8Array.from([0xdc, 0x00, bytes[0]! & 0x0f, ...bytes.subarray(1)]),
    );
    assert.ok(general.type === "chat");
    assert.equal(general.message.text, text);
    const bye = decodeMessage(encodeMessage({ type: "bye", reason: "\ufeff" + "r".repeat(240) }));
    assert.ok(bye.type === "bye" && bye.reason.startsWith("\ufeff"));
  },
});

Deno.test({
  name: "decodeMessage() refuses a chat too large to send on, as it came or as a repair",
  // lib/wire/message_codec.ts: decodeMessage accepts payloads up to frameBytesMax (65535), while
  // encodeMessage refuses more than frameBytesMax - MESSAGE_OVERHEAD_BYTES (65515). A chat's body
  // is forwarded verbatim, so a relay cannot pass on a chat that came as 65516..65535 bytes (plain
  // channel), nor, on a Noise channel, a 65515-byte chat sent on as a repair (`[8, body, sig, 1]`
  // is a byte longer). The RangeError is thrown inside ActorRuntime.#apply (see the test below).
  // Found by the decode-message target (padded inputs). Fixed: decodeMessage refuses what it could
  // not send on.
  fn() {
    for (const size of [65515, 65530]) {
      const input = paddedChat(size);
      assert.equal(input.length, size);
      let decoded;
      try {
        decoded = decodeMessage(input);
      } catch (error) {
        if (error instanceof ProtocolError) continue; // Refusing it is a fix too.
        throw error;
      }
      assert.ok(decoded.type === "chat");
      assert.doesNotThrow(() => encodeMessage(decoded), `a ${size}-byte chat cannot be relayed`);
      assert.doesNotThrow(
        () => encodeMessage({ ...decoded, repair: true }),
        `a ${size}-byte chat cannot be sent on as a repair`,
      );
    }
  },
});

/** A valid chat message of exactly `size` bytes: its body ends with an appended bin (which receivers ignore). */
function paddedChat(size: number): Uint8Array {
  const body = (pad: number) => {
    const core = [
      0xc4,
      0x20,
      ...new Uint8Array(32).fill(0xa1), // author
      0x01, // seq
      0x91,
      0x92,
      0xc4,
      0x20,
      ...new Uint8Array(32).fill(0xa1),
      0x01, // clock [[author, 1]]
      0xa3,
      0x61,
      0x6e,
      0x6e, // nick "ann"
      0xa2,
      0x68,
      0x69, // text "hi"
      0x00, // ts
    ];
    return [
      0x97,
      ...core,
      0xc6,
      pad >>> 24,
      (pad >>> 16) & 0xff,
      (pad >>> 8) & 0xff,
      pad & 0xff,
      ...new Uint8Array(pad),
    ];
  };
  const wrap = (
    inner: number[],
  ) => [
    0x93,
    0x08,
    0xc6,
    ...[24, 16, 8, 0].map((s) => (inner.length >>> s) & 0xff),
    ...inner,
    0xc4,
    0x00,
  ];
  const overhead = wrap(body(0)).length;
  return Uint8Array.from(wrap(body(size - overhead)));
}

Deno.test({
  name: "PeerNode never sends a clock with more entries than a peer accepts",
  // lib/peer/peer_node.ts: the delivered clock, the history's authors and the missing set grow with
  // every author a neighbour names — two `skip` messages (#onSkip) of fresh authors are enough —
  // while #sendFullHave, #repair (skip floors), #lazyTick (want ranges) and sendChat (its clock) send
  // them whole, past clockEntriesMax (1024). encodeMessage then throws in ActorRuntime.#apply; from
  // the timer (lib/runtime/actor_runtime.ts #schedule, `this.run(... handleTimeout ...)`) that is an
  // uncaught exception: the process exits. Found by the peer-node target. Fixed: the hold-back
  // queue admits at most authorsMax (1024) authors, the node itself reserved, and so does `have`.
  fn() {
    const { node, bob } = annWithNeighbour();
    node.handleMessage(bob, { type: "skip", clock: authors(1, 1024) }, 1);
    node.handleMessage(bob, { type: "skip", clock: authors(2000, 1) }, 1);
    node.takeEffects();
    // A new neighbour is greeted with a full have.
    const cat = node.handleAccepted(hello(CAT, 7003), 2);
    node.handleMessage(cat, { type: "register" }, 2);
    node.sendChat("hi", 1_700_000_000_000, 2);
    assertSendsEncode(node.takeEffects());
  },
});

Deno.test({
  name: "PeerNode ignores a skip of its own messages",
  // lib/peer/peer_node.ts #onSkip: a neighbour's skip naming this peer's own id moves its own
  // sequence number (HoldBackQueue.skipTo on the own author), so its next chat carries any seq the
  // neighbour chose — other peers drop it as too far ahead — and at 2^53 - 1 the next chat does not
  // encode (ActorRuntime.#apply throws). A peer's own history is never gone. Found by the peer-node
  // target. Fixed: #onSkip ignores the own id.
  fn() {
    const { node, bob } = annWithNeighbour();
    node.handleMessage(bob, { type: "skip", clock: new Map([[ANN, Number.MAX_SAFE_INTEGER]]) }, 1);
    assert.ok(
      !node.takeEffects().some((e) => e.type === "skip" && e.author === ANN),
      "skipped its own messages",
    );
    assert.equal(node.sendChat("hi", 1_700_000_000_000, 2).seq, 1);
    assertSendsEncode(node.takeEffects());
  },
});

Deno.test({
  name: "PeerNode refutes a rumor at incarnation 2^53 - 1 within the safe integers",
  // lib/peer/peer_node.ts #applyMember, `this.#incarnation = info.incarnation + 1`: a suspect (or
  // dead) rumor about this peer at incarnation 2^53 - 1 — a valid wire value — makes it 2^53, not a
  // safe integer: the refutation it floods, and every hello it presents from then on
  // (noiseHandshake encodes localHello()), throw RangeError, so the peer can make no new
  // connection. Found by the peer-node target. Fixed: the refutation stops at 2^53 - 1.
  fn() {
    const { node, bob } = annWithNeighbour();
    const rumor: Message = {
      type: "member",
      member: {
        id: ANN,
        addr: "127.0.0.1:7001",
        incarnation: Number.MAX_SAFE_INTEGER,
        status: "suspect",
      },
    };
    node.handleMessage(bob, rumor, 1);
    assert.ok(Number.isSafeInteger(node.incarnation), `incarnation ${node.incarnation}`);
    assertSendsEncode(node.takeEffects());
    assert.doesNotThrow(() => encodeMessage(node.localHello()));
  },
});

Deno.test({
  name: "ActorRuntime drops a message that does not encode and carries on",
  // lib/runtime/actor_runtime.ts #send -> #encode -> encodeMessage throws RangeError out of #apply,
  // and run() called from the timer in #schedule does not catch it: an uncaught exception, which
  // ends the process (`deno run`) — any of the PeerNode findings above gets there through a timer.
  // Here a stand-in actor sends a have of 1025 entries from handleTimeout on an open connection.
  // Fixed in both: the actors no longer emit such messages, and the runtime logs and drops one.
  async fn() {
    let effects: Effect[] = [];
    let deadline = Infinity;
    const actor: Actor = {
      localHello: () => hello(ANN, 7001),
      handleAccepted: (_remote, nowMs) => {
        deadline = nowMs + 20;
        return 1;
      },
      handleConnected() {},
      handleDialFailed() {},
      handleMessage() {},
      handleDisconnected() {},
      handleTimeout: () => {
        deadline = Infinity;
        effects.push({
          type: "send",
          conn: 1,
          message: { type: "have", full: true, clock: authors(1, 1025) },
        });
      },
      nextDeadlineMs: () => deadline,
      takeEffects: () => {
        const taken = effects;
        effects = [];
        return taken;
      },
    };
    const runtime = new ActorRuntime(actor, { handshake: plainHandshake() });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    runtime.serve(listener);
    const client = new FramedConnection(
      await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    );
    try {
      await plainHandshake()(client, { initiator: true, local: hello(BOB, 7002) });
      // The timer fires meanwhile; today its exception fails this test as uncaught.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      client.close();
      await runtime.stop();
    }
  },
});

Deno.test("every known issue of the fuzz targets names its ignored regression test here", async () => {
  const source = await Deno.readTextFile(new URL(import.meta.url));
  for (const [issue, text] of Object.entries(KNOWN_ISSUES)) {
    const name = /Test: '([^']+)'/.exec(text)?.[1];
    assert.ok(name !== undefined, `${issue} names no test`);
    assert.ok(source.includes(`name: "${name}"`), `${issue}: no test named '${name}'`);
  }
});
