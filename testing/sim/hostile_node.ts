/**
 * A hostile member for simulations: a real {@linkcode PeerNode} (it joins,
 * keeps its tables and answers probes like any peer) whose traffic a
 * {@linkcode HostileBehaviour} rewrites, drops or adds to. It can do what a
 * member of the room can do over real sockets — send any well-formed
 * message, open extra connections, present other identities it minted — and
 * nothing it could not: it never forges another member's signed message.
 *
 * @module
 */

import type { ConnId, Effect } from "../../lib/actor/effect.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { PeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import type { Hello, Message } from "../../lib/wire/message.ts";

/** Connection ids a behaviour opens itself start here, far above the node's own. */
const OWN_CONN_BASE = 1_000_000_000;

/** What a hostile member does besides running its node. */
export interface HostileBehaviour {
  /** Replaces one effect of the real node (return `[]` to drop it). Default: keep it. */
  outgoing?(effect: Effect, node: HostileNode): Effect[];
  /** When {@linkcode tick} wants to run next. Default: never. */
  nextTickMs?(): number;
  /** Runs at (or after) {@linkcode nextTickMs}. */
  tick?(node: HostileNode, nowMs: number): void;
  /** A connection the behaviour dialled is up. */
  ownConnected?(node: HostileNode, conn: ConnId, remote: Hello, nowMs: number): void;
  /** A message arrived on a connection the behaviour dialled. Default: answer pings. */
  ownMessage?(node: HostileNode, conn: ConnId, message: Message, nowMs: number): void;
}

/** A peer node whose wire traffic a {@linkcode HostileBehaviour} controls. */
export class HostileNode extends PeerNode {
  readonly #behaviour: HostileBehaviour;
  /** The real node's open connections. */
  readonly #conns = new Set<ConnId>();
  /** Connections the behaviour opened, and whether they are up. */
  readonly #own = new Map<ConnId, { addr: string; up: boolean }>();
  /** Hellos for the dials of the current batch of effects, in order (undefined: the node's own). */
  #hellos: (Hello | undefined)[] = [];
  /** Hellos of dials not yet taken by the network. */
  readonly #pendingHellos = new Map<ConnId, Hello | undefined>();
  #extra: Effect[] = [];
  #nextOwnConn = OWN_CONN_BASE;

  /** A node with `options` that behaves as `behaviour` says. */
  constructor(options: PeerNodeOptions, behaviour: HostileBehaviour) {
    super(options);
    this.#behaviour = behaviour;
  }

  /** The real node's open connections, oldest first. */
  conns(): ConnId[] {
    return [...this.#conns];
  }

  /** Connections the behaviour opened that are up. */
  ownConns(): ConnId[] {
    return [...this.#own].filter(([, c]) => c.up).map(([conn]) => conn);
  }

  /** Whether a connection the behaviour opened is up or still being dialled. */
  hasOwn(conn: ConnId): boolean {
    return this.#own.has(conn);
  }

  /** Addresses the behaviour has a connection to or a dial in flight. */
  ownAddrs(): Set<string> {
    return new Set([...this.#own.values()].map((c) => c.addr));
  }

  /** Sends `message` on any connection, the node's or the behaviour's. */
  sendOn(conn: ConnId, message: Message): void {
    this.#extra.push({ type: "send", conn, message });
  }

  /** Sends `message` on every connection of the real node. */
  sendToNeighbours(message: Message): void {
    for (const conn of this.#conns) this.sendOn(conn, message);
  }

  /** Opens a connection of the behaviour's own to `addr`, introducing itself with `hello`. */
  dial(addr: string, hello?: Hello): ConnId {
    const conn = this.#nextOwnConn++;
    this.#own.set(conn, { addr, up: false });
    this.#extra.push({ type: "dial", conn, addr });
    this.#pendingHellos.set(conn, hello);
    return conn;
  }

  /** Closes a connection the behaviour opened. */
  closeOwn(conn: ConnId, reason = "done"): void {
    if (!this.#own.delete(conn)) return;
    this.#extra.push({ type: "close", conn, reason });
  }

  /** @inheritdoc */
  override localHello(): Hello {
    // The network asks once per dial, in the order the dials were taken.
    if (this.#hellos.length > 0) return this.#hellos.shift() ?? super.localHello();
    return super.localHello();
  }

  /** @inheritdoc */
  override handleAccepted(remote: Hello, nowMs: number, sourceHost?: string): ConnId {
    const conn = super.handleAccepted(remote, nowMs, sourceHost);
    this.#conns.add(conn);
    return conn;
  }

  /** @inheritdoc */
  override handleConnected(conn: ConnId, remote: Hello, nowMs: number): void {
    const own = this.#own.get(conn);
    if (own === undefined) {
      this.#conns.add(conn);
      super.handleConnected(conn, remote, nowMs);
      return;
    }
    own.up = true;
    this.#behaviour.ownConnected?.(this, conn, remote, nowMs);
  }

  /** @inheritdoc */
  override handleDialFailed(conn: ConnId, reason: string, nowMs: number): void {
    if (this.#own.delete(conn)) return;
    super.handleDialFailed(conn, reason, nowMs);
  }

  /** @inheritdoc */
  override handleMessage(conn: ConnId, message: Message, nowMs: number): void {
    if (!this.#own.has(conn)) {
      super.handleMessage(conn, message, nowMs);
      return;
    }
    if (this.#behaviour.ownMessage !== undefined) {
      this.#behaviour.ownMessage(this, conn, message, nowMs);
    } else if (message.type === "ping") {
      this.sendOn(conn, { type: "pong", nonce: message.nonce });
    }
  }

  /** @inheritdoc */
  override handleDisconnected(conn: ConnId, reason: string, nowMs: number): void {
    if (this.#own.delete(conn)) return;
    this.#conns.delete(conn);
    super.handleDisconnected(conn, reason, nowMs);
  }

  /** @inheritdoc */
  override handleTimeout(nowMs: number): void {
    if (nowMs >= super.nextDeadlineMs()) super.handleTimeout(nowMs);
    if (nowMs >= (this.#behaviour.nextTickMs?.() ?? Infinity)) this.#behaviour.tick?.(this, nowMs);
  }

  /** @inheritdoc */
  override nextDeadlineMs(): number {
    return Math.min(super.nextDeadlineMs(), this.#behaviour.nextTickMs?.() ?? Infinity);
  }

  /** @inheritdoc */
  override takeEffects(): Effect[] {
    const effects: Effect[] = [];
    for (const effect of super.takeEffects()) {
      const kept = this.#behaviour.outgoing?.(effect, this) ?? [effect];
      effects.push(...kept);
    }
    for (const effect of effects) {
      if (effect.type === "close") this.#conns.delete(effect.conn);
    }
    effects.push(...this.#extra);
    this.#extra = [];
    this.#hellos = effects.filter((e) => e.type === "dial").map((e) => {
      const hello = this.#pendingHellos.get(e.conn);
      this.#pendingHellos.delete(e.conn);
      return hello;
    });
    return effects;
  }
}

/** Builds hostile nodes with `behaviour` (one instance per node: behaviours keep state). */
export function hostile(
  behaviour: () => HostileBehaviour,
): (options: PeerNodeOptions) => PeerNode {
  return (options) => new HostileNode(options, behaviour());
}
