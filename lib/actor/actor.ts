/**
 * The interface every sans-I/O actor offers to whatever drives it (the TCP
 * runtime or the simulator): events go in with the current time, effects come
 * out, and the next deadline says when to call `handleTimeout`.
 *
 * @module
 */

import type { ChatMessage, Hello, Message } from "../wire/message.ts";
import type { ConnId, Effect } from "./effect.ts";
import type { Offence } from "./offence.ts";

/** A state machine driven by connection events and time. */
export interface Actor {
  /** The hello this actor presents on every new connection. */
  localHello(): Hello;
  /**
   * An inbound connection finished its hello; returns the id the actor will
   * use for it. `sourceHost` is the host the connection came from, as the
   * transport saw it (not what the hello claims), when known.
   */
  handleAccepted(remote: Hello, nowMs: number, sourceHost?: string): ConnId;
  /** An outbound connection asked for by a `dial` effect finished its hello. */
  handleConnected(conn: ConnId, remote: Hello, nowMs: number): void;
  /** An outbound connection could not be established (refused, timed out, bad hello). */
  handleDialFailed(conn: ConnId, reason: string, nowMs: number): void;
  /** A message arrived on an established connection. */
  handleMessage(conn: ConnId, message: Message, nowMs: number): void;
  /**
   * The runtime caught the remote of `conn` misbehaving (before it reports
   * the disconnect, when the offence closes the connection). Absent: offences
   * are only logged.
   */
  handleOffence?(conn: ConnId, offence: Offence, nowMs: number): void;
  /** An established connection closed, for whatever reason. */
  handleDisconnected(conn: ConnId, reason: string, nowMs: number): void;
  /** Time passed; due work runs. */
  handleTimeout(nowMs: number): void;
  /** The earliest time `handleTimeout` has work to do; `Infinity` when none. */
  nextDeadlineMs(): number;
  /** Removes and returns the effects produced so far, in order. */
  takeEffects(): Effect[];
  /**
   * Whether a chat message would be new here (not delivered or held): the
   * runtime checks signatures of new ones only. Absent: every one is new.
   */
  isNewChat?(message: ChatMessage): boolean;
}
