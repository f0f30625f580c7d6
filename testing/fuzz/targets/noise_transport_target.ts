/**
 * Fuzz target `noise-transport`: a completed Noise channel carrying random
 * batches of payloads (one byte to the largest that fits) while frames on the
 * way are mutated, cut short, replaced, replayed from earlier, swapped with
 * the next one or taken from the other direction. Checked: `open` throws a
 * `ProtocolError` for every frame that is not the next one sent, and nothing
 * else; a refused frame does not move the channel on (the genuine frame still
 * opens after it); and every genuine frame opens to exactly the payloads
 * sealed into it.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import type { Random } from "../../../lib/random/random.ts";
import type { Channel } from "../../../lib/secure/channel.ts";
import { SEALED_PAYLOAD_BYTES_MAX } from "../../../lib/secure/noise_transport.ts";
import { FrameDecoder } from "../../../lib/wire/frame_codec.ts";
import { ProtocolError } from "../../../lib/wire/protocol_error.ts";
import { hexExcerpt } from "./decode_message_target.ts";
import type { FuzzTarget } from "../harness/fuzz_campaign.ts";
import { chance, choose, intIn, randomBytes, weighted } from "../harness/fuzz_random.ts";
import { memoryPipe } from "../harness/memory_pipe.ts";
import { mutateBytes } from "../mutators/mutate_bytes.ts";
import { type Cast, castOf, handshakeOf, settle, withinMs } from "../harness/noise_parties.ts";
import { NoiseCheckError } from "./noise_handshake_target.ts";

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function connect(cast: Cast, random: Random): Promise<[Channel, Channel]> {
  const pipe = memoryPipe();
  const [a, b] = pipe.ends;
  const [ann, bob] = await withinMs(
    Promise.all([
      settle(handshakeOf(cast, cast.ann, random)(a, { initiator: true, local: cast.ann.hello }), a),
      settle(
        handshakeOf(cast, cast.bob, random)(b, { initiator: false, local: cast.bob.hello }),
        b,
      ),
    ]),
    5_000,
    "clean handshake",
  );
  if (!ann.ok || !bob.ok) {
    throw new NoiseCheckError(
      `a clean handshake failed: ${
        describeError(ann.ok ? (bob as { error: unknown }).error : ann.error)
      }`,
    );
  }
  return [ann.channel, bob.channel];
}

function payloadSize(random: Random): number {
  return weighted(random, [
    [() => intIn(random, 1, 64), 6],
    [() => intIn(random, 65, 4_096), 2],
    [() => choose(random, [SEALED_PAYLOAD_BYTES_MAX - 1, SEALED_PAYLOAD_BYTES_MAX]), 1],
    [() => intIn(random, 4_097, SEALED_PAYLOAD_BYTES_MAX), 1],
  ])();
}

function frames(wire: Uint8Array): Uint8Array[] {
  const decoder = new FrameDecoder();
  const out = decoder.push(wire).map((f) => f.slice());
  decoder.finish();
  return out;
}

/** Opens a frame that must be refused. */
async function expectRefused(channel: Channel, frame: Uint8Array, what: string): Promise<void> {
  let opened: readonly Uint8Array[];
  try {
    opened = await channel.open(frame);
  } catch (error) {
    if (error instanceof ProtocolError) return;
    throw new NoiseCheckError(
      `open threw ${describeError(error)} on ${what} ${hexExcerpt(frame, 32)}, not a ProtocolError`,
      {
        cause: error,
      },
    );
  }
  throw new NoiseCheckError(
    `open accepted ${what} ${hexExcerpt(frame, 32)} (${opened.length} payloads)`,
  );
}

/** Opens a genuine frame, which must give exactly `expected`. */
async function expectOpened(
  channel: Channel,
  frame: Uint8Array,
  expected: readonly Uint8Array[],
  what: string,
): Promise<void> {
  let opened: readonly Uint8Array[];
  try {
    opened = await channel.open(frame);
  } catch (error) {
    throw new NoiseCheckError(`open refused ${what}: ${describeError(error)}`, { cause: error });
  }
  const got = opened.map((p) => new Uint8Array(p));
  if (!isDeepStrictEqual(got, expected.map((p) => new Uint8Array(p)))) {
    throw new NoiseCheckError(`open of ${what} gave other payloads than were sealed`);
  }
}

/** Seals payloads into as many frames as the channel packs them in, remembering which payloads each carries. */
async function sealBatch(
  random: Random,
  channel: Channel,
): Promise<{ frame: Uint8Array; payloads: Uint8Array[] }[]> {
  const payloads = Array.from(
    { length: intIn(random, 1, 6) },
    () => randomBytes(random, payloadSize(random)),
  );
  const sealed = frames(await channel.seal(payloads));
  // The channel packs greedily, in order; re-derive the grouping the same way.
  const groups: Uint8Array[][] = [];
  let size = Infinity;
  const capacity = SEALED_PAYLOAD_BYTES_MAX + 4;
  for (const payload of payloads) {
    if (size + 4 + payload.length > capacity) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1]!.push(payload);
    size += 4 + payload.length;
  }
  if (groups.length !== sealed.length) {
    throw new NoiseCheckError(
      `seal made ${sealed.length} frames for payloads that pack into ${groups.length}`,
    );
  }
  return sealed.map((frame, i) => ({ frame, payloads: groups[i]! }));
}

/** The target. */
export const NOISE_TRANSPORT_TARGET: FuzzTarget = {
  name: "noise-transport",
  description:
    "a completed Noise channel opening mutated, truncated, replayed, reordered and foreign frames: " +
    "only ProtocolError, refusals do not desynchronise, genuine frames open to what was sealed",
  prepare: async (seed) => {
    const cast = await castOf(seed);
    return async (random) => {
      const [ann, bob] = await connect(cast, random);
      const history: Uint8Array[] = [];
      for (let round = intIn(random, 1, 6); round > 0; round--) {
        const forward = chance(random, 0.5);
        const [from, to] = forward ? [ann, bob] : [bob, ann];
        const batch = await sealBatch(random, from);
        for (let i = 0; i < batch.length; i++) {
          const { frame, payloads } = batch[i]!;
          if (chance(random, 0.4)) {
            const next = batch[i + 1]?.frame;
            const kind = weighted(
              random,
              [
                ["mutated", 5],
                ["truncated", 2],
                ["extended", 1],
                ["random", 1],
                ["replayed", history.length > 0 ? 2 : 0],
                ["reordered", next === undefined ? 0 : 2],
                ["other-direction", 1],
              ] as const,
            );
            let tampered: Uint8Array;
            switch (kind) {
              case "mutated":
                tampered = mutateBytes(random, frame);
                break;
              case "truncated":
                tampered = frame.subarray(0, random.int(frame.length));
                break;
              case "extended":
                tampered = Uint8Array.from([...frame, ...randomBytes(random, intIn(random, 1, 8))]);
                break;
              case "random":
                tampered = randomBytes(random, intIn(random, 0, 100));
                break;
              case "replayed":
                tampered = choose(random, history);
                break;
              case "reordered":
                tampered = next!;
                break;
              case "other-direction":
                tampered = frames(await to.seal([randomBytes(random, intIn(random, 1, 32))]))[0]!;
                break;
            }
            if (!isDeepStrictEqual(tampered, frame)) {
              await expectRefused(to, tampered, `a ${kind} frame`);
            }
            if (kind === "other-direction") {
              // The foreign frame took a nonce of the other direction: keep both directions in step.
              await (forward ? ann : bob).open(tampered);
            }
          }
          await expectOpened(
            to,
            frame,
            payloads,
            `frame ${i} of a batch after ${history.length} frames`,
          );
          history.push(frame);
        }
      }
    };
  },
};
