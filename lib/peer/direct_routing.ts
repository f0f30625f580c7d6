/**
 * Routing of sealed direct messages: straight to the recipient when it is a
 * neighbour, else flooded through the overlay, each node passing a message
 * on once and within a hop limit — and only towards a recipient it knows
 * alive. A message for an unknown id so costs at most its sender's links
 * (each neighbour drops it), never a flood of the room, and the sender is
 * told at once that it cannot be delivered.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { Random } from "../random/random.ts";
import { type Direct, DIRECT_ID_BYTES, type PeerId } from "../wire/message.ts";
import type { EmitEvent } from "./_support.ts";
import type { Link, Links } from "./links.ts";
import type { DirectRoutingOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";

/** What {@linkcode DirectRouting} works with. */
export interface DirectRoutingPort {
  readonly id: PeerId;
  /** Whether membership believes `id` alive (or only suspected): only such ids are routed to. */
  readonly knowsAlive: (id: PeerId) => boolean;
  readonly links: Links;
  readonly emit: EmitEvent;
  readonly random: Random;
  readonly options: Pick<ResolvedPeerNodeOptions, keyof DirectRoutingOptions>;
}

/** Sends, passes on and receives direct messages. */
export class DirectRouting {
  readonly #port: DirectRoutingPort;
  /** Direct message ids seen (bounded, oldest forgotten first). */
  readonly #seen = new Set<string>();

  /** Routing with no message seen yet. */
  constructor(port: DirectRoutingPort) {
    this.#port = port;
  }

  /**
   * Sends the sealed `box` towards `to` under a fresh random id.
   *
   * @throws {RangeError} if `to` is neither a neighbour nor a member known
   * alive, or if this peer has no neighbour link at all (the message could
   * go nowhere: it is not sent rather than silently lost).
   */
  send(to: PeerId, box: Uint8Array, nowMs: number): void {
    if (!this.#routable(to)) {
      throw new RangeError(
        `Cannot send a direct message: ${to.slice(0, 8)} is not a member this peer knows alive`,
      );
    }
    if (this.#port.links.acceptedCount() === 0) {
      throw new RangeError(
        "Cannot send a direct message: this peer has no link to the room yet, nothing was sent",
      );
    }
    let id = "";
    for (let i = 0; i < DIRECT_ID_BYTES / 4; i++) {
      id += this.#port.random.int(0x1_0000_0000).toString(16).padStart(8, "0");
    }
    this.#route(
      { type: "direct", to, id, hops: this.#port.options.directHopsMax, box },
      undefined,
      nowMs,
    );
  }

  /** A direct message from a neighbour: ours to open, or to pass on. */
  onDirect(link: Link, message: Direct, nowMs: number): void {
    if (this.#seen.has(message.id)) return;
    if (message.to === this.#port.id) {
      this.#remember(message.id);
      this.#port.emit({ type: "direct", box: message.box });
      return;
    }
    if (message.hops === 0) return;
    // An id nobody here knows is not flooded: a member asking for that would
    // make the whole room carry its traffic.
    if (!this.#routable(message.to)) {
      this.#remember(message.id);
      return;
    }
    this.#route({ ...message, hops: message.hops - 1 }, link.conn, nowMs);
  }

  /** Whether a message for `to` can be routed from here: a neighbour, or a member known alive. */
  #routable(to: PeerId): boolean {
    return this.#port.links.peerLink(to)?.accepted === true || this.#port.knowsAlive(to);
  }

  #route(message: Direct, from: ConnId | undefined, nowMs: number): void {
    this.#remember(message.id);
    const direct = this.#port.links.peerLink(message.to);
    if (direct !== undefined && direct.accepted) {
      this.#port.links.send(direct, message, nowMs);
      return;
    }
    this.#port.links.flood(message, from, nowMs);
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > this.#port.options.directSeenMax) {
      // Sets iterate in insertion order: the first is the oldest.
      this.#seen.delete(this.#seen.values().next().value!);
    }
  }
}
