/**
 * The Noise handshake of a p2pchat connection:
 * `Noise_XXpsk3_25519_AESGCM_SHA256` with the room key as PSK, and an Ed25519
 * identity bound to each side's Noise static key. The driver, the handshake
 * payload and the rejection frames; the channel it returns is
 * `noise_transport.ts`.
 *
 * ## Handshake
 *
 * Prologue: `UTF-8("p2pchat/5 room:" ‖ room)`, so peers in different rooms
 * (or speaking another protocol version) fail at the first message.
 *
 * | # | Direction | Noise tokens         | Payload                               |
 * | - | --------- | -------------------- | ------------------------------------- |
 * | 1 | →         | `e`                  | empty (48 bytes in all)               |
 * | 2 | ←         | `e, ee, s, es`       | empty (96 bytes in all)               |
 * | 3 | →         | `s, se, psk`         | initiator's handshake payload         |
 * | 4 | ←         | transport message 0  | responder's handshake payload         |
 *
 * Each message is one frame. The handshake payload is the MessagePack array
 * `[hello:bin, binding:bin]`: `hello` is the sender's encoded hello message
 * (`[1, "p2pchat", …]`, PROTOCOL.md), `binding` the 64-byte Ed25519 signature
 * of its identity over `"p2pchat-noise-static-key:" ‖ its Noise static public
 * key` (see `identity_binding.ts`). Receivers ignore elements after the first
 * two. Message 3 is encrypted with keys that include the PSK, and the
 * responder sends its payload only after message 3 has proven the PSK, so
 * neither side's identity reaches anyone without the room key. The receiver of
 * a payload checks that the hello decodes, has our protocol version, and that
 * the binding verifies against the static key Noise authenticated; otherwise
 * the handshake fails. Senders put nothing in messages 1 and 2; receivers
 * ignore what is there.
 *
 * ## Rejections
 *
 * When the responder cannot authenticate message 1 (another room or protocol
 * version) or message 3 (another room secret) it sends one plaintext frame,
 * the MessagePack array `[0, reason:uint, text:str]`, and closes. Reason 1:
 * wrong room secret (`"p2pchat: wrong room secret"`); reason 2: different
 * room or protocol version (`"p2pchat: different room or protocol"`); the
 * text is informative. A rejection frame is at most 63 bytes, and the Noise
 * messages it can stand in for (message 2, 96 bytes, and transport message 0,
 * over 100 bytes) are longer, so the two never collide; the initiator tries
 * the frame as Noise first anyway and looks for a rejection only when
 * authentication fails. Type code 0 is used by no message, so a peer speaking
 * the plain channel refuses it too.
 *
 * @module
 */

import type { Identity } from "../identity/identity.ts";
import { decodeMessage } from "../wire/message_decode.ts";
import { encodeMessage } from "../wire/message_encode.ts";
import { type Hello, PROTOCOL_VERSION } from "../wire/message.ts";
import { MsgpackReader } from "../wire/msgpack_reader.ts";
import { encodeMsgpack } from "../wire/msgpack_writer.ts";
import { ProtocolError } from "../wire/protocol_error.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../wire/wire_limits.ts";
import type { Channel, FrameTransport, Handshake, HandshakeOptions } from "./channel.ts";
import { BINDING_SIGNATURE_BYTES, signBinding, verifyBinding } from "./identity_binding.ts";
import { HandshakeState, PSK_BYTES } from "./noise/handshake_state.ts";
import { NoiseDecryptError } from "./noise/noise_decrypt_error.ts";
import { generateX25519KeyPair, type X25519KeyPair } from "../identity/x25519_key_pair.ts";
import { NoiseChannel } from "./noise_transport.ts";
import { expectHello } from "./plain_channel.ts";
import { checkRoomName, type RoomKey } from "./room_key.ts";

/** The Noise protocol every p2pchat connection runs. */
export const NOISE_PROTOCOL_NAME = "Noise_XXpsk3_25519_AESGCM_SHA256";

/** Start of the Noise prologue; the room name follows it. */
export const NOISE_PROLOGUE_PREFIX = `p2pchat/${PROTOCOL_VERSION} room:`;

/** Smallest `frameBytesMax` the Noise channel works with. */
export const NOISE_FRAME_BYTES_MIN = 1024;

/** Longest rejection frame, in bytes; every Noise message it can stand in for is longer. */
export const REJECTION_BYTES_MAX = 63;

/** Why a responder rejected a handshake, as sent in a rejection frame. */
export const REJECTION_REASONS = Object.freeze({
  /** Message 3 did not authenticate: the initiator has another room secret. */
  "wrong-secret": 1,
  /** Message 1 did not authenticate: another room name or protocol version. */
  "different-room": 2,
});

/** A reason a responder may send. */
export type RejectionReason = keyof typeof REJECTION_REASONS;

const REJECTION_TEXTS: Readonly<Record<RejectionReason, string>> = {
  "wrong-secret": "p2pchat: wrong room secret",
  "different-room": "p2pchat: different room or protocol",
};

/** What made a handshake fail; the error's message says it for humans. */
export type HandshakeFailure =
  /** Another room name or protocol version (the prologues differ). */
  | "different-room"
  /** Another room secret (the PSKs differ). */
  | "wrong-secret"
  /** The remote's hello does not match the key it proved it holds. */
  | "bad-identity"
  /** The remote's handshake messages break the layout. */
  | "malformed"
  /** The connection ended or failed before the handshake completed. */
  | "closed";

/**
 * A handshake failed because of the remote or the connection. The message is
 * meant for the user, e.g. "Cannot join: the remote rejected our room secret".
 */
export class HandshakeError extends Error {
  /** Always `"HandshakeError"`. */
  override name = "HandshakeError";
  /** What went wrong, for code that reacts to it. */
  readonly failure: HandshakeFailure;

  /** Makes an error; pass the underlying failure as `options.cause`. */
  constructor(failure: HandshakeFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.failure = failure;
  }
}

const MESSAGE_DIFFERENT_ROOM =
  "the remote is in a different room or speaks another protocol version";
const MESSAGE_BAD_BINDING =
  "Handshake failed: the remote's identity signature does not match its key";

/** Options of {@linkcode noiseHandshake}. */
export interface NoiseHandshakeOptions {
  /** The room name and its PSK (see `resolveRoomKey`). */
  roomKey: Pick<RoomKey, "room" | "psk">;
  /** This node's identity; the hello each handshake presents must carry its id. */
  identity: Identity;
  /**
   * The Noise static key pair, e.g. a persisted one. Default: generated on the
   * first handshake and reused by every handshake of this function.
   */
  staticKeyPair?: X25519KeyPair | undefined;
  /** Limits for the hello and for frame sizes. Default `DEFAULT_WIRE_LIMITS`. */
  limits?: WireLimits | undefined;
  /**
   * Supplies the ephemeral key pair of each handshake. For tests only: an
   * ephemeral key must never be used twice. Default: the Noise layer
   * generates a fresh one.
   */
  ephemeralKeyPair?: (() => X25519KeyPair | Promise<X25519KeyPair>) | undefined;
}

/** The Noise prologue of a room: `UTF-8("p2pchat/5 room:" ‖ room)`. */
export function noisePrologue(room: string): Uint8Array<ArrayBuffer> {
  checkRoomName(room);
  return new TextEncoder().encode(NOISE_PROLOGUE_PREFIX + room);
}

/**
 * A {@linkcode Handshake} that runs `Noise_XXpsk3_25519_AESGCM_SHA256` in the
 * given room and returns an encrypted {@linkcode NoiseChannel}. Failures
 * caused by the remote throw {@linkcode HandshakeError}; the caller closes the
 * connection.
 *
 * @throws {RangeError} for an invalid room name, a PSK that is not 32 bytes or
 * a `frameBytesMax` under 1024.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity } from "../identity/identity.ts";
 * import type { FrameTransport } from "./channel.ts";
 * import { noiseHandshake } from "./noise_handshake.ts";
 * import { resolveRoomKey } from "./room_key.ts";
 *
 * // Two in-memory transports joined back to back.
 * function pipe(): [FrameTransport, FrameTransport] {
 *   const inboxes: Uint8Array[][] = [[], []];
 *   const wakers: (() => void)[] = [() => {}, () => {}];
 *   const end = (me: number): FrameTransport => ({
 *     async readFrame() {
 *       while (inboxes[me]!.length === 0) await new Promise<void>((r) => (wakers[me] = r));
 *       return inboxes[me]!.shift();
 *     },
 *     writeFrame(frame) {
 *       inboxes[1 - me]!.push(frame);
 *       wakers[1 - me]!();
 *       return Promise.resolve();
 *     },
 *   });
 *   return [end(0), end(1)];
 * }
 *
 * const roomKey = await resolveRoomKey("lobby", { secret: "s3cret", iterations: 1_000 });
 * const [ann, bob] = [await generateIdentity(), await generateIdentity()];
 * const hello = (id: string, nick: string) =>
 *   ({ type: "hello", version: 5, id, addr: "127.0.0.1:1", nick, role: "peer", incarnation: 0 }) as const;
 * const [a, b] = pipe();
 * const [annChannel, bobChannel] = await Promise.all([
 *   noiseHandshake({ roomKey, identity: ann })(a, { initiator: true, local: hello(ann.id, "ann") }),
 *   noiseHandshake({ roomKey, identity: bob })(b, { initiator: false, local: hello(bob.id, "bob") }),
 * ]);
 * assert.equal(annChannel.remote.nick, "bob");
 * assert.equal(bobChannel.remote.id, ann.id);
 * ```
 */
export function noiseHandshake(options: NoiseHandshakeOptions): Handshake {
  const { identity } = options;
  const room = options.roomKey.room;
  const prologue = noisePrologue(room);
  if (options.roomKey.psk.byteLength !== PSK_BYTES) {
    throw new RangeError(
      `Cannot set up Noise handshake: PSK length ${options.roomKey.psk.byteLength} is not ${PSK_BYTES}`,
    );
  }
  const psk = options.roomKey.psk.slice();
  const limits = options.limits ?? DEFAULT_WIRE_LIMITS;
  if (limits.frameBytesMax < NOISE_FRAME_BYTES_MIN) {
    throw new RangeError(
      `Cannot set up Noise handshake: frameBytesMax ${limits.frameBytesMax} is under ${NOISE_FRAME_BYTES_MIN}`,
    );
  }
  const makeEphemeral = options.ephemeralKeyPair;
  let localKeys: Promise<{ staticKeyPair: X25519KeyPair; binding: Uint8Array }> | undefined;
  const keys = () =>
    localKeys ??= (async () => {
      const staticKeyPair = options.staticKeyPair ?? await generateX25519KeyPair();
      return { staticKeyPair, binding: await signBinding(identity, staticKeyPair.publicKey) };
    })().catch((error) => {
      localKeys = undefined;
      throw error;
    });

  return async (transport: FrameTransport, handshake: HandshakeOptions): Promise<Channel> => {
    if (handshake.local.id !== identity.id) {
      throw new TypeError(
        `Cannot run Noise handshake: the hello's id ${handshake.local.id} is not the identity's ${identity.id}`,
      );
    }
    const { staticKeyPair, binding } = await keys();
    const payload = encodeHandshakePayload(encodeMessage(handshake.local, limits), binding);
    const state = await HandshakeState.initialize(
      NOISE_PROTOCOL_NAME,
      handshake.initiator ? "initiator" : "responder",
      {
        prologue,
        staticKeyPair,
        psks: [psk],
        ephemeralKeyPair: makeEphemeral === undefined ? undefined : await makeEphemeral(),
      },
    );
    return handshake.initiator
      ? await runInitiator(transport, state, payload, limits)
      : await runResponder(transport, state, payload, limits);
  };
}

async function runInitiator(
  transport: FrameTransport,
  state: HandshakeState,
  payload: Uint8Array,
  limits: WireLimits,
): Promise<NoiseChannel> {
  await send(transport, await state.writeMessage());
  const message2 = await receive(transport, "message 2");
  try {
    await state.readMessage(message2);
  } catch (error) {
    if (!isRemoteFailure(error)) throw error;
    throw rejectionError(message2, error) ??
      new HandshakeError("different-room", `Cannot join: ${MESSAGE_DIFFERENT_ROOM}`, {
        cause: error,
      });
  }
  await send(transport, await state.writeMessage(payload));
  const transportState = await state.split();
  const reply = await receive(transport, "its hello");
  let replyPayload: Uint8Array;
  try {
    replyPayload = transportState.decrypt(reply);
  } catch (error) {
    if (!isRemoteFailure(error)) throw error;
    throw rejectionError(reply, error) ??
      new HandshakeError(
        "wrong-secret",
        "Cannot join: the remote's reply could not be authenticated; it may not know the room secret",
        { cause: error },
      );
  }
  const remote = await verifyHandshakePayload(replyPayload, state, limits);
  return new NoiseChannel(transportState, remote, { limits });
}

async function runResponder(
  transport: FrameTransport,
  state: HandshakeState,
  payload: Uint8Array,
  limits: WireLimits,
): Promise<NoiseChannel> {
  const message1 = await receive(transport, "message 1");
  try {
    await state.readMessage(message1);
  } catch (error) {
    if (!isRemoteFailure(error)) throw error;
    await sendRejection(transport, "different-room");
    throw new HandshakeError("different-room", `Handshake failed: ${MESSAGE_DIFFERENT_ROOM}`, {
      cause: error,
    });
  }
  await send(transport, await state.writeMessage());
  const message3 = await receive(transport, "message 3");
  let initiatorPayload: Uint8Array;
  try {
    initiatorPayload = await state.readMessage(message3);
  } catch (error) {
    if (!isRemoteFailure(error)) throw error;
    await sendRejection(transport, "wrong-secret");
    throw new HandshakeError(
      "wrong-secret",
      "Handshake failed: the remote used a different room secret",
      { cause: error },
    );
  }
  const remote = await verifyHandshakePayload(initiatorPayload, state, limits);
  const transportState = await state.split();
  await send(transport, transportState.encrypt(payload));
  return new NoiseChannel(transportState, remote, { limits });
}

/** Whether a Noise failure was caused by the remote's bytes (not by our misuse). */
function isRemoteFailure(error: unknown): boolean {
  return error instanceof NoiseDecryptError || error instanceof RangeError;
}

async function send(transport: FrameTransport, frame: Uint8Array): Promise<void> {
  try {
    await transport.writeFrame(frame);
  } catch (error) {
    throw new HandshakeError("closed", `Handshake failed: cannot send: ${describe(error)}`, {
      cause: error,
    });
  }
}

async function receive(transport: FrameTransport, what: string): Promise<Uint8Array> {
  let frame: Uint8Array | undefined;
  try {
    frame = await transport.readFrame();
  } catch (error) {
    throw new HandshakeError(
      error instanceof ProtocolError ? "malformed" : "closed",
      `Handshake failed: cannot read ${what}: ${describe(error)}`,
      { cause: error },
    );
  }
  if (frame === undefined) {
    throw new HandshakeError(
      "closed",
      `Handshake failed: the remote closed the connection before sending ${what}`,
    );
  }
  return frame;
}

async function sendRejection(transport: FrameTransport, reason: RejectionReason): Promise<void> {
  try {
    await transport.writeFrame(encodeRejection(reason));
  } catch {
    // The remote is gone already; the error we throw says why we gave up.
  }
}

function rejectionError(frame: Uint8Array, cause: unknown): HandshakeError | undefined {
  switch (decodeRejection(frame)) {
    case "wrong-secret":
      return new HandshakeError(
        "wrong-secret",
        "Cannot join: the remote rejected our room secret",
        {
          cause,
        },
      );
    case "different-room":
      return new HandshakeError("different-room", `Cannot join: ${MESSAGE_DIFFERENT_ROOM}`, {
        cause,
      });
    default:
      return undefined;
  }
}

/** Checks a handshake payload: a hello of our version whose id binds the authenticated static key. */
async function verifyHandshakePayload(
  payload: Uint8Array,
  state: HandshakeState,
  limits: WireLimits,
): Promise<Hello> {
  let hello: Hello;
  let binding: Uint8Array;
  try {
    const parts = decodeHandshakePayload(payload);
    binding = parts.binding;
    hello = expectHello(decodeMessage(parts.hello, limits));
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    throw new HandshakeError(
      "malformed",
      `Handshake failed: the remote's hello is invalid: ${error.message}`,
      { cause: error },
    );
  }
  const remoteStatic = state.remoteStaticPublicKey;
  if (remoteStatic === undefined || !(await verifyBinding(hello.id, remoteStatic, binding))) {
    throw new HandshakeError("bad-identity", MESSAGE_BAD_BINDING);
  }
  return hello;
}

// ---------------------------------------------------------------------------
// Layouts

/** The two parts of a handshake payload. */
export interface HandshakePayload {
  /** The sender's encoded hello message. */
  readonly hello: Uint8Array;
  /** The sender's identity binding (64-byte Ed25519 signature). */
  readonly binding: Uint8Array;
}

/**
 * Encodes a handshake payload, the MessagePack array `[hello:bin, binding:bin]`.
 *
 * @throws {RangeError} if `binding` is not 64 bytes or `hello` is over 65535 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHandshakePayload, encodeHandshakePayload } from "./noise_handshake.ts";
 *
 * const bytes = encodeHandshakePayload(new Uint8Array([1, 2]), new Uint8Array(64));
 * assert.deepEqual(decodeHandshakePayload(bytes).hello, new Uint8Array([1, 2]));
 * ```
 */
export function encodeHandshakePayload(
  hello: Uint8Array,
  binding: Uint8Array,
): Uint8Array<ArrayBuffer> {
  if (binding.byteLength !== BINDING_SIGNATURE_BYTES) {
    throw new RangeError(
      `Cannot encode handshake payload: binding is ${binding.byteLength} bytes, expected ${BINDING_SIGNATURE_BYTES}`,
    );
  }
  if (hello.byteLength > 0xffff) {
    throw new RangeError(`Cannot encode handshake payload: hello is ${hello.byteLength} bytes`);
  }
  return encodeMsgpack([hello, binding]);
}

/**
 * Decodes a handshake payload (see {@linkcode encodeHandshakePayload}); any
 * bin width is accepted, and elements after the first two are ignored
 * unparsed. The parts are views into `payload`.
 *
 * @throws {ProtocolError} if the payload is not such an array, or the binding
 * is not 64 bytes.
 */
export function decodeHandshakePayload(payload: Uint8Array): HandshakePayload {
  const fail = (detail: string): never => {
    throw new ProtocolError(`Cannot decode handshake payload: ${detail}`);
  };
  const reader = new MsgpackReader(payload, fail);
  const count = reader.arrayLength("the array");
  if (count < 2) fail(`expected at least 2 elements, got ${count}`);
  const hello = reader.bin("hello");
  const binding = reader.bin("binding");
  if (binding.byteLength !== BINDING_SIGNATURE_BYTES) {
    fail(`binding is ${binding.byteLength} bytes, expected ${BINDING_SIGNATURE_BYTES}`);
  }
  // Elements after the first two are skipped unparsed.
  if (count === 2) reader.end();
  return { hello, binding };
}

/**
 * Encodes a rejection frame, `[0, reason:uint, text:str]` (at most 63 bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRejection, encodeRejection } from "./noise_handshake.ts";
 *
 * assert.equal(decodeRejection(encodeRejection("wrong-secret")), "wrong-secret");
 * ```
 */
export function encodeRejection(reason: RejectionReason): Uint8Array<ArrayBuffer> {
  const code = REJECTION_REASONS[reason];
  if (code === undefined) throw new TypeError(`Cannot encode rejection: unknown reason ${reason}`);
  return encodeMsgpack([0, code, REJECTION_TEXTS[reason]]);
}

/**
 * The reason carried by a rejection frame, or `undefined` if `frame` is not
 * one (too long, another layout, or a reason this version does not know).
 */
export function decodeRejection(frame: Uint8Array): RejectionReason | undefined {
  if (frame.byteLength > REJECTION_BYTES_MAX || frame.byteLength < 3) return undefined;
  const head = frame[0]!;
  if (head < 0x92 || head > 0x9f || frame[1] !== 0x00) return undefined;
  const code = frame[2];
  for (const [reason, value] of Object.entries(REJECTION_REASONS)) {
    if (value === code) return reason as RejectionReason;
  }
  return undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
