import assert from "node:assert/strict";
import { generateIdentity, type Identity } from "../../lib/identity/identity.ts";
import { FramedConnection } from "../../lib/runtime/framed_connection.ts";
import type { Channel, FrameTransport } from "../../lib/secure/channel.ts";
import { signBinding } from "../../lib/secure/identity_binding.ts";
import { CipherState } from "../../lib/secure/noise/cipher_state.ts";
import { HandshakeState } from "../../lib/secure/noise/handshake_state.ts";
import { TransportState } from "../../lib/secure/noise/transport_state.ts";
import { generateX25519KeyPair, type X25519KeyPair } from "../../lib/identity/x25519_key_pair.ts";
import {
  decodeHandshakePayload,
  decodeRejection,
  encodeHandshakePayload,
  encodeRejection,
  HandshakeError,
  type HandshakeFailure,
  NOISE_PROTOCOL_NAME,
  noiseHandshake,
  noisePrologue,
  REJECTION_BYTES_MAX,
} from "../../lib/secure/noise_handshake.ts";
import { NoiseChannel, SEALED_PAYLOAD_BYTES_MAX } from "../../lib/secure/noise_transport.ts";
import { plainHandshake } from "../../lib/secure/plain_channel.ts";
import type { RoomKey } from "../../lib/secure/room_key.ts";
import { FrameDecoder } from "../../lib/wire/frame_codec.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeMessage } from "../../lib/wire/message_encode.ts";
import type { Hello } from "../../lib/wire/message.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";

// ---------------------------------------------------------------------------
// Helpers

function roomKey(room: string, fill: number): Pick<RoomKey, "room" | "psk"> {
  return { room, psk: new Uint8Array(32).fill(fill) };
}

function helloOf(identity: Identity, nick: string, port = 7000): Hello {
  return {
    type: "hello",
    version: 5,
    id: identity.id,
    addr: `127.0.0.1:${port}`,
    nick,
    role: "peer",
    incarnation: 3,
  };
}

/** A connected loopback pair, each side a FramedConnection. */
async function tcpPair(): Promise<[FramedConnection, FramedConnection]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  try {
    const [client, server] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port, transport: "tcp" }),
      listener.accept(),
    ]);
    return [new FramedConnection(client), new FramedConnection(server)];
  } finally {
    listener.close();
  }
}

/** Two in-memory frame transports joined back to back; `close()` ends both directions. */
function memoryPair(): [FrameTransport & { close(): void }, FrameTransport & { close(): void }] {
  const inboxes: Uint8Array[][] = [[], []];
  const wakers: (() => void)[] = [() => {}, () => {}];
  let closed = false;
  const end = (me: number) => ({
    async readFrame(): Promise<Uint8Array | undefined> {
      while (inboxes[me]!.length === 0 && !closed) {
        await new Promise<void>((resolve) => (wakers[me] = resolve));
      }
      return inboxes[me]!.shift();
    },
    writeFrame(frame: Uint8Array): Promise<void> {
      inboxes[1 - me]!.push(frame.slice());
      wakers[1 - me]!();
      return Promise.resolve();
    },
    close(): void {
      closed = true;
      wakers[0]!();
      wakers[1]!();
    },
  });
  return [end(0), end(1)];
}

interface Side {
  readonly identity: Identity;
  readonly roomKey: Pick<RoomKey, "room" | "psk">;
}

type Outcome = { channel: Channel; error?: never } | { channel?: never; error: unknown };

async function settle(work: Promise<Channel>): Promise<Outcome> {
  try {
    return { channel: await work };
  } catch (error) {
    return { error };
  }
}

/**
 * Runs a handshake between `initiator` and `responder` over real loopback TCP.
 * A side that fails closes its connection, as the runtime does.
 */
async function handshakeOverTcp(
  initiator: Side,
  responder: Side,
): Promise<{ initiator: Outcome; responder: Outcome; close(): void }> {
  const [a, b] = await tcpPair();
  const run = async (side: Side, framed: FramedConnection, isInitiator: boolean) => {
    const outcome = await settle(
      noiseHandshake({ identity: side.identity, roomKey: side.roomKey })(framed, {
        initiator: isInitiator,
        local: helloOf(side.identity, isInitiator ? "ann" : "bob"),
      }),
    );
    if (outcome.error !== undefined) framed.close();
    return outcome;
  };
  const [i, r] = await Promise.all([run(initiator, a, true), run(responder, b, false)]);
  return {
    initiator: i,
    responder: r,
    close() {
      a.close();
      b.close();
    },
  };
}

function assertHandshakeError(outcome: Outcome, failure: HandshakeFailure, message: string): void {
  assert.ok(
    outcome.error instanceof HandshakeError,
    `expected a HandshakeError, got ${outcome.error}`,
  );
  assert.equal(outcome.error.name, "HandshakeError");
  assert.equal(outcome.error.failure, failure);
  assert.equal(outcome.error.message, message);
}

/** Splits wire bytes (frames back to back) into frame payloads. */
function frames(wire: Uint8Array): Uint8Array[] {
  const decoder = new FrameDecoder();
  const out = decoder.push(wire).map((frame) => frame.slice());
  decoder.finish();
  return out;
}

/** Sends `payloads` from one side over TCP and collects what the other side opens. */
async function sendOver(
  from: { channel: Channel; framed: FramedConnection },
  to: { channel: Channel; framed: FramedConnection },
  payloads: Uint8Array[],
): Promise<{ opened: Uint8Array[]; frameCount: number }> {
  const sealed = await from.channel.seal(payloads);
  const frameCount = frames(sealed).length;
  from.framed.write(sealed);
  const opened: Uint8Array[] = [];
  let received = 0;
  while (received < frameCount) {
    const batch = await to.framed.readFrames();
    assert.ok(batch.length > 0, "stream ended early");
    for (const frame of batch) {
      received++;
      for (const payload of await to.channel.open(frame)) opened.push(payload.slice());
    }
  }
  return { opened, frameCount };
}

function smallPayloads(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const payload = new Uint8Array(1 + (i % 40));
    payload.fill(i & 0xff);
    payload[0] = i % 251;
    return payload;
  });
}

/** A transport-state pair keyed directly, for tests of the channel alone. */
async function transportPair(): Promise<[TransportState, TransportState]> {
  const k1 = crypto.getRandomValues(new Uint8Array(32));
  const k2 = crypto.getRandomValues(new Uint8Array(32));
  const hash = new Uint8Array(32);
  return [
    new TransportState(await CipherState.fromKey(k1), await CipherState.fromKey(k2), hash),
    new TransportState(await CipherState.fromKey(k2), await CipherState.fromKey(k1), hash),
  ];
}

async function channelPair(): Promise<
  { sender: TransportState; a: NoiseChannel; b: NoiseChannel }
> {
  const ann = helloOf(await generateIdentity(), "ann");
  const bob = helloOf(await generateIdentity(), "bob");
  const [ta, tb] = await transportPair();
  return { sender: ta, a: new NoiseChannel(ta, bob), b: new NoiseChannel(tb, ann) };
}

// ---------------------------------------------------------------------------
// The handshake over TCP

Deno.test("noiseHandshake() proves both hellos over TCP and data flows both ways", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const key = roomKey("lobby", 7);
  const [a, b] = await tcpPair();
  try {
    const [annChannel, bobChannel] = await Promise.all([
      noiseHandshake({ identity: ann, roomKey: key })(a, {
        initiator: true,
        local: helloOf(ann, "ann", 7001),
      }),
      noiseHandshake({ identity: bob, roomKey: key })(b, {
        initiator: false,
        local: helloOf(bob, "bob", 7002),
      }),
    ]);
    assert.deepEqual(annChannel.remote, helloOf(bob, "bob", 7002));
    assert.deepEqual(bobChannel.remote, helloOf(ann, "ann", 7001));
    assert.equal(annChannel.encrypted, true);
    assert.equal(bobChannel.encrypted, true);

    const annSide = { channel: annChannel, framed: a };
    const bobSide = { channel: bobChannel, framed: b };
    const ping = encodeMessage({ type: "ping", nonce: 42 });
    const there = await sendOver(annSide, bobSide, [ping]);
    assert.deepEqual(decodeMessage(there.opened[0]!), { type: "ping", nonce: 42 });
    const pong = encodeMessage({ type: "pong", nonce: 42 });
    const back = await sendOver(bobSide, annSide, [pong, ping]);
    assert.deepEqual(back.opened, [pong, ping]);
    assert.equal(back.frameCount, 1);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("NoiseChannel.seal() coalesces 1 000 payloads and a 60 000-byte one; open() splits them back", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const key = roomKey("lobby", 7);
  const [a, b] = await tcpPair();
  try {
    const [annChannel, bobChannel] = await Promise.all([
      noiseHandshake({ identity: ann, roomKey: key })(a, {
        initiator: true,
        local: helloOf(ann, "ann"),
      }),
      noiseHandshake({ identity: bob, roomKey: key })(b, {
        initiator: false,
        local: helloOf(bob, "bob"),
      }),
    ]);
    const annSide = { channel: annChannel, framed: a };
    const bobSide = { channel: bobChannel, framed: b };

    const thousand = smallPayloads(1_000); // 1 000 × (4 + 1..40) bytes ≈ 24 KB: one message
    const small = await sendOver(annSide, bobSide, thousand);
    assert.equal(small.frameCount, 1);
    assert.deepEqual(small.opened, thousand);

    const large = new Uint8Array(60_000).map((_, i) => i * 7);
    const mixed = [...smallPayloads(300), large, ...smallPayloads(300)];
    const result = await sendOver(bobSide, annSide, mixed);
    // Packed greedily in order: 300 small (~7 KB) | 60 000 + ~225 small | the other ~75 small.
    assert.equal(result.frameCount, 3);
    assert.deepEqual(result.opened, mixed);

    // Many messages at the limit: one each.
    const maxed = [
      new Uint8Array(SEALED_PAYLOAD_BYTES_MAX).fill(1),
      new Uint8Array(SEALED_PAYLOAD_BYTES_MAX).fill(2),
    ];
    const full = await sendOver(annSide, bobSide, maxed);
    assert.equal(full.frameCount, 2);
    assert.deepEqual(full.opened, maxed);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("noiseHandshake() with another room secret: the initiator is rejected, the responder says why", async () => {
  const result = await handshakeOverTcp(
    { identity: await generateIdentity(), roomKey: roomKey("lobby", 1) },
    { identity: await generateIdentity(), roomKey: roomKey("lobby", 2) },
  );
  try {
    assertHandshakeError(
      result.initiator,
      "wrong-secret",
      "Cannot join: the remote rejected our room secret",
    );
    assertHandshakeError(
      result.responder,
      "wrong-secret",
      "Handshake failed: the remote used a different room secret",
    );
  } finally {
    result.close();
  }
});

Deno.test("noiseHandshake() in another room fails on both sides with a clear error", async () => {
  const result = await handshakeOverTcp(
    { identity: await generateIdentity(), roomKey: roomKey("lobby", 1) },
    { identity: await generateIdentity(), roomKey: roomKey("kitchen", 1) },
  );
  try {
    assertHandshakeError(
      result.initiator,
      "different-room",
      "Cannot join: the remote is in a different room or speaks another protocol version",
    );
    assertHandshakeError(
      result.responder,
      "different-room",
      "Handshake failed: the remote is in a different room or speaks another protocol version",
    );
  } finally {
    result.close();
  }
});

Deno.test("noiseHandshake() initiator reports a responder that hangs up mid-handshake", async () => {
  const ann = await generateIdentity();
  const [a, b] = await tcpPair();
  try {
    const pending = settle(
      noiseHandshake({ identity: ann, roomKey: roomKey("lobby", 1) })(a, {
        initiator: true,
        local: helloOf(ann, "ann"),
      }),
    );
    assert.ok((await b.readFrame()) !== undefined);
    b.close();
    assertHandshakeError(
      await pending,
      "closed",
      "Handshake failed: the remote closed the connection before sending message 2",
    );
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("noiseHandshake() responder refuses a plain-channel peer as another protocol", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const [a, b] = await tcpPair();
  try {
    const [plain, noise] = await Promise.all([
      settle(plainHandshake()(a, { initiator: true, local: helloOf(ann, "ann") })),
      settle(
        noiseHandshake({ identity: bob, roomKey: roomKey("lobby", 1) })(b, {
          initiator: false,
          local: helloOf(bob, "bob"),
        }),
      ),
    ]);
    assertHandshakeError(
      noise,
      "different-room",
      "Handshake failed: the remote is in a different room or speaks another protocol version",
    );
    assert.ok(plain.error instanceof ProtocolError, String(plain.error));
    assert.match(plain.error.message, /unknown type code 0/);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("noiseHandshake() refuses a hello whose id is not its own identity", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const [a] = memoryPair();
  await assert.rejects(
    noiseHandshake({ identity: ann, roomKey: roomKey("lobby", 1) })(a, {
      initiator: true,
      local: helloOf(bob, "bob"),
    }),
    TypeError,
  );
  assert.throws(() => noiseHandshake({ identity: ann, roomKey: roomKey("", 1) }), RangeError);
  assert.throws(
    () => noiseHandshake({ identity: ann, roomKey: { room: "lobby", psk: new Uint8Array(16) } }),
    RangeError,
  );
});

Deno.test("noiseHandshake() uses an injected static key pair for every handshake", async () => {
  const ann = await generateIdentity();
  const key = roomKey("lobby", 3);
  const staticKeyPair = await generateX25519KeyPair();
  const annHandshake = noiseHandshake({ identity: ann, roomKey: key, staticKeyPair });
  for (let i = 0; i < 2; i++) {
    const [a, b] = memoryPair();
    // A hand-made responder sees the static key the initiator proved.
    const responder = await HandshakeState.initialize(NOISE_PROTOCOL_NAME, "responder", {
      prologue: noisePrologue("lobby"),
      staticKeyPair: await generateX25519KeyPair(),
      psks: [key.psk],
    });
    const annDone = settle(annHandshake(a, { initiator: true, local: helloOf(ann, "ann") }));
    await responder.readMessage((await b.readFrame())!);
    await b.writeFrame(await responder.writeMessage());
    await responder.readMessage((await b.readFrame())!);
    assert.deepEqual(responder.remoteStaticPublicKey, staticKeyPair.publicKey);
    a.close();
    assertHandshakeError(
      await annDone,
      "closed",
      "Handshake failed: the remote closed the connection before sending its hello",
    );
  }
});

// ---------------------------------------------------------------------------
// Forged identities, by hand-driven Noise peers

/** A hand-driven initiator that completes Noise correctly but sends `payload` in message 3. */
async function forgingInitiator(
  transport: FrameTransport,
  key: Pick<RoomKey, "room" | "psk">,
  staticKeyPair: X25519KeyPair,
  payload: Uint8Array,
): Promise<void> {
  const state = await HandshakeState.initialize(NOISE_PROTOCOL_NAME, "initiator", {
    prologue: noisePrologue(key.room),
    staticKeyPair,
    psks: [key.psk],
  });
  await transport.writeFrame(await state.writeMessage());
  await state.readMessage((await transport.readFrame())!);
  await transport.writeFrame(await state.writeMessage(payload));
}

Deno.test("noiseHandshake() responder rejects a hello whose id does not sign the static key", async () => {
  const mallory = await generateIdentity();
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const key = roomKey("lobby", 5);
  const malloryStatic = await generateX25519KeyPair();
  const annStatic = await generateX25519KeyPair();
  const forgeries: [string, Uint8Array][] = [
    // Claims Ann's id, binds with Mallory's key.
    [
      "claimed id",
      encodeHandshakePayload(
        encodeMessage(helloOf(ann, "ann")),
        await signBinding(mallory, malloryStatic.publicKey),
      ),
    ],
    // Replays Ann's genuine binding (of Ann's static key) with Mallory's static key.
    [
      "replayed binding",
      encodeHandshakePayload(
        encodeMessage(helloOf(ann, "ann")),
        await signBinding(ann, annStatic.publicKey),
      ),
    ],
    // Garbage signature.
    [
      "zero signature",
      encodeHandshakePayload(encodeMessage(helloOf(ann, "ann")), new Uint8Array(64)),
    ],
  ];
  for (const [what, payload] of forgeries) {
    const [a, b] = memoryPair();
    const [, outcome] = await Promise.all([
      forgingInitiator(a, key, malloryStatic, payload),
      settle(
        noiseHandshake({ identity: bob, roomKey: key })(b, {
          initiator: false,
          local: helloOf(bob, "bob"),
        }),
      ),
    ]);
    assertHandshakeError(
      outcome,
      "bad-identity",
      "Handshake failed: the remote's identity signature does not match its key",
    );
    // Bob revealed nothing after message 2: no hello of his went out.
    a.close();
    assert.equal(await a.readFrame(), undefined, what);
  }
});

Deno.test("noiseHandshake() responder rejects a malformed handshake payload", async () => {
  const bob = await generateIdentity();
  const key = roomKey("lobby", 5);
  const payloads: [Uint8Array, RegExp][] = [
    [new Uint8Array([0x90]), /expected at least 2 elements/],
    [
      encodeHandshakePayload(encodeMessage({ type: "ping", nonce: 1 }), new Uint8Array(64)),
      /expected hello, got ping/,
    ],
    [encodeHandshakePayload(new Uint8Array([0xc1]), new Uint8Array(64)), /Cannot decode message/],
  ];
  for (const [payload, detail] of payloads) {
    const [a, b] = memoryPair();
    const [, outcome] = await Promise.all([
      forgingInitiator(a, key, await generateX25519KeyPair(), payload),
      settle(
        noiseHandshake({ identity: bob, roomKey: key })(b, {
          initiator: false,
          local: helloOf(bob, "bob"),
        }),
      ),
    ]);
    assert.ok(outcome.error instanceof HandshakeError);
    assert.equal(outcome.error.failure, "malformed");
    assert.match(outcome.error.message, /^Handshake failed: the remote's hello is invalid: /);
    assert.match(outcome.error.message, detail);
  }
});

Deno.test("noiseHandshake() initiator rejects a responder whose binding does not match", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const mallory = await generateIdentity();
  const key = roomKey("lobby", 9);
  const [a, b] = memoryPair();
  const annDone = settle(
    noiseHandshake({ identity: ann, roomKey: key })(a, {
      initiator: true,
      local: helloOf(ann, "ann"),
    }),
  );
  const malloryStatic = await generateX25519KeyPair();
  const responder = await HandshakeState.initialize(NOISE_PROTOCOL_NAME, "responder", {
    prologue: noisePrologue("lobby"),
    staticKeyPair: malloryStatic,
    psks: [key.psk],
  });
  await responder.readMessage((await b.readFrame())!);
  await b.writeFrame(await responder.writeMessage());
  await responder.readMessage((await b.readFrame())!);
  const transport = await responder.split();
  const forged = encodeHandshakePayload(
    encodeMessage(helloOf(bob, "bob")),
    await signBinding(mallory, malloryStatic.publicKey),
  );
  await b.writeFrame(await transport.encrypt(forged));
  assertHandshakeError(
    await annDone,
    "bad-identity",
    "Handshake failed: the remote's identity signature does not match its key",
  );
});

Deno.test("noiseHandshake() initiator refuses a reply that does not authenticate", async () => {
  const ann = await generateIdentity();
  const key = roomKey("lobby", 9);
  const [a, b] = memoryPair();
  const annDone = settle(
    noiseHandshake({ identity: ann, roomKey: key })(a, {
      initiator: true,
      local: helloOf(ann, "ann"),
    }),
  );
  // A responder that knows the room name but not the secret.
  const responder = await HandshakeState.initialize(NOISE_PROTOCOL_NAME, "responder", {
    prologue: noisePrologue("lobby"),
    staticKeyPair: await generateX25519KeyPair(),
    psks: [new Uint8Array(32)],
  });
  await responder.readMessage((await b.readFrame())!);
  await b.writeFrame(await responder.writeMessage());
  await b.readFrame();
  await b.writeFrame(new Uint8Array(200).fill(1));
  const outcome = await annDone;
  assert.ok(outcome.error instanceof HandshakeError);
  assert.equal(outcome.error.failure, "wrong-secret");
  assert.match(
    outcome.error.message,
    /^Cannot join: the remote's reply could not be authenticated/,
  );
});

// ---------------------------------------------------------------------------
// The channel after the handshake

Deno.test("NoiseChannel.open() throws ProtocolError for a tampered frame", async () => {
  const { a, b } = await channelPair();
  const [frame] = frames(await a.seal([new Uint8Array([1, 2, 3])]));
  for (const index of [0, 5, frame!.length - 1]) {
    const tampered = frame!.slice();
    tampered[index]! ^= 0x40;
    assert.throws(
      () => b.open(tampered),
      (error: unknown) =>
        error instanceof ProtocolError &&
        error.message === "Cannot open frame: Cannot decrypt: authentication failed at nonce 0",
    );
  }
  // The genuine frame still opens: a failed attempt does not burn the nonce.
  assert.deepEqual(await b.open(frame!), [new Uint8Array([1, 2, 3])]);
});

Deno.test("NoiseChannel.open() throws ProtocolError for a replayed or reordered frame", async () => {
  const { a, b } = await channelPair();
  const first = frames(await a.seal([new Uint8Array([1])]));
  const second = frames(await a.seal([new Uint8Array([2])]));
  const third = frames(await a.seal([new Uint8Array([3])]));
  assert.deepEqual(await b.open(first[0]!), [new Uint8Array([1])]);
  assert.throws(() => (b.open(first[0]!)), ProtocolError);
  assert.throws(() => (b.open(third[0]!)), ProtocolError);
  assert.deepEqual(await b.open(second[0]!), [new Uint8Array([2])]);
  assert.deepEqual(await b.open(third[0]!), [new Uint8Array([3])]);
  assert.throws(() => (b.open(second[0]!)), ProtocolError);
});

Deno.test("NoiseChannel.open() throws ProtocolError when inner lengths do not add up", async () => {
  const cases: [number[], RegExp][] = [
    [[0, 0, 0, 0], /inner length 0 at offset 0/],
    [[0, 0, 0, 5, 1, 2], /inner length 5 at offset 0 exceeds the 2 bytes left/],
    [[0, 0, 0, 1, 9, 0, 0], /2 bytes at offset 5 are too few for a length prefix/],
    [[0xff, 0xff, 0xff, 0xff, 1], /inner length 4294967295/],
    [[], /it carries no payload/],
  ];
  for (const [plaintext, message] of cases) {
    const { sender, b } = await channelPair();
    const frame = await sender.encrypt(new Uint8Array(plaintext));
    assert.throws(
      () => b.open(frame),
      (error: unknown) => error instanceof ProtocolError && message.test(error.message),
    );
  }
});

Deno.test("NoiseChannel.seal() takes payloads of 1..65515 bytes and rejects others with RangeError", async () => {
  const { a, b } = await channelPair();
  assert.equal(a.payloadBytesMax, 65_515);
  const wire = await a.seal([new Uint8Array(SEALED_PAYLOAD_BYTES_MAX)]);
  assert.equal(wire.length, 4 + 65_535);
  assert.equal((await b.open(frames(wire)[0]!))[0]!.length, 65_515);
  assert.throws(() => a.seal([new Uint8Array(SEALED_PAYLOAD_BYTES_MAX + 1)]), RangeError);
  assert.throws(() => a.seal([new Uint8Array(1), new Uint8Array(0)]), RangeError);
  assert.equal((await a.seal([])).length, 0);
});

// ---------------------------------------------------------------------------
// Layouts

Deno.test("decodeHandshakePayload() reads [hello, binding] and ignores extra elements", () => {
  const hello = new Uint8Array(300).fill(4); // bin 16
  const binding = new Uint8Array(64).fill(5);
  const encoded = encodeHandshakePayload(hello, binding);
  assert.deepEqual(encoded.subarray(0, 4), new Uint8Array([0x92, 0xc5, 0x01, 0x2c]));
  assert.deepEqual(decodeHandshakePayload(encoded), { hello, binding });
  // Three elements: the third is skipped unparsed.
  const extended = new Uint8Array([0x93, ...encoded.subarray(1), 0xc1, 0xc1]);
  assert.deepEqual(decodeHandshakePayload(extended), { hello, binding });
  assert.throws(() => decodeHandshakePayload(new Uint8Array([...encoded, 0])), /1 extra bytes/);
  assert.throws(() => decodeHandshakePayload(encoded.subarray(0, 100)), ProtocolError);
  assert.throws(
    () => decodeHandshakePayload(new Uint8Array([0x92, 0xc4, 1, 7, 0xc4, 2, 1, 2])),
    /binding is 2 bytes, expected 64/,
  );
  assert.throws(() => decodeHandshakePayload(new Uint8Array([0x80])), /must be an array/);
  assert.throws(() => encodeHandshakePayload(hello, new Uint8Array(63)), RangeError);
});

Deno.test("encodeRejection() frames are short, start with type code 0 and decode to their reason", () => {
  for (const reason of ["wrong-secret", "different-room"] as const) {
    const frame = encodeRejection(reason);
    assert.ok(frame.length <= REJECTION_BYTES_MAX);
    assert.equal(frame[0], 0x93);
    assert.equal(frame[1], 0);
    assert.equal(decodeRejection(frame), reason);
    // Valid MessagePack: a plain-channel peer decodes it and refuses type code 0.
    assert.throws(() => decodeMessage(frame), /unknown type code 0/);
  }
  assert.deepEqual(
    encodeRejection("wrong-secret"),
    new Uint8Array([0x93, 0, 1, 0xba, ...new TextEncoder().encode("p2pchat: wrong room secret")]),
  );
  assert.equal(decodeRejection(new Uint8Array([0x93, 0, 3, 0xa0])), undefined);
  assert.equal(decodeRejection(new Uint8Array([0x93, 1, 1, 0xa0])), undefined);
  assert.equal(decodeRejection(new Uint8Array(96)), undefined);
  const long = new Uint8Array(64);
  long.set(encodeRejection("wrong-secret"));
  assert.equal(decodeRejection(long), undefined);
});
