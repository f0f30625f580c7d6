/**
 * The bootstrap actor: a soft-state registry of peers. It answers each
 * registration with a small random sample of other live peers, forgets a
 * registration that lapses, and forgets a peer reported dead only after
 * failing to reach it itself — one peer's word is not enough.
 *
 * @module
 */

import { type Random, sample } from "../random/random.ts";
import type { Hello, MemberInfo, Message, PeerId } from "../wire/message.ts";
import { PROTOCOL_VERSION } from "../wire/message.ts";
import type { Actor } from "../actor/actor.ts";
import type { ConnId, Effect } from "../actor/effect.ts";
import { stripUndefined } from "../peer/peer_node_options.ts";

/** Options of {@linkcode BootstrapRegistry}. */
export interface BootstrapRegistryOptions {
  /** The registry's own id. */
  id: PeerId;
  /** The `host:port` peers dial. */
  addr: string;
  /** The source of every random choice. */
  random: Random;
  /** Peers sampled into each answer. Default 2. */
  sampleSize?: number;
  /** A registration not renewed within this time lapses. Default 60 000 ms. */
  registrationTtlMs?: number;
  /** Most registered peers; past it the registration closest to lapsing makes room. Default 10 000. */
  registryMax?: number;
  /** Most reachability checks and dials back (of new registrations) in flight. Default 16. */
  checksInFlightMax?: number;
  /** A client connection silent this long is closed. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /**
   * Registrations per host (the host part of the address the registry
   * dialled back); loopback hosts, one machine's own test cluster, are not
   * capped. Default 4.
   */
  registrationsPerHostMax?: number;
}

const SWEEP_INTERVAL_MS = 1_000;

interface Registration {
  readonly id: PeerId;
  readonly addr: string;
  readonly incarnation: number;
  expiresAtMs: number;
  /** The peer's own signed record for this registration; only those go into samples. */
  record: MemberInfo | undefined;
}

/** A registration waiting for the registry's dial back to its address. */
interface PendingRegistration {
  readonly id: PeerId;
  readonly addr: string;
  readonly incarnation: number;
  record: MemberInfo | undefined;
}

interface RegistryLink {
  readonly conn: ConnId;
  /** Set for checks: the peer whose reachability this dial tests. */
  readonly checkId: PeerId | undefined;
  /** Set for a dial back: the registration it would prove. */
  readonly pending?: PendingRegistration;
  remote: Hello | undefined;
  lastReceivedMs: number;
}

/** A registered peer as reported to front ends. */
export interface RegisteredPeer {
  /** Its id. */
  readonly id: PeerId;
  /** The address it registered. */
  readonly addr: string;
}

/**
 * The registry state machine. Drive it through {@linkcode Actor}.
 *
 * @example
 * ```ts
 * import { BootstrapRegistry } from "./bootstrap_registry.ts";
 * import { seededRandom } from "../random/random.ts";
 * const registry = new BootstrapRegistry({ id: "bb".repeat(32), addr: "127.0.0.1:7411", random: seededRandom(1) });
 * const hello = { type: "hello", version: 5, id: "aa".repeat(32), addr: "127.0.0.1:9000", nick: "ann", role: "peer", incarnation: 0 } as const;
 * const conn = registry.handleAccepted(hello, 0);
 * registry.handleMessage(conn, { type: "register" }, 0);
 * // Before it registers the address, the registry dials it back: the same id must answer.
 * const dial = registry.takeEffects().find((e) => e.type === "dial");
 * if (dial?.type !== "dial" || dial.addr !== hello.addr) throw new Error("no dial-back");
 * registry.handleConnected(dial.conn, hello, 1);
 * if (registry.peers().length !== 1) throw new Error("registration lost");
 * ```
 */
export class BootstrapRegistry implements Actor {
  readonly #id: PeerId;
  readonly #addr: string;
  readonly #random: Random;
  readonly #sampleSize: number;
  readonly #registrationTtlMs: number;
  readonly #registryMax: number;
  readonly #checksInFlightMax: number;
  readonly #idleTimeoutMs: number;
  readonly #registrationsPerHostMax: number;
  /** Registrations per host, for `registrationsPerHostMax`. */
  readonly #perHost = new Map<string, number>();
  /** Registrations whose dial back is under way, by id. */
  readonly #pending = new Map<PeerId, PendingRegistration>();
  /** Registrations in expiry order (a renewal moves to the end): the oldest is first. */
  readonly #registry = new Map<PeerId, Registration>();
  /** The registered ids as an array, for O(1) random picks; `#slot` maps each to its index. */
  readonly #ids: PeerId[] = [];
  readonly #slot = new Map<PeerId, number>();
  readonly #links = new Map<ConnId, RegistryLink>();
  readonly #checking = new Map<PeerId, ConnId>();
  #effects: Effect[] = [];
  #nextConn = 1;
  #sweepAtMs = Infinity;

  /** An empty registry. */
  constructor(options: BootstrapRegistryOptions) {
    const resolved = {
      sampleSize: 2,
      registrationTtlMs: 60_000,
      registryMax: 10_000,
      checksInFlightMax: 16,
      idleTimeoutMs: 30_000,
      registrationsPerHostMax: 4,
      ...stripUndefined(options),
    };
    for (const [name, value] of Object.entries(resolved)) {
      if (typeof value === "number" && !(Number.isSafeInteger(value) && value >= 1)) {
        throw new RangeError(
          `Invalid bootstrap option: ${name} must be a positive integer, got ${value}`,
        );
      }
    }
    this.#id = options.id;
    this.#addr = options.addr;
    this.#random = options.random;
    this.#sampleSize = resolved.sampleSize;
    this.#registrationTtlMs = resolved.registrationTtlMs;
    this.#registryMax = resolved.registryMax;
    this.#checksInFlightMax = resolved.checksInFlightMax;
    this.#idleTimeoutMs = resolved.idleTimeoutMs;
    this.#registrationsPerHostMax = resolved.registrationsPerHostMax;
  }

  /** The registry's id. */
  get id(): PeerId {
    return this.#id;
  }

  /** The registered peers whose registration has not lapsed. */
  peers(): RegisteredPeer[] {
    return [...this.#registry.values()].map(({ id, addr }) => ({ id, addr }));
  }

  /** The hello this actor presents on every new connection (see {@linkcode Actor}). */
  localHello(): Hello {
    return {
      type: "hello",
      version: PROTOCOL_VERSION,
      id: this.#id,
      addr: this.#addr,
      nick: "bootstrap",
      role: "bootstrap",
      incarnation: 0,
    };
  }

  /** An inbound connection finished its hello; returns the id to use for it (see {@linkcode Actor}). */
  handleAccepted(remote: Hello, nowMs: number): ConnId {
    const link: RegistryLink = {
      conn: this.#nextConn++,
      checkId: undefined,
      remote,
      lastReceivedMs: nowMs,
    };
    this.#links.set(link.conn, link);
    this.#armSweep(nowMs);
    return link.conn;
  }

  /** An outbound connection asked for by a `dial` effect finished its hello. */
  handleConnected(conn: ConnId, remote: Hello, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined) return;
    if (link.pending !== undefined) {
      const pending = link.pending;
      this.#pending.delete(pending.id);
      link.remote = remote;
      if (remote.id === pending.id) this.#register(pending, nowMs);
      else this.#log("info", `Not registering ${pending.id.slice(0, 8)}: another peer answers`);
      this.#close(link, "checked", nowMs);
      return;
    }
    if (link.checkId === undefined) return;
    link.remote = remote;
    const id = link.checkId;
    this.#checking.delete(id);
    if (remote.id === id) {
      this.#log("info", `Checked ${id.slice(0, 8)}: alive, keeping it`);
    } else {
      this.#unregister(id, "another peer answers at its address");
    }
    this.#close(link, "checked", nowMs);
  }

  /** An outbound connection could not be established (refused, timed out, bad hello). */
  handleDialFailed(conn: ConnId, reason: string, _nowMs: number): void {
    const link = this.#links.get(conn);
    if (link?.pending !== undefined) {
      this.#links.delete(conn);
      this.#pending.delete(link.pending.id);
      this.#log("info", `Not registering ${link.pending.id.slice(0, 8)}: unreachable: ${reason}`);
      return;
    }
    if (link === undefined || link.checkId === undefined) return;
    this.#links.delete(conn);
    this.#checking.delete(link.checkId);
    this.#unregister(link.checkId, `unreachable: ${reason}`);
  }

  /** A message arrived on an established connection. */
  handleMessage(conn: ConnId, message: Message, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined || link.remote === undefined) return;
    link.lastReceivedMs = nowMs;
    const remote = link.remote;
    switch (message.type) {
      case "register":
        if (remote.role === "peer") this.#registerOrDialBack(remote, nowMs);
        this.#send(conn, { type: "peers", peers: this.#sampleFor(remote.id) });
        return;
      case "get-peers":
        this.#send(conn, { type: "peers", peers: this.#sampleFor(remote.id) });
        return;
      case "member":
        if (message.member.status === "alive") {
          this.#attachRecord(remote, message.member);
          return;
        }
        if (message.member.status !== "dead") return;
        // A peer's word about itself (a graceful leave) is enough; about
        // another peer it is only a reason to check.
        if (message.member.id === remote.id) this.#unregister(remote.id, "left");
        else this.#check(message.member.id, nowMs);
        return;
      case "ping":
        this.#send(conn, { type: "pong", nonce: message.nonce });
        return;
      case "bye":
        this.#links.delete(conn);
        this.#emit({ type: "close", conn, reason: `remote said bye: ${message.reason}` });
        return;
      case "peers":
      case "pong":
      case "chat":
        return;
    }
  }

  /** An established connection closed, for whatever reason. */
  handleDisconnected(conn: ConnId, _reason: string, _nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined) return;
    this.#links.delete(conn);
    if (link.checkId !== undefined) this.#checking.delete(link.checkId);
    if (link.pending !== undefined) this.#pending.delete(link.pending.id);
  }

  /** Time passed; due work runs. */
  handleTimeout(nowMs: number): void {
    if (nowMs < this.#sweepAtMs) return;
    this.#sweepAtMs = Infinity;
    for (const registration of this.#registry.values()) {
      if (registration.expiresAtMs > nowMs) break;
      this.#unregister(registration.id, "registration lapsed");
    }
    for (const link of [...this.#links.values()]) {
      if (
        link.checkId === undefined && link.pending === undefined &&
        nowMs - link.lastReceivedMs >= this.#idleTimeoutMs
      ) {
        this.#close(link, "idle", nowMs);
      }
    }
    this.#armSweep(nowMs);
  }

  /** The earliest time `handleTimeout` has work to do; `Infinity` when none. */
  nextDeadlineMs(): number {
    return this.#sweepAtMs;
  }

  /** Removes and returns the effects produced so far, in order. */
  takeEffects(): Effect[] {
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }

  /**
   * A registration renews a known one at once; a new one (or a new address)
   * is taken only once the registry has dialled the address back and the
   * same peer answered — a made-up address never enters the sample.
   */
  #registerOrDialBack(remote: Hello, nowMs: number): void {
    const known = this.#registry.get(remote.id);
    if (known !== undefined && known.addr === remote.addr) {
      this.#register(remote, nowMs);
      return;
    }
    const host = hostOf(remote.addr);
    if (
      !isLoopbackHost(host) && known === undefined &&
      (this.#perHost.get(host) ?? 0) >= this.#registrationsPerHostMax
    ) {
      this.#log("info", `Not registering ${remote.id.slice(0, 8)}: ${host} has enough peers`);
      return;
    }
    // Dials back share the budget of reachability checks.
    if (this.#pending.has(remote.id) || this.#dialsInFlight >= this.#checksInFlightMax) return;
    const pending: PendingRegistration = {
      id: remote.id,
      addr: remote.addr,
      incarnation: remote.incarnation,
      record: undefined,
    };
    const link: RegistryLink = {
      conn: this.#nextConn++,
      checkId: undefined,
      pending,
      remote: undefined,
      lastReceivedMs: nowMs,
    };
    this.#links.set(link.conn, link);
    this.#pending.set(remote.id, pending);
    this.#emit({ type: "dial", conn: link.conn, addr: remote.addr });
    this.#armSweep(nowMs);
  }

  #register(
    remote: Pick<Hello, "id" | "addr" | "incarnation"> & { record?: MemberInfo | undefined },
    nowMs: number,
  ): void {
    const known = this.#registry.get(remote.id);
    if (known === undefined && this.#registry.size >= this.#registryMax) {
      const oldest = this.#registry.keys().next();
      if (!oldest.done) this.#unregister(oldest.value, "registry full");
    }
    if (known === undefined) {
      this.#slot.set(remote.id, this.#ids.length);
      this.#ids.push(remote.id);
    }
    this.#registry.delete(remote.id);
    const sameRecord = known !== undefined && known.addr === remote.addr &&
      known.incarnation === remote.incarnation;
    this.#registry.set(remote.id, {
      id: remote.id,
      addr: remote.addr,
      incarnation: remote.incarnation,
      expiresAtMs: nowMs + this.#registrationTtlMs,
      record: remote.record ?? (sameRecord ? known.record : undefined),
    });
    if (known === undefined || known.addr !== remote.addr) {
      if (known !== undefined) this.#countHost(known.addr, -1);
      this.#countHost(remote.addr, 1);
    }
    if (known === undefined) this.#emit({ type: "peer-up", id: remote.id, addr: remote.addr });
    this.#armSweep(nowMs);
  }

  /** A registered peer's own signed record, matching its registration: kept to pass on. */
  #attachRecord(remote: Hello, record: MemberInfo): void {
    const pending = this.#pending.get(remote.id);
    if (
      pending !== undefined && record.id === remote.id && record.signature !== undefined &&
      record.addr === pending.addr && record.incarnation === pending.incarnation
    ) {
      pending.record = record;
    }
    const registration = this.#registry.get(remote.id);
    if (
      registration === undefined || record.id !== remote.id || record.signature === undefined ||
      record.addr !== registration.addr || record.incarnation !== registration.incarnation
    ) {
      return;
    }
    registration.record = record;
  }

  #unregister(id: PeerId, reason: string): void {
    const registration = this.#registry.get(id);
    if (registration === undefined) return;
    this.#registry.delete(id);
    this.#countHost(registration.addr, -1);
    // Swap-remove from the array of ids.
    const slot = this.#slot.get(id)!;
    const last = this.#ids.pop()!;
    if (last !== id) {
      this.#ids[slot] = last;
      this.#slot.set(last, slot);
    }
    this.#slot.delete(id);
    this.#log("info", `Forgot ${id.slice(0, 8)} (${registration.addr}): ${reason}`);
    this.#emit({
      type: "peer-down",
      id,
      addr: registration.addr,
      reason,
      cause: reason === "left" ? "left" : "connection-lost",
    });
  }

  /** Verifies a peer reported dead by dialing it; the answer decides. */
  #check(id: PeerId, nowMs: number): void {
    const registration = this.#registry.get(id);
    if (registration === undefined || this.#checking.has(id)) return;
    if (this.#dialsInFlight >= this.#checksInFlightMax) return;
    const link: RegistryLink = {
      conn: this.#nextConn++,
      checkId: id,
      remote: undefined,
      lastReceivedMs: nowMs,
    };
    this.#links.set(link.conn, link);
    this.#checking.set(id, link.conn);
    this.#emit({ type: "dial", conn: link.conn, addr: registration.addr });
  }

  /** Random distinct others, in O(sample size): clients may ask thousands of times a second. */
  #sampleFor(requester: PeerId): MemberInfo[] {
    const ids = this.#ids;
    const k = this.#sampleSize;
    let picked: PeerId[];
    if (ids.length <= 4 * k + 1) {
      picked = sample(ids.filter((id) => id !== requester), k, this.#random);
    } else {
      // Far more ids than wanted: random picks rarely collide, so retry those.
      const seen = new Set<PeerId>([requester]);
      picked = [];
      while (picked.length < k) {
        const id = ids[this.#random.int(ids.length)]!;
        if (seen.has(id)) continue;
        seen.add(id);
        picked.push(id);
      }
    }
    // A registration whose member never sent its signed record is not passed on.
    return picked.map((id) => this.#registry.get(id)!.record)
      .filter((r): r is MemberInfo => r !== undefined);
  }

  /** Reachability checks and dials back under way. */
  get #dialsInFlight(): number {
    return this.#checking.size + this.#pending.size;
  }

  #countHost(addr: string, delta: number): void {
    const host = hostOf(addr);
    const count = (this.#perHost.get(host) ?? 0) + delta;
    if (count <= 0) this.#perHost.delete(host);
    else this.#perHost.set(host, count);
  }

  /** Sweeps run once a second while there is anything to sweep: lapses need no finer grain. */
  #armSweep(nowMs: number): void {
    if (this.#sweepAtMs === Infinity && (this.#registry.size > 0 || this.#links.size > 0)) {
      this.#sweepAtMs = nowMs + SWEEP_INTERVAL_MS;
    }
  }

  #send(conn: ConnId, message: Message): void {
    this.#emit({ type: "send", conn, message });
  }

  #close(link: RegistryLink, reason: string, _nowMs: number): void {
    this.#links.delete(link.conn);
    this.#send(link.conn, { type: "bye", reason });
    this.#emit({ type: "close", conn: link.conn, reason });
  }

  #emit(effect: Effect): void {
    this.#effects.push(effect);
  }

  #log(level: "debug" | "info" | "warn", text: string): void {
    this.#emit({ type: "log", level, text });
  }
}

/**
 * The host part of `host:port` (brackets of an IPv6 host kept). A relayed
 * address counts as a host of its own: its relay bounds how many peers it
 * carries (its reservations), and they are as many machines as they say.
 */
function hostOf(addr: string): string {
  if (addr.includes("/relay/")) return addr;
  const colon = addr.lastIndexOf(":");
  return colon < 0 ? addr : addr.slice(0, colon);
}

/** Whether `host` is this machine's loopback (a local test cluster, not a flood from one source). */
function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "[::1]";
}
