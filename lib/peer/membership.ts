/**
 * SWIM-style membership: rumors merged by precedence, this peer's own
 * incarnation (raised to refute rumors about it), peer lists for others, and
 * suspicions that end in a verdict unless refuted in time. A table past
 * `membersMax` becomes a random partial view.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import { pick, type Random, sample } from "../random/random.ts";
import type { PeerDownCause } from "../actor/effect.ts";
import type { MemberInfo, Message, PeerId } from "../wire/message.ts";
import { type EmitEvent, logEvent, shortId } from "./_support.ts";
import type { BootstrapClient } from "./bootstrap_client.ts";
import type { Link, Links } from "./links.ts";
import {
  type ApplyOutcome,
  type EvictionPolicy,
  type MemberEntry,
  MemberTable,
  recordOf,
  vouchedFor,
} from "./member_table.ts";
import type { MembershipOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";

/** The options {@linkcode Membership} reads: its own group. */
type MembershipReads = Pick<ResolvedPeerNodeOptions, keyof MembershipOptions | "indirectProbes">;

/** What {@linkcode Membership} works with. */
export interface MembershipPort {
  readonly id: PeerId;
  readonly addr: string;
  readonly incarnation: number;
  /** This peer's nick, named in its own record. */
  readonly nick: string;
  readonly links: Links;
  readonly bootstrap: BootstrapClient;
  readonly emit: EmitEvent;
  readonly random: Random;
  readonly options: MembershipReads;
}

/** Tombstones included in the whole list a newcomer gets. */
const WHOLE_LIST_DEAD_MAX = 64;

/**
 * A member we suspect, since when (our clock, adjusted for our own stalls),
 * and the evidence gathered. A rumor alone starts a suspicion but proves
 * nothing: the verdict needs our own failed check of the member and an
 * independent confirmation.
 */
interface Suspicion {
  readonly incarnation: number;
  sinceMs: number;
  /** Our own check failed (probe, heartbeat, dial): what no rumor can give. */
  ownEvidence: boolean;
  /** Neighbours that declared it dead at this incarnation: independent confirmations. */
  readonly confirmers: Set<PeerId>;
  /** The nonce of the indirect probes we asked our neighbours for, once asked. */
  indirectNonce: number | undefined;
  /**
   * Our own check is under way or done (a ping on its link, a dial). One
   * that found no room among the membership dials in flight is tried again
   * every probe period while the suspicion stands.
   */
  checked: boolean;
}

/** The members one peer knows, and what it believes about each. */
export class Membership {
  readonly #port: MembershipPort;
  readonly #links: Links;
  readonly #emit: EmitEvent;
  readonly #options: MembershipReads;
  readonly #members: MemberTable;
  /** Which live member a full table lets go: never one we are connected or connecting to. */
  readonly #eviction: EvictionPolicy;
  /** Suspects we are timing, with the incarnation they were suspected at. */
  readonly #suspects = new Map<PeerId, Suspicion>();
  #incarnation: number;
  #nick: string;
  /** The address this peer advertises (changes when it learns it is behind a NAT). */
  #addr: string;
  /**
   * Links we asked for a peer list, and until when their answer is welcome.
   * A peer list nobody asked for is dropped: pushing made-up lists is how a
   * member would fill our table with addresses no one vouched for.
   */
  readonly #solicited = new Map<ConnId, { untilMs: number; messages: number }>();
  /** When each member was last checked quietly (oldest first), at most `membersMax`. */
  readonly #checkedAtMs = new Map<PeerId, number>();
  /** When the next random member check is due. */
  #nextMemberCheckMs = 0;
  /** Links that have our own record (later changes are flooded to every link anyway). */
  readonly #recordSent = new WeakSet<Link>();
  /** Members whose link to us dropped without a goodbye, until met again or judged: their death is a lost connection. */
  readonly #linkLost = new Set<PeerId>();
  /** No pull of a neighbour's whole table before this time. */
  #wholeListPullAtMs = 0;

  /** An empty table; `port.incarnation` is where this peer's own starts. */
  constructor(port: MembershipPort) {
    this.#port = port;
    this.#links = port.links;
    this.#emit = port.emit;
    this.#options = port.options;
    this.#incarnation = port.incarnation;
    this.#nick = port.nick;
    this.#addr = port.addr;
    this.#members = new MemberTable(port.id, {
      membersMax: port.options.membersMax,
      deadRetentionMs: port.options.deadRetentionMs,
      unprovenPerSourceMax: port.options.unprovenPerSourceMax,
    });
    this.#eviction = { random: port.random, keep: (id) => port.links.isBusyWith(id) };
  }

  /** This peer's incarnation. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** Members believed alive or suspected. */
  get liveCount(): number {
    return this.#members.liveCount;
  }

  /** Members remembered, tombstones included. */
  get size(): number {
    return this.#members.size;
  }

  /** Live members (alive or suspect). */
  live(): MemberEntry[] {
    return this.#members.live();
  }

  /** Every member entry, tombstones included. */
  all(): MemberEntry[] {
    return this.#members.all();
  }

  /** The entry of `id`, if remembered. */
  get(id: PeerId): MemberEntry | undefined {
    return this.#members.get(id);
  }

  /** Whether `id` is believed alive (or only suspected). */
  isLive(id: PeerId): boolean {
    return this.#members.isLive(id);
  }

  /** The `count` most recent deaths still remembered, newest first. */
  recentDead(count: number): MemberEntry[] {
    return this.#members.recentDead(count);
  }

  /** A random live member, skipping those `exclude` rejects. */
  randomLive(exclude: (entry: MemberEntry) => boolean): MemberEntry | undefined {
    return this.#members.randomLive(this.#port.random, exclude);
  }

  /** This peer as a member. */
  selfInfo(): MemberInfo {
    return {
      id: this.#port.id,
      addr: this.#addr,
      incarnation: this.#incarnation,
      status: "alive",
      nick: this.#nick,
    };
  }

  /**
   * Renames this peer: its record is re-signed at the next incarnation (a
   * new version every node takes over the old one) and flooded to the
   * neighbours and the bootstraps, so that the new nick spreads by gossip.
   */
  setNick(nick: string, nowMs: number | undefined): void {
    if (nick === this.#nick) return;
    this.#nick = nick;
    this.#republish("Renamed", nowMs);
  }

  /**
   * Advertises `addr` from now on (a relayed address once this peer learnt
   * it cannot be dialled): a new record at the next incarnation, flooded as
   * for a rename, and a registration with it at once.
   */
  setAddr(addr: string, nowMs: number): void {
    if (addr === this.#addr) return;
    this.#addr = addr;
    this.#republish(`Now advertising ${addr}`, nowMs);
    this.#port.bootstrap.tellAll({ type: "register" }, nowMs);
  }

  #republish(what: string, nowMs: number | undefined): void {
    if (this.#links.leaving || this.#incarnation >= Number.MAX_SAFE_INTEGER) return;
    this.#incarnation++;
    // Also what makes a runtime store the new incarnation (it records one with
    // each step's events): a restart must not sign another record at this one.
    this.#emit(logEvent("info", `${what}; incarnation now ${this.#incarnation}`));
    if (nowMs === undefined) return;
    const record: Message = { type: "member", member: this.selfInfo() };
    this.#links.flood(record, undefined, nowMs);
    this.#port.bootstrap.tellAll(record, nowMs);
  }

  /** Asks a random neighbour for a peer list (the gossip round's pull). */
  pullFromRandomNeighbour(nowMs: number): void {
    const target = pick(this.#links.accepted(), this.#port.random);
    if (target !== undefined) this.request(target, { type: "get-peers" }, nowMs);
  }

  /** Sends a `register` or `get-peers` on `link`, and welcomes its answer for `peersAnswerMs`. */
  request(
    link: Link,
    message: Extract<Message, { type: "register" | "get-peers" }>,
    nowMs: number,
  ): void {
    this.solicit(link, nowMs, message.type === "get-peers" && message.all !== true);
    this.#links.send(link, message, nowMs);
    if (link.outbound) this.#sendOwnRecord(link, nowMs);
  }

  /** Gives a new neighbour our own signed record, once per link. */
  #sendOwnRecord(link: Link, nowMs: number): void {
    if (this.#recordSent.has(link)) return;
    this.#recordSent.add(link);
    this.#links.send(link, { type: "member", member: this.selfInfo() }, nowMs);
  }

  /**
   * An answer on `link` is welcome for the next `peersAnswerMs`: one peer
   * list for a sample, as many as a whole table takes otherwise.
   */
  solicit(link: Link, nowMs: number, sampleOnly = false): void {
    const whole = Math.ceil(this.#options.membersMax / this.#options.peersPerMessageMax) + 1;
    const messages = (this.#solicited.get(link.conn)?.messages ?? 0) + (sampleOnly ? 1 : whole);
    this.#solicited.set(link.conn, { untilMs: nowMs + this.#options.peersAnswerMs, messages });
  }

  /** Whether a peer list on `link` answers something we asked (a bootstrap's always does); counts it. */
  isSolicited(link: Link, nowMs: number): boolean {
    if (link.purpose === "bootstrap") return true;
    const request = this.#solicited.get(link.conn);
    if (request === undefined || request.untilMs < nowMs || request.messages <= 0) return false;
    if (--request.messages === 0) this.#solicited.delete(link.conn);
    return true;
  }

  /** Forgets tombstones past their retention, and requests no longer answered. */
  expire(nowMs: number): void {
    this.#members.expire(nowMs);
    for (const [conn, request] of this.#solicited) {
      if (request.untilMs < nowMs) this.#solicited.delete(conn);
    }
    this.#proveUnmet(nowMs);
    this.#checkRandomMember(nowMs);
  }

  /**
   * Every `memberCheckIntervalMs`, dials one random live member that is not
   * a neighbour (SWIM's random probe, by a dial): deaths are otherwise seen
   * only on links, so a member linked to nobody when it crashed would stay
   * alive in every view. A refused dial is a verdict, a silent one a suspicion.
   */
  #checkRandomMember(nowMs: number): void {
    if (this.#links.leaving || nowMs < this.#nextMemberCheckMs) return;
    if (this.#livenessDialRoom() <= 0) return; // the next round tries again
    this.#nextMemberCheckMs = nowMs + this.#port.options.memberCheckIntervalMs;
    const member = this.#members.randomLive(
      this.#port.random,
      (m) =>
        m.status !== "alive" || this.#links.peerLink(m.id) !== undefined ||
        this.#links.isBusyWith(m.id),
    );
    if (member !== undefined) this.#checkQuietly(member, nowMs);
  }

  /**
   * Dials `member` to see that it answers, then lets go (it does not become
   * a neighbour); a refused dial is a verdict, a silent one a suspicion. At
   * most once per member per `memberCheckIntervalMs`, and never a neighbour
   * (its link shows its liveness).
   */
  #checkQuietly(member: MemberEntry, nowMs: number): void {
    if (this.#links.leaving || this.#links.peerLink(member.id) !== undefined) return;
    if (this.#links.isBusyWith(member.id) || this.#livenessDialRoom() <= 0) return;
    const interval = this.#port.options.memberCheckIntervalMs;
    if ((this.#checkedAtMs.get(member.id) ?? -Infinity) > nowMs - interval) return;
    this.#checkedAtMs.delete(member.id);
    this.#checkedAtMs.set(member.id, nowMs);
    // Oldest first: past the table's size, the ones checked longest ago go.
    while (this.#checkedAtMs.size > this.#port.options.membersMax) {
      this.#checkedAtMs.delete(this.#checkedAtMs.keys().next().value!);
    }
    this.#links.dial(member.addr, "liveness", member.id, nowMs).checkOnly = true;
  }

  /**
   * How many more proof dials and quiet checks may start now: at most
   * `livenessDialsInFlightMax` liveness dials wait for their hello at once
   * (each is a handshake at both ends).
   */
  #livenessDialRoom(): number {
    return this.#port.options.livenessDialsInFlightMax - this.#links.checksInFlight;
  }

  /**
   * Dials one random member we only read of in another's peer list (unless
   * a dial to it is under way): its hello proves it, a failed dial is our
   * own evidence against it — so addresses nobody can reach do not linger in
   * the table. (Members whose records were flooded through the room are not
   * dialled: a dial to every member would cost N² handshakes.) A proof, like
   * a quiet check, lets go after the hello: it is not a bid for a neighbour
   * slot (the active view picks neighbours from all members alike), so it is
   * never refused as full, and it leaves the overlay as it was.
   */
  #proveUnmet(nowMs: number): void {
    if (this.#links.leaving) return;
    // Members whose teacher is full are refused: meet more of what the full
    // teachers taught (flooded or listed), to make room for the rest.
    const refused = this.#members.takeCapRefusals() > 0;
    const dials = Math.min(
      refused ? this.#port.options.proofDialsPerRoundMax : 1,
      this.#livenessDialRoom(),
    );
    for (let i = 0; i < dials; i++) {
      const unmet = this.#members.randomLive(
        this.#port.random,
        (m) =>
          this.#links.isBusyWith(m.id) ||
          !(m.onlyListed === true ||
            (refused && m.source !== undefined && this.#members.isSourceFull(m.source))),
      );
      if (unmet === undefined) return;
      this.#links.dial(unmet.addr, "liveness", unmet.id, nowMs).checkOnly = true;
    }
  }

  /** Answers a `register` or `get-peers` on `link`. */
  onPeerRequest(
    link: Link,
    request: Extract<Message, { type: "register" | "get-peers" }>,
    nowMs: number,
  ): void {
    const requester = link.remote!.id;
    const total = this.#members.liveCount;
    if (request.type === "register" || request.all === true) {
      // A newcomer joining through us, or a peer that found it knows less
      // than we do: everything we know, at once.
      for (const peers of this.#wholeList(requester)) {
        this.#links.send(link, { type: "peers", peers, total }, nowMs);
      }
    } else {
      this.#links.send(link, { type: "peers", peers: this.peerList(requester), total }, nowMs);
    }
  }

  /** A peer list for `requester`: ourselves, a random sample of live members, a few recent deaths. */
  peerList(requester: PeerId): MemberInfo[] {
    const room = this.#options.peersPerMessageMax - 1;
    const dead = this.#members.recentDead(Math.min(8, Math.floor(room / 4)));
    // Only members whose own signed record we hold: an address we pass on is
    // one its member vouched for, never one we merely heard.
    const live = this.#members.sampleLive(
      room - dead.length,
      this.#port.random,
      (m) => m.id === requester || !passable(m),
    );
    return [this.selfInfo(), ...live.map(recordOf), ...dead.map(recordOf)];
  }

  /** Merges a peer list. */
  onPeers(peers: readonly MemberInfo[], nowMs: number, from?: PeerId): void {
    for (const info of peers) this.apply(info, nowMs, from, true);
  }

  /**
   * A neighbour knows more live members than we do: some joins passed us by
   * (we joined through someone who had not heard of them yet). Pull its whole
   * table — at most once per `fullPullIntervalMs`, as views of the dead may
   * simply differ for a while.
   */
  compareTotals(link: Link, total: number, nowMs: number): void {
    // Its total counts us in and itself out; ours the other way round.
    if (
      total <= this.#members.liveCount || nowMs < this.#wholeListPullAtMs ||
      link.purpose !== "peer"
    ) {
      return;
    }
    this.#wholeListPullAtMs = nowMs + this.#options.fullPullIntervalMs;
    this.request(link, { type: "get-peers", all: true }, nowMs);
  }

  /** A rumor from a neighbour: merged, and passed on if it is news. */
  onMember(link: Link, rumor: Extract<Message, { type: "member" }>, nowMs: number): void {
    if (this.apply(rumor.member, nowMs, link.remote!.id)) {
      this.#links.flood(rumor, link.conn, nowMs);
    }
  }

  /**
   * A direct connection proves its remote alive at the incarnation of its
   * hello. We give it our own signed record (so that it can vouch for us to
   * its neighbours); its signed record, when it sends it, is what spreads.
   */
  learnFromHello(link: Link, nowMs: number): void {
    const remote = link.remote!;
    this.#linkLost.delete(remote.id);
    // The dialer's first message must stay its request (`register` or
    // `get-peers`: the acceptor admits it by that), so a dialer sends its
    // record after the request (see `request`); an acceptor at once (even
    // to a dial that only checks it: a dialer turned away as full then
    // holds our record from ourselves, not only from a list).
    if (!link.outbound) this.#sendOwnRecord(link, nowMs);
    if (link.outbound && link.dialAddr !== undefined) {
      // We dialled that address and this peer answered: proven, keep it.
      this.#emit({ type: "address-proven", id: remote.id, addr: link.dialAddr });
    }
    const known = this.#members.get(remote.id);
    if (
      known !== undefined && known.status !== "alive" && !(remote.incarnation > known.incarnation)
    ) {
      // It is talking to us, so it is not dead: show it its own latest signed
      // record (a restart that lost its incarnation moves past it) and the
      // rumor, so that it refutes with a newer signed record.
      if (known.record !== undefined && known.record !== recordOf(known)) {
        this.#links.send(link, { type: "member", member: known.record }, nowMs);
      }
      this.#links.send(link, { type: "member", member: recordOf(known) }, nowMs);
      return;
    }
    const outcome = this.#members.applyDirect(
      remote.id,
      remote.addr,
      remote.incarnation,
      nowMs,
      this.#eviction,
    );
    if (known?.onlyListed === true) this.#vouchForProven(link, nowMs);
    // Its nick first, so that a join names it; a bootstrap's hello names none worth showing.
    const old = remote.role === "peer" ? this.#members.setNick(remote.id, remote.nick) : undefined;
    this.#reportChange({ id: remote.id, addr: remote.addr, status: "alive" }, outcome);
    if (old !== undefined && !outcome.applied) this.#reportNick(remote.id, old);
  }

  /**
   * A member we only read of in a peer list answered our dial at the address
   * of its signed record: that address is proven now, so its record goes to
   * our neighbours (once: it is news only to those who lack it or read of it
   * in a list too, and they flood it on to theirs, see `apply`: one proof
   * makes the member passable everywhere). Without this, a member
   * that joined before its table's holders met it stays unpassable at all of
   * them, and a peer that missed it cannot learn it from any full-table pull.
   */
  #vouchForProven(link: Link, nowMs: number): void {
    // In a partial view (a full table) membership spreads by sampling: what
    // we proved becomes passable in our own lists, and goes no further.
    if (this.#members.full) return;
    const entry = this.#members.get(link.remote!.id);
    if (entry === undefined || entry.onlyListed === true || entry.status !== "alive") return;
    const record = recordOf(entry);
    if (record.signature === undefined || !link.outbound || link.dialAddr !== record.addr) return;
    this.#links.flood({ type: "member", member: record }, link.conn, nowMs);
  }

  /** Tells the front end that live member `id` was called `old` and has a new nick now. */
  #reportNick(id: PeerId, old: string): void {
    const entry = this.#members.get(id);
    if (entry?.nick === undefined || entry.nick === old || entry.status === "dead") return;
    this.#emit({ type: "nick", id, old, new: entry.nick });
  }

  /** Emits what a change of the table means to the front end. */
  #reportChange(
    info: Pick<MemberInfo, "id" | "addr" | "status">,
    { applied, previous, evicted }: ApplyOutcome,
    from?: PeerId,
  ): void {
    if (!applied) return;
    if (evicted !== undefined && evicted.status !== "dead") {
      this.#emit({
        type: "peer-down",
        id: evicted.id,
        addr: evicted.addr,
        reason: "forgotten (partial view)",
        cause: "forgotten",
        ...nickOf(evicted),
      });
    }
    const wasLive = previous !== undefined && previous.status !== "dead";
    const isLive = info.status !== "dead";
    const entry = this.#members.get(info.id);
    const nick = entry === undefined ? {} : nickOf(entry);
    if (!wasLive && isLive) this.#emit({ type: "peer-up", id: info.id, addr: info.addr, ...nick });
    if (wasLive && !isLive) {
      const left = from === info.id;
      this.#emit({
        type: "peer-down",
        id: info.id,
        addr: info.addr,
        reason: left ? "left" : "reported dead",
        cause: left ? "left" : "connection-lost",
        ...nick,
      });
    }
    if (wasLive && isLive && previous.nick !== undefined) this.#reportNick(info.id, previous.nick);
  }

  /**
   * Merges a rumor; returns whether it should spread further. `from` is the
   * neighbour it came from, if any. A member learned while the table is full
   * is kept by random replacement but not spread: in a network larger than
   * the table, joins travel by peer-list sampling, not by flooding everyone.
   */
  apply(info: MemberInfo, nowMs: number, from?: PeerId, fromList = false): boolean {
    if (info.id === this.#port.id) {
      this.#answerRecordAboutUs(info, nowMs);
      return false;
    }
    if (info.signature === undefined) return this.#onRumor(info, nowMs, from);
    const wasFull = this.#members.full;
    const wasOnlyListed = this.#members.get(info.id)?.onlyListed === true;
    const outcome = this.#members.apply(info, nowMs, this.#eviction, from, fromList);
    if (!outcome.applied) {
      // A record we had only read in a list came flooded (someone met the
      // member): news to us, so it goes on to those who only read of it too
      // — unless the table is a partial view, where membership spreads by
      // sampling, not by flooding.
      return wasOnlyListed && !wasFull && this.#members.get(info.id)?.onlyListed === false;
    }
    const signedLeave = info.signature !== undefined && info.status === "dead";
    this.#reportChange(info, outcome, signedLeave ? info.id : from);
    this.#suspects.delete(info.id);
    return !(outcome.previous === undefined && wasFull);
  }

  /**
   * An unsigned rumor (suspect, or another peer's verdict) about a member,
   * from the neighbour `from`. It never kills on its own word: it starts our
   * own check of the member (a ping, or a dial) and a suspicion that the
   * member has time to refute; a verdict counts as one confirmation. We pass
   * the suspicion on (so that the member hears it and refutes) but never
   * another's verdict: we flood our own, once we reach it.
   */
  #onRumor(info: MemberInfo, nowMs: number, from: PeerId | undefined): boolean {
    const member = this.#members.get(info.id);
    if (
      member !== undefined && member.status === "alive" && info.status !== "alive" &&
      info.incarnation !== member.incarnation
    ) {
      // A rumor about another life of the member has no weight, but someone
      // saw trouble: look for ourselves (a dial that closes after the hello)
      // — unless it is a suspicion the member has already refuted (an
      // earlier incarnation): the echo of every refuted suspicion would
      // otherwise cost a handshake at every peer.
      if (info.status === "dead" || info.incarnation > member.incarnation) {
        this.#checkQuietly(member, nowMs);
      }
      return false;
    }
    if (
      member === undefined || member.status === "dead" ||
      info.incarnation !== member.incarnation || info.status === "alive" || this.#links.leaving
    ) {
      return false;
    }
    const suspicion = this.#suspects.get(info.id);
    if (suspicion !== undefined) {
      if (info.status === "dead" && from !== undefined && from !== info.id) {
        suspicion.confirmers.add(from);
      }
      return false;
    }
    const started = this.#startSuspicion(member, nowMs);
    if (info.status === "dead" && from !== undefined) started.confirmers.add(from);
    // A neighbour is pinged at once, and so is a member another peer found
    // dead dialled at once; a dial for a mere suspicion (a handshake at both
    // ends, and most are refuted within a second or two) waits until half
    // the time to refute has passed, see `judgeSuspects`.
    started.checked = this.#check(member, nowMs, info.status === "suspect");
    this.#emit(
      logEvent("info", `Checking ${shortId(info.id)} (${member.addr}): rumored ${info.status}`),
    );
    this.#links.flood(
      { type: "member", member: unsignedAs(member, "suspect") },
      this.#links.peerLink(from ?? "")?.conn,
      nowMs,
    );
    return false;
  }

  /** Marks `member` suspect at its incarnation and starts timing it. */
  #startSuspicion(member: MemberEntry, nowMs: number): Suspicion {
    this.#members.apply(unsignedAs(member, "suspect"), nowMs);
    const suspicion: Suspicion = {
      incarnation: member.incarnation,
      sinceMs: nowMs,
      ownEvidence: false,
      confirmers: new Set(),
      indirectNonce: undefined,
      checked: false,
    };
    this.#suspects.set(member.id, suspicion);
    return suspicion;
  }

  /**
   * Our own check of a rumored member: a ping on its link, or a dial that
   * must answer as it — when the membership dials in flight leave room (a
   * rumor about a member we are not linked to would otherwise cost a
   * handshake at every such peer at once). Returns whether a check is under
   * way.
   */
  #check(member: MemberEntry, nowMs: number, pingOnly = false): boolean {
    const link = this.#links.peerLink(member.id);
    if (link !== undefined && link.accepted) {
      this.#links.send(link, { type: "ping", nonce: this.#port.random.int(0x1_0000_0000) }, nowMs);
      return true;
    }
    if (this.#links.isBusyWith(member.id)) return true;
    if (pingOnly || this.#livenessDialRoom() <= 0) return false;
    this.#links.dial(member.addr, "liveness", member.id, nowMs);
    return true;
  }

  /**
   * A record about this peer came back. Nobody else can sign one, so a
   * signed record newer than ours (or saying we left) is from an earlier
   * life of ours that lost its incarnation: we move past it. An unsigned
   * rumor counts only at our current incarnation: we refute it with the next
   * one. A rumor at a higher incarnation is a lie and changes nothing — so a
   * liar can never push our incarnation to the largest one, where we could
   * no longer refute.
   */
  #answerRecordAboutUs(info: MemberInfo, nowMs: number): void {
    if (this.#links.leaving) return;
    const signed = info.signature !== undefined;
    const stale = signed
      ? info.incarnation < this.#incarnation ||
        (info.incarnation === this.#incarnation && info.status === "alive")
      : info.status === "alive" || info.incarnation !== this.#incarnation;
    if (stale) return;
    // At the largest incarnation there is no newer one: only a signed record
    // of our own could be there, and nobody can forge that.
    this.#incarnation = Math.min(info.incarnation + 1, Number.MAX_SAFE_INTEGER);
    this.#emit(logEvent(
      "info",
      `Refuting a${
        signed ? " signed" : ""
      } '${info.status}' record about us; incarnation now ${this.#incarnation}`,
    ));
    this.#links.flood({ type: "member", member: this.selfInfo() }, undefined, nowMs);
  }

  /**
   * Our own evidence against `id` (a failed probe, a silent connection, a
   * failed dial): everyone hears the suspicion, and it has a suspicion
   * timeout to refute.
   */
  suspect(id: PeerId, reason: string, nowMs: number): void {
    const member = this.#members.get(id);
    if (member === undefined || member.status === "dead" || this.#links.leaving) return;
    const known = this.#suspects.get(id);
    if (known !== undefined) {
      known.ownEvidence = true;
      return;
    }
    this.#startSuspicion(member, nowMs).ownEvidence = true;
    this.#emit(logEvent("info", `Suspecting ${shortId(id)} (${member.addr}): ${reason}`));
    this.#links.flood({ type: "member", member: unsignedAs(member, "suspect") }, undefined, nowMs);
  }

  /** A neighbour reached `target` for us: it is alive, whatever the rumors say. */
  onIndirectAck(target: PeerId, nonce: number, nowMs: number): void {
    const suspicion = this.#suspects.get(target);
    if (suspicion === undefined || suspicion.indirectNonce !== nonce) return;
    this.#acquit(target, "a neighbour reached it", nowMs);
  }

  /** Ends a suspicion without a verdict: the member is alive again in our view. */
  #acquit(id: PeerId, reason: string, nowMs: number): void {
    this.#suspects.delete(id);
    this.#linkLost.delete(id);
    if (this.#members.acquit(id, nowMs)) {
      this.#emit(logEvent("info", `No longer suspecting ${shortId(id)}: ${reason}`));
    }
  }

  /**
   * The link to `id` dropped without a goodbye: if it is found dead before
   * we meet it again, its leave is a lost connection (else not answering).
   */
  noteLinkLost(id: PeerId): void {
    if (this.#linkLost.size < this.#options.membersMax) this.#linkLost.add(id);
  }

  /**
   * Our own verdict: flood it, tell the bootstraps, and let the front end
   * know why in a word (`cause`; by default a lost connection when the
   * member's link dropped without a goodbye since we last met it, else not
   * answering).
   */
  declareDead(id: PeerId, reason: string, nowMs: number, cause?: PeerDownCause): void {
    const lostLink = this.#linkLost.delete(id);
    const member = this.#members.get(id);
    if (member === undefined || member.status === "dead") return;
    cause ??= lostLink ? "connection-lost" : "not-answering";
    const verdict = unsignedAs(member, "dead");
    this.#members.apply(verdict, nowMs);
    this.#suspects.delete(id);
    this.#emit(logEvent("info", `Peer ${shortId(id)} (${member.addr}) is dead: ${reason}`));
    this.#emit({ type: "peer-down", id, addr: member.addr, reason, cause, ...nickOf(member) });
    const link = this.#links.peerLink(id);
    if (link !== undefined) this.#links.close(link, "declared dead", nowMs);
    this.#links.flood({ type: "member", member: verdict }, undefined, nowMs);
    this.#port.bootstrap.tellAll({ type: "member", member: verdict }, nowMs);
  }

  /**
   * Judges the suspects whose time to refute ran out. Dead needs our own
   * failed check and an independent confirmation: `deathConfirmationsMin`
   * neighbours' verdicts (fewer when we have fewer other neighbours), or else
   * indirect probes that fail — we ask `indirectProbes` neighbours to reach
   * it, and any answer acquits it. Without our own evidence (our check is
   * still under way, or it answered) a suspicion lapses after twice the
   * timeout: a rumor alone never kills.
   */
  judgeSuspects(nowMs: number): void {
    const timeoutMs = this.#suspicionTimeoutMs();
    for (const [id, suspicion] of [...this.#suspects]) {
      const member = this.#members.get(id);
      if (
        member === undefined || member.status !== "suspect" ||
        member.incarnation !== suspicion.incarnation
      ) {
        this.#suspects.delete(id);
        continue;
      }
      const age = nowMs - suspicion.sinceMs;
      if (!suspicion.checked && !suspicion.ownEvidence && 2 * age >= timeoutMs) {
        suspicion.checked = this.#check(member, nowMs);
      }
      if (age < timeoutMs) continue;
      const link = this.#links.peerLink(id);
      if (link !== undefined && link.accepted && nowMs - link.lastReceivedMs < timeoutMs) {
        // It talks to us: the refutation went missing somewhere, not the peer.
        // Show it the rumor so that it refutes again, and give it more time.
        this.#links.send(link, { type: "member", member: recordOf(member) }, nowMs);
        suspicion.sinceMs = nowMs;
        continue;
      }
      if (!suspicion.ownEvidence) {
        if (age >= 2 * timeoutMs) this.#acquit(id, "our own check found nothing against it", nowMs);
        continue;
      }
      const others = this.#links.accepted().filter((l) => l.remote!.id !== id);
      const needed = Math.min(this.#options.deathConfirmationsMin, others.length);
      if (suspicion.confirmers.size >= needed) {
        this.declareDead(
          id,
          `suspected for ${timeoutMs} ms, not refuted, confirmed by ${suspicion.confirmers.size}`,
          nowMs,
        );
      } else if (suspicion.indirectNonce === undefined) {
        const nonce = this.#port.random.int(0x1_0000_0000);
        suspicion.indirectNonce = nonce;
        for (const helper of sample(others, this.#options.indirectProbes, this.#port.random)) {
          this.#links.send(helper, { type: "probe", target: id, nonce }, nowMs);
        }
      } else {
        this.declareDead(id, `suspected for ${age} ms; indirect probes failed too`, nowMs);
      }
    }
  }

  /** This process stalled for `lateMs`: suspects get that time back. */
  onStall(lateMs: number): void {
    for (const suspicion of this.#suspects.values()) suspicion.sinceMs += lateMs;
  }

  /** Our whole table (live members, then recent deaths), in `peers`-sized chunks; ourselves first. */
  #wholeList(requester: PeerId): MemberInfo[][] {
    const all = [
      this.selfInfo(),
      ...this.#members.live().filter((m) => m.id !== requester && passable(m)).map(recordOf),
      ...this.#members.recentDead(WHOLE_LIST_DEAD_MAX).map(recordOf),
    ];
    const chunks: MemberInfo[][] = [];
    for (let i = 0; i < all.length; i += this.#options.peersPerMessageMax) {
      chunks.push(all.slice(i, i + this.#options.peersPerMessageMax));
    }
    return chunks;
  }

  /**
   * How long a suspect has to refute: `suspicionTimeoutMs`, times log10 of
   * the network size (as memberlist does), since a refutation takes longer
   * to reach everyone in a larger network.
   */
  #suspicionTimeoutMs(): number {
    return Math.round(
      this.#options.suspicionTimeoutMs * Math.max(1, Math.log10(this.#members.liveCount + 1)),
    );
  }
}

/** `{ nick }` when the member's nick is known, else nothing: for events. */
function nickOf(member: MemberEntry): { nick?: string } {
  return member.nick === undefined ? {} : { nick: member.nick };
}

/** Our rumor about `member`: its address and incarnation as its latest record says, with `status`, unsigned. */
function unsignedAs(member: MemberEntry, status: MemberInfo["status"]): MemberInfo {
  return { id: member.id, addr: member.addr, incarnation: member.incarnation, status };
}

/**
 * Whether we pass `member` on in our peer lists: only with its own signed
 * record, and only if we met it or heard of it by a record flooded through
 * the room, never one we merely read in another's list.
 */
function passable(member: MemberEntry): boolean {
  return member.onlyListed !== true && vouchedFor(member);
}
