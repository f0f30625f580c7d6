/**
 * The cast of the Noise fuzz targets, made from the campaign seed: Ann (who
 * dials), Bob (who answers) and Mallory (who knows the room key but plays
 * by no rules), each with an Ed25519 identity and a Noise static key, all in
 * one room; and the handshakes, with ephemeral keys drawn from the
 * iteration's randomness so that an iteration replays exactly.
 *
 * @module
 */

import type { Identity } from "../../../lib/identity/identity.ts";
import type { Random } from "../../../lib/random/random.ts";
import { seededRandom } from "../../../lib/random/random.ts";
import type { Channel, Handshake } from "../../../lib/secure/channel.ts";
import { type X25519KeyPair } from "../../../lib/identity/x25519_key_pair.ts";
import { importX25519PrivateKey } from "../../../lib/secure/noise/x25519.ts";
import { noiseHandshake } from "../../../lib/secure/noise_handshake.ts";
import type { Hello } from "../../../lib/wire/message.ts";
import { PROTOCOL_VERSION } from "../../../lib/wire/message.ts";
import { randomBytes } from "./fuzz_random.ts";
import type { PipeEnd } from "./memory_pipe.ts";
import { seededIdentity, seededX25519KeyPair } from "./seeded_keys.ts";

/** One party: identity, Noise static key and the hello it presents. */
export interface Party {
  readonly identity: Identity;
  readonly staticKeyPair: X25519KeyPair;
  readonly hello: Hello;
}

/** Everyone, and the room they share. */
export interface Cast {
  readonly ann: Party;
  readonly bob: Party;
  readonly mallory: Party;
  readonly roomKey: { readonly room: string; readonly psk: Uint8Array };
}

async function party(random: Random, nick: string, port: number): Promise<Party> {
  const identity = await seededIdentity(random);
  return {
    identity,
    staticKeyPair: await seededX25519KeyPair(random),
    hello: {
      type: "hello",
      version: PROTOCOL_VERSION,
      id: identity.id,
      addr: `127.0.0.1:${port}`,
      nick,
      role: "peer",
      incarnation: random.int(3),
    },
  };
}

/** The cast of a campaign: a function of its seed. */
export async function castOf(seed: number): Promise<Cast> {
  const random = seededRandom(seed);
  return {
    ann: await party(random, "ann", 7001),
    bob: await party(random, "bob", 7002),
    mallory: await party(random, "mallory", 7003),
    roomKey: { room: "fuzz", psk: randomBytes(random, 32) },
  };
}

/** A party's handshake, its ephemeral key made from 32 bytes drawn now from `random`. */
export function handshakeOf(cast: Cast, who: Party, random: Random): Handshake {
  const ephemeral = randomBytes(random, 32);
  let used = false;
  return noiseHandshake({
    roomKey: cast.roomKey,
    identity: who.identity,
    staticKeyPair: who.staticKeyPair,
    ephemeralKeyPair: () => {
      if (used) throw new TypeError("Cannot reuse a fuzz ephemeral key");
      used = true;
      return importX25519PrivateKey(ephemeral);
    },
  });
}

/** How one side's handshake ended. */
export type Outcome =
  | { readonly ok: true; readonly channel: Channel }
  | { readonly ok: false; readonly error: unknown };

/**
 * Runs a handshake to its end; a side that fails closes its end, as the
 * runtime closes the socket, and one that completes retires from the pipe.
 */
export async function settle(work: Promise<Channel>, end: PipeEnd): Promise<Outcome> {
  try {
    const channel = await work;
    end.retire();
    return { ok: true, channel };
  } catch (error) {
    end.close();
    return { ok: false, error };
  }
}

/** Resolves with `work`, or rejects once `ms` have passed: a handshake must never hang. */
export async function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${ms} ms: it hangs`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
