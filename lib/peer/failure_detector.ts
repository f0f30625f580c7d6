/**
 * SWIM failure detection: one neighbour probed per period (directly, then
 * through a few others), heartbeats on every connection, liveness dials to
 * lost neighbours, and credit for this process's own stalls. It only
 * gathers evidence; the verdicts are membership's.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { TimerTable } from "../actor/timer_table.ts";
import { type Random, sample } from "../random/random.ts";
import type { Message, PeerId } from "../wire/message.ts";
import { type EmitEvent, logEvent } from "./_support.ts";
import type { Link, Links } from "./links.ts";
import type { Membership } from "./membership.ts";
import type { FailureDetectorOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";
import type { PeerTimer } from "./peer_timer.ts";

/** The options {@linkcode FailureDetector} reads: its own group. */
type FailureDetectorReads = Pick<ResolvedPeerNodeOptions, keyof FailureDetectorOptions>;

/** What {@linkcode FailureDetector} works with. */
export interface FailureDetectorPort {
  readonly links: Links;
  readonly membership: Membership;
  readonly timers: TimerTable<PeerTimer>;
  readonly emit: EmitEvent;
  readonly random: Random;
  readonly options: FailureDetectorReads;
}

/** A timer this late means this process was not running. */
const STALL_THRESHOLD_MS = 1_000;

/** Most indirect probes run for others at once. */
const RELAYS_MAX = 64;

/** The timers the failure detector runs. */
const TIMERS: readonly PeerTimer[] = ["heartbeat", "indirect-probe", "probe-period"];

/** A neighbour's request that we ping `target` for it. */
type IndirectProbeRequest = Extract<Message, { type: "probe" }>;

/** The probe of the current SWIM period. */
interface Probe {
  readonly target: PeerId;
  readonly nonce: number;
  readonly sentAtMs: number;
  indirectSent: boolean;
  answered: boolean;
}

/** An indirect probe we run for another peer. */
interface Relay {
  readonly requester: ConnId;
  readonly target: PeerId;
  readonly nonce: number;
  readonly expiresAtMs: number;
}

/** Probes, heartbeats and liveness dials of one peer. */
export class FailureDetector {
  readonly #port: FailureDetectorPort;
  readonly #links: Links;
  readonly #options: FailureDetectorReads;
  #probe: Probe | undefined;
  #probeCursor = 0;
  /** Indirect probes we run for others, by the nonce of our ping. */
  readonly #relays = new Map<number, Relay>();

  /** A detector with no probe under way. */
  constructor(port: FailureDetectorPort) {
    this.#port = port;
    this.#links = port.links;
    this.#options = port.options;
  }

  /** The earliest of the heartbeat and probe deadlines. */
  nextDeadlineMs(): number {
    return this.#port.timers.nextDeadlineMs(TIMERS);
  }

  /** Anything from `id` answers the probe of this period. */
  onTraffic(id: PeerId): void {
    if (this.#probe !== undefined && id === this.#probe.target) this.#probe.answered = true;
  }

  /** A timer fired `lateMs` after the earliest deadline: a stall, when that is long. */
  onTimerLate(lateMs: number): void {
    if (lateMs >= STALL_THRESHOLD_MS) this.#recoverFromStall(lateMs);
  }

  /**
   * Our own timer fired `lateMs` late: this process was not running (paused,
   * swapped out, overloaded). Whatever our peers sent meanwhile is still
   * waiting to be read, so silence over that time proves nothing: credit it
   * to every connection, suspicion and probe before judging anyone (after
   * Lifeguard's "local health" idea — don't blame others for our own stall).
   */
  #recoverFromStall(lateMs: number): void {
    this.#port.emit(logEvent(
      "info",
      `This process stalled for about ${Math.round(lateMs)} ms; postponing failure verdicts`,
    ));
    for (const link of this.#links.all()) link.lastReceivedMs += lateMs;
    this.#port.membership.onStall(lateMs);
    if (this.#probe !== undefined) this.#probe.answered = true;
  }

  /** Pings quiet connections and closes silent ones (suspecting their peers). */
  onHeartbeatTimer(nowMs: number): void {
    for (const link of [...this.#links.all()]) {
      if (link.remote === undefined) continue;
      if (nowMs - link.lastReceivedMs >= this.#options.heartbeatTimeoutMs) {
        const remote = link.remote;
        this.#links.close(link, "heartbeat timeout", nowMs);
        if (link.purpose === "peer") {
          this.#port.membership.suspect(
            remote.id,
            `silent for ${this.#options.heartbeatTimeoutMs} ms`,
            nowMs,
          );
        }
      } else if (nowMs - link.lastSentMs >= this.#options.heartbeatIntervalMs) {
        this.#ping(link, this.#port.random.int(0x1_0000_0000), nowMs);
      }
    }
    this.#port.timers.set("heartbeat", nowMs + this.#options.heartbeatIntervalMs / 2);
  }

  /** Ends the current probe period (suspecting an unanswered target) and starts the next. */
  onProbePeriodTimer(nowMs: number): void {
    const probe = this.#probe;
    this.#probe = undefined;
    this.#port.timers.stop("indirect-probe");
    if (probe !== undefined && !probe.answered) {
      this.#port.membership.suspect(probe.target, "no answer to direct or indirect probes", nowMs);
    }
    for (const [nonce, relay] of this.#relays) {
      if (relay.expiresAtMs <= nowMs) this.#relays.delete(nonce);
    }
    this.#port.membership.judgeSuspects(nowMs);
    const neighbours = this.#links.accepted();
    if (neighbours.length > 0) {
      // Round robin over the neighbours, so each is probed within a bounded time.
      const link = neighbours[this.#probeCursor++ % neighbours.length]!;
      const nonce = this.#port.random.int(0x1_0000_0000);
      this.#probe = {
        target: link.remote!.id,
        nonce,
        sentAtMs: nowMs,
        indirectSent: false,
        answered: false,
      };
      this.#ping(link, nonce, nowMs);
      this.#port.timers.set("indirect-probe", nowMs + this.#options.probeTimeoutMs);
    }
    this.#port.timers.set("probe-period", nowMs + this.#options.probeIntervalMs);
  }

  /** The direct probe went unanswered: ask a few other neighbours to try. */
  onIndirectProbeTimer(nowMs: number): void {
    this.#port.timers.stop("indirect-probe");
    const probe = this.#probe;
    if (probe === undefined || probe.answered || probe.indirectSent) return;
    probe.indirectSent = true;
    const helpers = sample(
      this.#links.accepted().filter((l) => l.remote!.id !== probe.target),
      this.#options.indirectProbes,
      this.#port.random,
    );
    for (const helper of helpers) {
      this.#links.send(helper, { type: "probe", target: probe.target, nonce: probe.nonce }, nowMs);
    }
  }

  /** A ping: answer it. */
  onPing(link: Link, nonce: number, nowMs: number): void {
    this.#links.send(link, { type: "pong", nonce }, nowMs);
  }

  /** A pong: when it answers a ping we sent for another peer, tell that peer. */
  onPong(nonce: number, nowMs: number): void {
    const relay = this.#relays.get(nonce);
    if (relay === undefined) return;
    this.#relays.delete(nonce);
    const requester = this.#links.get(relay.requester);
    if (requester !== undefined) {
      this.#links.send(
        requester,
        { type: "probe-ack", target: relay.target, nonce: relay.nonce },
        nowMs,
      );
    }
  }

  /** A neighbour asks us to ping `target` for it (an indirect probe). */
  onIndirectProbeRequest(requester: Link, request: IndirectProbeRequest, nowMs: number): void {
    const { target, nonce } = request;
    const link = this.#links.peerLink(target);
    if (link === undefined || !link.accepted || this.#relays.size >= RELAYS_MAX) return;
    const ours = this.#port.random.int(0x1_0000_0000);
    this.#relays.set(ours, {
      requester: requester.conn,
      target,
      nonce,
      expiresAtMs: nowMs + this.#options.probeIntervalMs,
    });
    this.#ping(link, ours, nowMs);
  }

  /** Another neighbour reached our probe's target (or a suspect membership asked about). */
  onProbeAck(target: PeerId, nonce: number, nowMs: number): void {
    if (this.#probe?.target === target && this.#probe.nonce === nonce) this.#probe.answered = true;
    else this.#port.membership.onIndirectAck(target, nonce, nowMs);
  }

  /** A neighbour's connection dropped: dial it once more before believing it gone. */
  checkAlive(id: PeerId, nowMs: number): void {
    const member = this.#port.membership.get(id);
    if (member === undefined || member.status === "dead" || this.#links.isChecking(id)) return;
    if (this.#links.leaving) return;
    this.#links.dial(member.addr, "liveness", id, nowMs);
  }

  #ping(link: Link, nonce: number, nowMs: number): void {
    this.#links.send(link, { type: "ping", nonce }, nowMs);
  }
}
