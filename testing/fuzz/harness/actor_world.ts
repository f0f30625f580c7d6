/**
 * The small world the actor fuzz targets drive an actor in: a pool of peer
 * ids with addresses (so that hellos, rumors and chat refer to each other and
 * hit duplicates, self-references and stale state), hellos and messages that
 * went through the real codec, and time that jumps.
 *
 * @module
 */

import type { Random } from "../../../lib/random/random.ts";
import { bytesToHex } from "../../../lib/wire/hex.ts";
import type { AnyMessage, Hello, Message, PeerId, Role } from "../../../lib/wire/message.ts";
import { decodeMessage } from "../../../lib/wire/message_decode.ts";
import { encodeMessage } from "../../../lib/wire/message_encode.ts";
import { chance, choose, intIn, randomBytes, weighted } from "./fuzz_random.ts";
import { generateAddress, generateHello } from "../mutators/message_generator.ts";

/** Peer ids and their addresses; `ids[0]` is the actor under test. */
export interface ActorWorld {
  readonly ids: readonly PeerId[];
  readonly addrs: readonly string[];
  readonly addrOf: ReadonlyMap<PeerId, string>;
}

/** A world of `size` ids (the first is the actor's), a few sharing an address. */
export function createWorld(random: Random, size: number): ActorWorld {
  const ids: PeerId[] = [];
  const addrOf = new Map<PeerId, string>();
  for (let i = 0; i < size; i++) {
    const id = bytesToHex(randomBytes(random, 32));
    ids.push(id);
    const shared = i > 1 && chance(random, 0.1);
    addrOf.set(id, shared ? addrOf.get(ids[i - 1]!)! : generateAddress(random));
  }
  return { ids, addrs: [...new Set(addrOf.values())], addrOf };
}

/** A message as the runtime hands it over: encoded, then decoded and validated. */
export function viaWire<M extends AnyMessage>(message: M): M {
  return decodeMessage(encodeMessage(message)) as M;
}

/** A message from the network (anything but a hello), through the codec. */
export function viaWireMessage(message: AnyMessage): Message {
  const decoded = viaWire(message);
  if (decoded.type === "hello") throw new TypeError("Cannot send a hello after the handshake");
  return decoded;
}

/** An incarnation: mostly small, sometimes at the top of the safe range. */
export function generateIncarnation(random: Random, near = 0): number {
  return weighted(random, [
    [() => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, near + intIn(random, -1, 2))), 8],
    [() => random.int(4), 3],
    [() => choose(random, [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]), 0.1],
  ])();
}

/** Options of {@linkcode worldHello}. */
export interface WorldHelloOptions {
  /** The id; default a pool id (the actor's own now and then). */
  readonly id?: PeerId;
  /** The role; default mostly `peer`. */
  readonly role?: Role;
}

/** A hello from someone in the world, through the codec. */
export function worldHello(
  random: Random,
  world: ActorWorld,
  options: WorldHelloOptions = {},
): Hello {
  const id = options.id ??
    (chance(random, 0.03) ? world.ids[0]! : choose(random, world.ids.slice(1)));
  const base = generateHello(random, { ids: world.ids, addrs: world.addrs });
  return viaWire({
    ...base,
    id,
    addr: chance(random, 0.9) ? world.addrOf.get(id) ?? base.addr : base.addr,
    role: options.role ?? (chance(random, 0.9) ? "peer" : "bootstrap"),
    incarnation: generateIncarnation(random),
  });
}

/**
 * The next time to run `handleTimeout` at: the actor's deadline most of the
 * time (capped), else a random later time — a late timer, or a stall of
 * many seconds.
 */
export function nextTickMs(random: Random, nowMs: number, deadlineMs: number): number {
  const late = weighted(random, [
    [() => 0, 6],
    [() => intIn(random, 1, 50), 3],
    [() => intIn(random, 50, 1_500), 1],
    [() => intIn(random, 1_500, 20_000), 0.3],
  ])();
  const due = Number.isFinite(deadlineMs)
    ? Math.max(nowMs, deadlineMs)
    : nowMs + intIn(random, 1, 500);
  return Math.min(due, nowMs + 30_000) + late;
}
