/**
 * Fuzz target `plain-handshake`: the unencrypted channel's hello exchange
 * (`plainHandshake`, used with `--insecure`) against a remote that answers
 * with a valid, mutated or random first frame, another message, a frame
 * spread with extra ones, or nothing at all. Checked: the handshake ends with
 * a channel whose remote is a hello of our version that re-encodes, or with a
 * `ProtocolError`, and never hangs.
 *
 * @module
 */

import type { Random } from "../../../lib/random/random.ts";
import { plainHandshake } from "../../../lib/secure/plain_channel.ts";
import { PROTOCOL_VERSION } from "../../../lib/wire/message.ts";
import { encodeMessage } from "../../../lib/wire/message_encode.ts";
import { ProtocolError } from "../../../lib/wire/protocol_error.ts";
import { DEFAULT_WIRE_LIMITS } from "../../../lib/wire/wire_limits.ts";
import { hexExcerpt, SMALL_WIRE_LIMITS } from "./decode_message_target.ts";
import type { FuzzTarget } from "../harness/fuzz_campaign.ts";
import { chance, intIn, randomBytes, weighted } from "../harness/fuzz_random.ts";
import { memoryPipe } from "../harness/memory_pipe.ts";
import { generateEncodedMessage, generateHello } from "../mutators/message_generator.ts";
import { packTree, unpackTree } from "../mutators/msgpack_tree.ts";
import { mutateBytes } from "../mutators/mutate_bytes.ts";
import { mutateTree } from "../mutators/mutate_msgpack.ts";
import { withinMs } from "../harness/noise_parties.ts";

/** A failed check of the plain handshake. */
export class PlainHandshakeCheckError extends Error {
  /** Always `"PlainHandshakeCheckError"`. */
  override name = "PlainHandshakeCheckError";
}

/** What the remote sends as its first frame; `undefined` sends nothing and hangs up. */
function firstFrame(random: Random): Uint8Array | undefined {
  const hello = encodeMessage(generateHello(random));
  return weighted<() => Uint8Array | undefined>(random, [
    [() => hello, 2],
    [() => mutateBytes(random, hello), 4],
    [() => packTree(mutateTree(random, unpackTree(hello)!)), 4],
    [() => encodeMessage({ ...generateHello(random), version: PROTOCOL_VERSION + 1 }), 1],
    [() => generateEncodedMessage(random, { edgeRate: 0.01 }).bytes, 1],
    [() => randomBytes(random, intIn(random, 1, 100)), 1],
    [() => undefined, 1],
  ])();
}

/** The target. */
export const PLAIN_HANDSHAKE_TARGET: FuzzTarget = {
  name: "plain-handshake",
  description:
    "plainHandshake against valid, mutated, random or missing hellos: a channel with a valid " +
    "remote hello, or a ProtocolError; never hangs",
  prepare: () => async (random) => {
    const limits = chance(random, 0.8) ? DEFAULT_WIRE_LIMITS : SMALL_WIRE_LIMITS;
    const pipe = memoryPipe({ frameBytesMax: limits.frameBytesMax });
    const [honest, remote] = pipe.ends;
    const frame = firstFrame(random);
    const local = generateHello(random, { limits: SMALL_WIRE_LIMITS });
    const work = plainHandshake(limits)(honest, { initiator: chance(random, 0.5), local });
    const attack = (async () => {
      // The remote reads our hello first, so that hanging up never fails our write.
      await remote.readFrame();
      // Empty or oversized frames go too: the reader's frame decoder must refuse them.
      if (frame === undefined) {
        remote.close();
        return;
      }
      await remote.writeFrame(frame);
      if (chance(random, 0.3)) await remote.writeFrame(randomBytes(random, intIn(random, 1, 20)));
      if (chance(random, 0.5)) remote.close();
      else remote.retire();
    })();
    const [outcome] = await withinMs(
      Promise.all([work.then((channel) => ({ channel }), (error: unknown) => ({ error })), attack]),
      5_000,
      "plain handshake",
    );
    if (pipe.deadlocked) throw new PlainHandshakeCheckError("the plain handshake hung");
    if ("error" in outcome) {
      if (outcome.error instanceof ProtocolError) return;
      throw new PlainHandshakeCheckError(
        `plainHandshake failed with ${
          outcome.error instanceof Error
            ? `${outcome.error.name}: ${outcome.error.message}`
            : String(outcome.error)
        }, ` +
          `not a ProtocolError, on first frame ${
            frame === undefined ? "(none)" : hexExcerpt(frame)
          }`,
        { cause: outcome.error },
      );
    }
    const { remote: hello } = outcome.channel;
    if (hello.type !== "hello" || hello.version !== PROTOCOL_VERSION) {
      throw new PlainHandshakeCheckError(
        `plainHandshake accepted a remote of version ${hello.version}`,
      );
    }
    try {
      encodeMessage(hello, limits);
    } catch (error) {
      throw new PlainHandshakeCheckError(
        `plainHandshake accepted a hello that does not re-encode: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
  },
};
