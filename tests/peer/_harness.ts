/**
 * The peer's sub-machines wired as `PeerNode` wires them, for unit tests
 * that drive one machine and look at the effects.
 *
 * @module
 */

import type { Effect } from "../../lib/actor/effect.ts";
import { TimerTable } from "../../lib/actor/timer_table.ts";
import { ActiveView } from "../../lib/peer/active_view.ts";
import { BootstrapClient } from "../../lib/peer/bootstrap_client.ts";
import { Delivery } from "../../lib/peer/delivery.ts";
import { DirectRouting } from "../../lib/peer/direct_routing.ts";
import { Dissemination } from "../../lib/peer/dissemination.ts";
import { Equivocations } from "../../lib/peer/equivocation.ts";
import { FailureDetector } from "../../lib/peer/failure_detector.ts";
import type { Link } from "../../lib/peer/links.ts";
import { Links } from "../../lib/peer/links.ts";
import { Membership } from "../../lib/peer/membership.ts";
import { type PeerNodeOptions, resolvePeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import { PEER_TIMERS, type PeerTimer } from "../../lib/peer/peer_timer.ts";
import { Repair } from "../../lib/peer/repair.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { ChatMessage, Hello, Message } from "../../lib/wire/message.ts";

export const SELF = "5".repeat(64);
export const A = "a".repeat(64);
export const B = "b".repeat(64);
export const C = "c".repeat(64);
export const BOOT = "10.0.0.1:7411";

/** Every sub-machine of one peer, and a way to take the effects they produced. */
export interface Machines {
  readonly timers: TimerTable<PeerTimer>;
  readonly links: Links;
  readonly delivery: Delivery;
  readonly repair: Repair;
  readonly dissemination: Dissemination;
  readonly equivocations: Equivocations;
  readonly direct: DirectRouting;
  readonly bootstrap: BootstrapClient;
  readonly membership: Membership;
  readonly failureDetector: FailureDetector;
  readonly activeView: ActiveView;
  /** Removes and returns the effects so far. */
  take(): Effect[];
}

/** The sub-machines of a peer `SELF`, wired as `PeerNode` wires them. */
export function machines(
  options: Partial<PeerNodeOptions> = {},
  isMember?: (author: string) => boolean,
): Machines {
  const resolved = resolvePeerNodeOptions({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
    ...options,
  });
  let effects: Effect[] = [];
  const emit = (effect: Effect) => effects.push(effect);
  const timers = new TimerTable<PeerTimer>(PEER_TIMERS);
  const base = { id: SELF, emit, random: resolved.random, timers, options: resolved };
  const links = new Links(emit);
  const delivery = new Delivery(SELF, emit, resolved, isMember);
  const repair = new Repair({ ...base, links, delivery });
  const copyOf = (author: string, seq: number) => delivery.copyOf(author, seq);
  const equivocations = new Equivocations({ ...base, links, copyOf });
  const dissemination = new Dissemination({ ...base, links, delivery, repair, equivocations });
  const direct = new DirectRouting({
    ...base,
    links,
    knowsAlive: (peer) => membership.isLive(peer),
  });
  const bootstrap = new BootstrapClient({
    ...base,
    links,
    selfRecord: () => membership.selfInfo(),
  });
  const membership: Membership = new Membership({
    ...base,
    addr: "10.0.0.5:9000",
    incarnation: 0,
    nick: "me",
    links,
    bootstrap,
  });
  const failureDetector = new FailureDetector({ ...base, links, membership });
  const activeView = new ActiveView({
    ...base,
    links,
    membership,
    bootstrap,
    failureDetector,
    repair,
    dissemination,
  });
  return {
    timers,
    links,
    delivery,
    repair,
    dissemination,
    equivocations,
    direct,
    bootstrap,
    membership,
    failureDetector,
    activeView,
    take(): Effect[] {
      const taken = effects;
      effects = [];
      return taken;
    },
  };
}

/** A hello from `id`. */
export function hello(id: string, addr: string, role: "peer" | "bootstrap" = "peer"): Hello {
  return { type: "hello", version: 5, id, addr, nick: id.slice(0, 3), role, incarnation: 0 };
}

/** Makes `id` a neighbour through an inbound connection; returns its link. */
export function neighbour(m: Machines, id: string, addr: string, nowMs = 0): Link {
  const conn = m.activeView.onAccepted(hello(id, addr), nowMs);
  const link = m.links.get(conn)!;
  m.activeView.admit(link, { type: "get-peers" }, nowMs);
  return link;
}

/** The effects of one type. */
export function ofType<T extends Effect["type"]>(
  effects: Effect[],
  type: T,
): Extract<Effect, { type: T }>[] {
  return effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}

/** The messages sent on `conn`. */
export function sentTo(effects: Effect[], conn: number): Message[] {
  return ofType(effects, "send").filter((e) => e.conn === conn).map((e) => e.message);
}

/** A chat message with `clock` given as an object. */
export function chat(author: string, seq: number, clock: Record<string, number>): ChatMessage {
  return {
    author,
    seq,
    clock: new Map(Object.entries(clock)),
    nick: "x",
    text: `m${seq}`,
    ts: 0,
    signature: new Uint8Array(0),
  };
}
