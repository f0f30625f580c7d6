/**
 * A lying announcer: a hostile member that passes nothing on (a black hole)
 * but keeps telling its neighbours, in lazy `have`s, that it holds messages
 * a little ahead of what it has, so that they ask it (`want`) and wait for
 * it. Each unanswered `want` is a broken promise (PROTOCOL.md § Peer:
 * connections, peer scoring).
 *
 * @module
 */

import type { Effect } from "../../lib/actor/effect.ts";
import type { PeerId } from "../../lib/wire/message.ts";
import type { HostileBehaviour } from "./hostile_node.ts";

/** How far ahead of what it delivered the announcer claims to be, per author. */
const LEAD = 3;
/** How often it announces, ms. */
const ANNOUNCE_MS = 500;

/** Announces `LEAD` messages more than it has, every `ANNOUNCE_MS`; relays, serves and answers nothing but probes. */
export function lyingAnnouncer(): HostileBehaviour {
  let next = 0;
  return {
    outgoing: (effect) => keepProbesOnly(effect),
    nextTickMs: () => next,
    tick(node, nowMs) {
      next = nowMs + ANNOUNCE_MS;
      const clock = new Map<PeerId, number>();
      for (const [author, n] of node.deliveredClock) {
        if (author !== node.id) clock.set(author, n + LEAD);
      }
      if (clock.size > 0) node.sendToNeighbours({ type: "have", full: false, clock });
    },
  };
}

/** Drops what would carry chat or membership on; keeps the node answering probes. */
function keepProbesOnly(effect: Effect): Effect[] {
  if (effect.type !== "send") return [effect];
  const type = effect.message.type;
  return type === "ping" || type === "pong" || type === "probe" || type === "probe-ack" ||
      type === "register" || type === "get-peers" || type === "bye"
    ? [effect]
    : [];
}
