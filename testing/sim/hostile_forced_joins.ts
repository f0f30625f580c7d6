/**
 * Forced joins from one host: a hostile member mints identities and, from
 * its one address, has each `register` with every honest peer again and
 * again, answering pings and passing nothing on. What a dozen identities on
 * one machine do (issue 10); per-identity limits alone let them in a dozen
 * times, the per-host limit once.
 *
 * @module
 */

import type { ConnId } from "../../lib/actor/effect.ts";
import type { PeerId } from "../../lib/wire/message.ts";
import type { HostileBehaviour, HostileNode } from "./hostile_node.ts";
import type { SimWorld } from "./sim_world.ts";

/** How often the minted identities dial the honest peers they are not connected to, ms. */
const REDIAL_MS = 500;

/** `identities` minted identities register with every honest peer from the member's own host. */
export function forcedJoinsFromOneHost(
  world: SimWorld,
  identities: readonly PeerId[],
): HostileBehaviour {
  let next = 0;
  /** `identity|addr` → the connection dialled for it. */
  const conns = new Map<string, ConnId>();
  return {
    nextTickMs: () => next,
    tick(node: HostileNode, nowMs: number) {
      next = nowMs + REDIAL_MS;
      for (const peer of world.honestPeers()) {
        for (const [i, id] of identities.entries()) {
          const key = `${id}|${peer.addr}`;
          const conn = conns.get(key);
          if (conn !== undefined && node.hasOwn(conn)) continue;
          // Each identity claims an address of its own; the connections all come from ours.
          const addr = `10.251.0.${i}:9000`;
          conns.set(key, node.dial(peer.addr, { ...node.localHello(), id, addr }));
        }
      }
    },
    ownConnected(node, conn) {
      node.sendOn(conn, { type: "register" });
    },
  };
}
