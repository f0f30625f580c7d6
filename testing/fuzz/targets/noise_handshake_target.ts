/**
 * Fuzz target `noise-handshake`: `noiseHandshake` under attack, over an
 * in-memory pipe.
 *
 * - Man in the middle: Ann and Bob run honest handshakes while one frame of
 *   one direction is rewritten — bytes of the payload or the whole wire
 *   frame (length prefix included) mutated, cut short, replaced by random
 *   bytes or a rejection frame, dropped, duplicated, replayed from earlier in
 *   the session or from another session, preceded by an extra frame.
 * - Insider: Mallory, who knows the room key, runs the Noise pattern by hand
 *   and sends a crafted handshake payload — mutated (bytes or structure, the
 *   hello inside included), claiming another identity, bound to another key,
 *   another message instead of a hello, or random — then, if she got in,
 *   crafted transport messages.
 *
 * Checked: a handshake ends (never hangs: a deadlocked pipe or a timeout is a
 * failure) with a channel, a `HandshakeError` or a `ProtocolError`, nothing
 * else; a side that read a frame the other side did not write does not
 * complete; two sides that both complete agree on who is who and on the
 * handshake hash; an insider who completes is known by her own identity; and
 * an established channel's `open` returns exactly the payloads of a
 * well-formed transport message and throws `ProtocolError` for any other.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import type { Random } from "../../../lib/random/random.ts";
import type { Channel } from "../../../lib/secure/channel.ts";
import { signBinding } from "../../../lib/secure/identity_binding.ts";
import { HandshakeState } from "../../../lib/secure/noise/handshake_state.ts";
import type { TransportState } from "../../../lib/secure/noise/transport_state.ts";
import {
  encodeHandshakePayload,
  encodeRejection,
  HandshakeError,
  NOISE_PROTOCOL_NAME,
  noisePrologue,
} from "../../../lib/secure/noise_handshake.ts";
import { NoiseChannel } from "../../../lib/secure/noise_transport.ts";
import { encodeMessage } from "../../../lib/wire/message_encode.ts";
import { ProtocolError } from "../../../lib/wire/protocol_error.ts";
import { hexExcerpt } from "./decode_message_target.ts";
import type { FuzzTarget } from "../harness/fuzz_campaign.ts";
import { chance, choose, intIn, randomBytes, weighted } from "../harness/fuzz_random.ts";
import {
  memoryPipe,
  type MemoryPipeOptions,
  type PipeEnd,
  type WireRewrite,
} from "../harness/memory_pipe.ts";
import { generateEncodedMessage, generateHello } from "../mutators/message_generator.ts";
import { packTree, unpackTree } from "../mutators/msgpack_tree.ts";
import { mutateBytes } from "../mutators/mutate_bytes.ts";
import { mutateTree, randomTree } from "../mutators/mutate_msgpack.ts";
import {
  type Cast,
  castOf,
  handshakeOf,
  type Outcome,
  type Party,
  settle,
  withinMs,
} from "../harness/noise_parties.ts";
import { seededX25519KeyPair } from "../harness/seeded_keys.ts";

/** How long a handshake may take before it counts as hung. */
const HANDSHAKE_TIMEOUT_MS = 5_000;

/** A failed check of the Noise channel. */
export class NoiseCheckError extends Error {
  /** Always `"NoiseCheckError"`. */
  override name = "NoiseCheckError";
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A side's failure must be one a caller can handle: HandshakeError or ProtocolError. */
function checkOutcome(outcome: Outcome, side: string, scenario: string): void {
  if (outcome.ok) return;
  const { error } = outcome;
  if (error instanceof HandshakeError || error instanceof ProtocolError) return;
  throw new NoiseCheckError(
    `${side}'s handshake failed with ${
      describeError(error)
    }, not a HandshakeError or ProtocolError (${scenario})`,
    { cause: error },
  );
}

function framed(payload: Uint8Array): Uint8Array {
  const wire = new Uint8Array(4 + payload.length);
  new DataView(wire.buffer).setUint32(0, payload.length);
  wire.set(payload, 4);
  return wire;
}

/** Runs Ann (end 0) against Bob (end 1) with a rewriting hook; checks both outcomes. */
async function honestPair(
  cast: Cast,
  random: Random,
  pipeOptions: MemoryPipeOptions,
  scenario: string,
): Promise<{ ann: Outcome; bob: Outcome; ends: readonly [PipeEnd, PipeEnd] }> {
  const pipe = memoryPipe(pipeOptions);
  const [a, b] = pipe.ends;
  const annHandshake = handshakeOf(cast, cast.ann, random);
  const bobHandshake = handshakeOf(cast, cast.bob, random);
  const [ann, bob] = await withinMs(
    Promise.all([
      settle(annHandshake(a, { initiator: true, local: cast.ann.hello }), a),
      settle(bobHandshake(b, { initiator: false, local: cast.bob.hello }), b),
    ]),
    HANDSHAKE_TIMEOUT_MS,
    `handshake (${scenario})`,
  );
  if (pipe.deadlocked) {
    throw new NoiseCheckError(`the handshake hung: both sides waited for each other (${scenario})`);
  }
  checkOutcome(ann, "Ann", scenario);
  checkOutcome(bob, "Bob", scenario);
  return { ann, bob, ends: pipe.ends };
}

/** A side that completed read only what the other side wrote. */
function checkNoTamperedAccept(
  outcome: Outcome,
  reader: PipeEnd,
  writer: PipeEnd,
  side: string,
  scenario: string,
): void {
  if (!outcome.ok) return;
  reader.framesRead.forEach((frame, i) => {
    const sent = writer.framesWritten[i];
    if (sent === undefined || !isDeepStrictEqual(frame, sent)) {
      throw new NoiseCheckError(
        `${side} completed the handshake although frame ${i} it read (${hexExcerpt(frame, 24)}) ` +
          `is not what was sent (${scenario})`,
      );
    }
  });
}

function checkAgreement(
  ann: Channel,
  bob: Channel,
  cast: Cast,
  scenario: string,
): void {
  if (ann.remote.id !== cast.bob.identity.id || bob.remote.id !== cast.ann.identity.id) {
    throw new NoiseCheckError(`a completed handshake names the wrong remote (${scenario})`);
  }
  if (
    !(ann instanceof NoiseChannel) || !(bob instanceof NoiseChannel) ||
    !isDeepStrictEqual(ann.handshakeHash, bob.handshakeHash)
  ) {
    throw new NoiseCheckError(
      `the two sides completed with different handshake hashes (${scenario})`,
    );
  }
  const probe = Uint8Array.of(0x91, 0x02);
  for (const [from, to] of [[ann, bob], [bob, ann]] as const) {
    const wire = from.seal([probe]);
    const opened = to.open(wire.subarray(4));
    if (opened.length !== 1 || !isDeepStrictEqual(new Uint8Array(opened[0]!), probe)) {
      throw new NoiseCheckError(
        `a completed channel does not carry a message across (${scenario})`,
      );
    }
  }
}

/** Man in the middle: one frame of one direction rewritten. */
async function manInTheMiddle(cast: Cast, random: Random): Promise<void> {
  const direction = random.int(2) as 0 | 1;
  // Handshake messages 1 and 3 go from Ann, 2 and 4 from Bob; index 2 is after the handshake.
  const index = weighted(random, [[0, 4], [1, 4], [2, 1]] as const);
  const kind = weighted(
    random,
    [
      ["mutate-payload", 5],
      ["mutate-wire", 3],
      ["truncate", 2],
      ["random", 2],
      ["rejection", 1],
      ["drop", 1],
      ["duplicate", 1],
      ["replay-earlier", 1],
      ["replay-session", 2],
      ["extra-before", 1],
    ] as const,
  );
  let reference: readonly [PipeEnd, PipeEnd] | undefined;
  if (kind === "replay-session") {
    // A clean session first, with its own ephemeral keys, to replay from.
    reference = (await honestPair(cast, random, {}, "reference session")).ends;
  }
  const scenario = `man in the middle: ${kind} of frame ${index} from ${
    direction === 0 ? "Ann" : "Bob"
  }`;
  const written: Uint8Array[] = [];
  const rewrite = (wire: Uint8Array): WireRewrite | undefined => {
    const payload = wire.subarray(4);
    switch (kind) {
      case "mutate-payload":
        return { bytes: framed(mutateBytes(random, payload)) };
      case "mutate-wire":
        return { bytes: mutateBytes(random, wire) };
      case "truncate":
        return { bytes: wire.subarray(0, random.int(wire.length)), close: true };
      case "random":
        return {
          bytes: framed(
            randomBytes(
              random,
              choose(random, [1, 16, 47, 48, 49, 95, 96, 97, intIn(random, 1, 300)]),
            ),
          ),
        };
      case "rejection":
        return {
          bytes: framed(
            chance(random, 0.7)
              ? encodeRejection(choose(random, ["wrong-secret", "different-room"] as const))
              : Uint8Array.of(0x93, 0x00, random.int(4), 0xa1, 0x78),
          ),
        };
      case "drop":
        return { bytes: new Uint8Array(0), close: true };
      case "duplicate":
        return { bytes: Uint8Array.from([...wire, ...wire]) };
      case "replay-earlier": {
        const earlier = written.length > 0 ? choose(random, written) : wire;
        return { bytes: framed(earlier) };
      }
      case "replay-session": {
        const frames = choose(random, reference!).framesWritten;
        return { bytes: framed(frames.length > 0 ? choose(random, frames) : payload) };
      }
      case "extra-before":
        return {
          bytes: Uint8Array.from([...framed(randomBytes(random, intIn(random, 1, 100))), ...wire]),
        };
    }
  };
  const { ann, bob, ends } = await honestPair(cast, random, {
    hook: (d, i, wire) => {
      if (d !== direction) return undefined;
      const result = i === index ? rewrite(wire) : undefined;
      written.push(wire.slice(4));
      return result;
    },
  }, scenario);
  checkNoTamperedAccept(ann, ends[0], ends[1], "Ann", scenario);
  checkNoTamperedAccept(bob, ends[1], ends[0], "Bob", scenario);
  if (ann.ok && bob.ok) checkAgreement(ann.channel, bob.channel, cast, scenario);
}

// ---------------------------------------------------------------------------
// The insider

type PayloadKind =
  | "valid"
  | "mutated-bytes"
  | "mutated-tree"
  | "impersonate"
  | "foreign-binding"
  | "other-message"
  | "other-hello"
  | "random";

/** Mallory's handshake payload, and whether an honest side should accept it. */
async function craftPayload(
  cast: Cast,
  random: Random,
  honest: Party,
): Promise<{ kind: PayloadKind; payload: Uint8Array }> {
  const mallory = cast.mallory;
  const binding = await signBinding(mallory.identity, mallory.staticKeyPair.publicKey);
  const valid = encodeHandshakePayload(encodeMessage(mallory.hello), binding);
  const kind = weighted<PayloadKind>(random, [
    ["valid", 1],
    ["mutated-bytes", 4],
    ["mutated-tree", 4],
    ["impersonate", 1],
    ["foreign-binding", 1],
    ["other-message", 1],
    ["other-hello", 1],
    ["random", 1],
  ]);
  switch (kind) {
    case "valid":
      return { kind, payload: valid };
    case "mutated-bytes":
      return { kind, payload: mutateBytes(random, valid) };
    case "mutated-tree":
      return { kind, payload: packTree(mutateTree(random, unpackTree(valid)!)) };
    case "impersonate": {
      const victim = choose(random, [honest, cast.ann, cast.bob]);
      return {
        kind,
        payload: encodeHandshakePayload(
          encodeMessage({ ...mallory.hello, id: victim.identity.id }),
          binding,
        ),
      };
    }
    case "foreign-binding": {
      const other = await seededX25519KeyPair(random);
      return {
        kind,
        payload: encodeHandshakePayload(
          encodeMessage(mallory.hello),
          await signBinding(mallory.identity, other.publicKey),
        ),
      };
    }
    case "other-message":
      return {
        kind,
        payload: encodeHandshakePayload(
          generateEncodedMessage(random, { edgeRate: 0.01 }).bytes,
          binding,
        ),
      };
    case "other-hello": {
      const hello = {
        ...generateHello(random),
        id: mallory.identity.id,
        version: chance(random, 0.8) ? 1 : 2,
      };
      return { kind, payload: encodeHandshakePayload(encodeMessage(hello), binding) };
    }
    case "random":
      return {
        kind,
        payload: chance(random, 0.5)
          ? randomBytes(random, intIn(random, 0, 200))
          : packTree(randomTree(random, false)),
      };
  }
}

/** A transport plaintext laid out as inner length-prefixed payloads, or broken. */
function craftPlaintext(random: Random): Uint8Array {
  const parts: number[] = [];
  for (let n = intIn(random, 0, 4); n > 0; n--) {
    const payload = randomBytes(random, intIn(random, 1, 40));
    const claimed = chance(random, 0.8) ? payload.length : choose(random, [
      0,
      payload.length + 1,
      payload.length - 1,
      0xffff_ffff,
      intIn(random, 0, 100),
    ]);
    parts.push(
      claimed >>> 24,
      (claimed >>> 16) & 0xff,
      (claimed >>> 8) & 0xff,
      claimed & 0xff,
      ...payload,
    );
  }
  if (chance(random, 0.2)) parts.push(...randomBytes(random, intIn(random, 1, 5)));
  return Uint8Array.from(parts);
}

/** What a correct `open` makes of a plaintext: its payloads, or `undefined` if it must be refused. */
function unpackReference(plaintext: Uint8Array): Uint8Array[] | undefined {
  if (plaintext.length === 0) return undefined;
  const payloads: Uint8Array[] = [];
  let pos = 0;
  while (pos < plaintext.length) {
    if (plaintext.length - pos < 4) return undefined;
    const length = new DataView(plaintext.buffer, plaintext.byteOffset + pos, 4).getUint32(0);
    pos += 4;
    if (length === 0 || length > plaintext.length - pos) return undefined;
    payloads.push(plaintext.slice(pos, pos + length));
    pos += length;
  }
  return payloads;
}

/** Mallory, having got in, sends crafted transport messages; `open` must agree with the reference. */
async function craftedTransport(
  random: Random,
  transport: TransportState,
  channel: Channel,
  scenario: string,
): Promise<void> {
  for (let n = intIn(random, 1, 4); n > 0; n--) {
    const plaintext = craftPlaintext(random);
    const frame = transport.encrypt(plaintext);
    const expected = unpackReference(plaintext);
    let opened: readonly Uint8Array[];
    try {
      opened = await channel.open(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) {
        throw new NoiseCheckError(
          `open threw ${describeError(error)} on a crafted transport message (${scenario})`,
          { cause: error },
        );
      }
      if (expected !== undefined) {
        throw new NoiseCheckError(
          `open refused a well-formed transport message ${hexExcerpt(plaintext)} (${scenario})`,
        );
      }
      continue;
    }
    const got = opened.map((p) => new Uint8Array(p));
    if (expected === undefined || !isDeepStrictEqual(got, expected)) {
      throw new NoiseCheckError(
        `open accepted a malformed transport message ${hexExcerpt(plaintext)} (${scenario})`,
      );
    }
  }
}

/** Mallory runs the pattern by hand against an honest Ann or Bob. */
async function insider(cast: Cast, random: Random): Promise<void> {
  const malloryDials = chance(random, 0.5);
  const honest = malloryDials ? cast.bob : cast.ann;
  const { kind, payload } = await craftPayload(cast, random, honest);
  const scenario = `insider: Mallory ${
    malloryDials ? "dials Bob" : "answers Ann"
  } with a ${kind} payload`;
  const pipe = memoryPipe();
  const [h, m] = pipe.ends;
  const honestWork = settle(
    handshakeOf(cast, honest, random)(h, { initiator: !malloryDials, local: honest.hello }),
    h,
  );
  const state = await HandshakeState.initialize(
    NOISE_PROTOCOL_NAME,
    malloryDials ? "initiator" : "responder",
    {
      prologue: noisePrologue(cast.roomKey.room),
      staticKeyPair: cast.mallory.staticKeyPair,
      psks: [cast.roomKey.psk],
      ephemeralKeyPair: await seededX25519KeyPair(random),
    },
  );
  const malloryWork = (async (): Promise<TransportState | undefined | { error: unknown }> => {
    if (malloryDials) {
      await m.writeFrame(await state.writeMessage());
      const message2 = await m.readFrame();
      if (message2 === undefined) return undefined;
      await state.readMessage(message2);
      await m.writeFrame(await state.writeMessage(payload));
      const transport = await state.split();
      const reply = await m.readFrame();
      if (reply !== undefined) transport.decrypt(reply);
      return reply === undefined ? undefined : transport;
    }
    const message1 = await m.readFrame();
    if (message1 === undefined) return undefined;
    await state.readMessage(message1);
    await m.writeFrame(await state.writeMessage());
    const message3 = await m.readFrame();
    if (message3 === undefined) return undefined;
    await state.readMessage(message3);
    const transport = await state.split();
    await m.writeFrame(transport.encrypt(payload));
    return transport;
  })().then((result) => {
    m.retire();
    return result;
  }, (error) => {
    // Mallory gives up (a payload too large to send, say) and hangs up.
    m.close();
    return { error };
  });
  const [outcome, malloryResult] = await withinMs(
    Promise.all([honestWork, malloryWork]),
    HANDSHAKE_TIMEOUT_MS,
    `handshake (${scenario})`,
  );
  if (pipe.deadlocked) {
    throw new NoiseCheckError(`the handshake hung: both sides waited for each other (${scenario})`);
  }
  checkOutcome(outcome, malloryDials ? "Bob" : "Ann", scenario);
  if (malloryResult !== undefined && "error" in malloryResult) {
    // Mallory follows the pattern: she fails only when her payload is too large to send, or once
    // the honest side has hung up on her.
    const tooLarge = malloryResult.error instanceof RangeError && payload.length > 60_000;
    if (outcome.ok && !tooLarge) {
      throw new NoiseCheckError(
        `Mallory's side failed: ${describeError(malloryResult.error)} (${scenario})`,
        {
          cause: malloryResult.error,
        },
      );
    }
    return;
  }
  const transport = malloryResult;
  if (kind === "valid" && !outcome.ok) {
    throw new NoiseCheckError(
      `an honest side refused a valid insider: ${describeError(outcome.error)} (${scenario})`,
    );
  }
  if (!outcome.ok) return;
  if (outcome.channel.remote.id !== cast.mallory.identity.id) {
    throw new NoiseCheckError(
      `Mallory got in as ${outcome.channel.remote.id.slice(0, 16)}…, not as herself (${scenario})`,
    );
  }
  if (transport !== undefined) await craftedTransport(random, transport, outcome.channel, scenario);
}

/** The target. */
export const NOISE_HANDSHAKE_TARGET: FuzzTarget = {
  name: "noise-handshake",
  description:
    "noiseHandshake with one frame rewritten in the middle, or against an insider sending crafted " +
    "payloads: ends with a channel, HandshakeError or ProtocolError, never hangs, never accepts a forgery",
  prepare: async (seed) => {
    const cast = await castOf(seed);
    return (random) => chance(random, 0.6) ? manInTheMiddle(cast, random) : insider(cast, random);
  },
};
