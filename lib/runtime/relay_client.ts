/**
 * A peer's side of relaying (PROTOCOL.md § Relays): holding a reservation at
 * a relay, taking the streams it announces, and asking a node to dial this
 * one back.
 *
 * @module
 */

import { encodeRelayFrame, type RelayFrame } from "../nat/relay_frame.ts";
import { decodeRelayFrame } from "../nat/relay_frame.ts";
import type { Channel, Handshake } from "../secure/channel.ts";
import { parseAddress } from "../wire/address.ts";
import { encodeFrame } from "../wire/frame_codec.ts";
import type { Hello } from "../wire/message.ts";
import { readRelayAnswer } from "./connector.ts";
import type { FramedConnection } from "./framed_connection.ts";
import { describe } from "./live_connection.ts";
import { Sleepers } from "./sleepers.ts";
import { withDeadline } from "./with_deadline.ts";

/** What a reservation holder needs of its runtime. */
export interface RelayClientPort {
  /** How connections authenticate. */
  readonly handshake: Handshake;
  /** This peer's hello. */
  readonly localHello: () => Hello;
  /** Wraps a socket this peer opened for frames. */
  readonly framed: (conn: Deno.Conn) => FramedConnection;
  /**
   * A relayed stream arrived on `framed` (the relay sees its dialer at
   * `otherSeen`): punch through if possible, run the handshake as the acceptor.
   */
  readonly acceptRelayed: (framed: FramedConnection, otherSeen: string | undefined) => void;
  /** A dial must connect (and a handshake finish) within this. */
  readonly dialTimeoutMs: number;
  /** A diagnostic line. */
  readonly log: (level: "info" | "debug", text: string) => void;
}

/** Where a reservation stands. */
export type ReservationState =
  | { readonly state: "reserved"; readonly relay: string }
  | { readonly state: "lost"; readonly relay: string; readonly reason: string };

/** Options of {@linkcode RelayReservation}. */
export interface RelayReservationOptions extends RelayClientPort {
  /** The relay's direct address. */
  readonly relay: string;
  /** Told when the reservation is taken, and when it is refused or lost. */
  readonly onState: (state: ReservationState) => void;
  /** Waits before trying again after a loss. Default 5 000, doubling to 60 000 ms. */
  readonly retryMs?: number;
}

/**
 * Keeps a reservation at one relay for as long as it runs: reserves, renews
 * at half its lifetime, accepts the streams the relay announces, and after a
 * refusal or a loss tries again with a growing pause.
 */
export class RelayReservation {
  readonly #o: RelayReservationOptions;
  #framed: FramedConnection | undefined;
  #stopped = false;
  readonly #sleepers = new Sleepers();
  #task: Promise<void> | undefined;

  /** A reservation with `options`; nothing happens until `start`. */
  constructor(options: RelayReservationOptions) {
    this.#o = options;
  }

  /** Starts holding the reservation. */
  start(): void {
    this.#task ??= this.#run();
  }

  /** Lets the reservation go. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#framed?.close();
    this.#sleepers.wakeAll();
    await this.#task;
  }

  async #run(): Promise<void> {
    const base = this.#o.retryMs ?? 5_000;
    let pause = base;
    while (!this.#stopped) {
      let reason: string;
      let held = false;
      try {
        held = await this.#holdOnce();
        reason = "the relay closed the reservation";
      } catch (error) {
        reason = describe(error);
      }
      if (this.#stopped) return;
      this.#o.onState({ state: "lost", relay: this.#o.relay, reason });
      pause = held ? base : Math.min(60_000, pause * 2);
      await this.#sleepers.sleep(pause);
    }
  }

  /** One reservation, to its end; whether it was ever taken. */
  async #holdOnce(): Promise<boolean> {
    const o = this.#o;
    const framed = this.#framed = await dialFramed(o, o.relay);
    let channel: Channel;
    try {
      framed.write(encodeFrame(encodeRelayFrame({ op: "reserve" })));
      channel = await withDeadline(
        (async () => {
          // A node that relays nothing says so before any handshake.
          const answer = await readRelayAnswer(framed);
          if (answer.op !== "ok") {
            throw new Error(
              `relay refused: ${answer.op === "refused" ? answer.reason : answer.op}`,
            );
          }
          return await o.handshake(framed, { initiator: true, local: o.localHello() });
        })(),
        o.dialTimeoutMs,
        () => {},
        "reservation handshake",
      );
    } catch (error) {
      framed.close();
      throw error;
    }
    let held = false;
    let renewal: ReturnType<typeof setTimeout> | undefined;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    try {
      for (;;) {
        const bytes = await framed.readFrame();
        if (bytes === undefined) return held;
        for (const payload of await channel.open(bytes)) {
          const frame = decodeRelayFrame(payload);
          if (frame.op === "refused") throw new Error(`relay refused: ${frame.reason}`);
          if (frame.op === "reserved") {
            if (!held) o.onState({ state: "reserved", relay: o.relay });
            held = true;
            clearTimeout(renewal);
            clearTimeout(watchdog);
            renewal = setTimeout(() => {
              void this.#send(framed, channel, { op: "reserve" });
              // A relay that went away without a word: no answer is a loss.
              watchdog = setTimeout(() => framed.close(), 2 * o.dialTimeoutMs);
            }, Math.max(1_000, frame.ttlMs / 2));
          } else if (frame.op === "incoming") {
            void this.#takeStream(frame.token);
          }
        }
      }
    } finally {
      clearTimeout(renewal);
      clearTimeout(watchdog);
      framed.close();
    }
  }

  async #send(framed: FramedConnection, channel: Channel, frame: RelayFrame): Promise<void> {
    try {
      framed.write(await channel.seal([encodeRelayFrame(frame)]));
    } catch {
      framed.close();
    }
  }

  /** Opens a connection to the relay for stream `token` and hands it on once carried. */
  async #takeStream(token: string): Promise<void> {
    const o = this.#o;
    let framed: FramedConnection | undefined;
    try {
      framed = await dialFramed(o, o.relay);
      framed.write(encodeFrame(encodeRelayFrame({ op: "accept", token })));
      const answer = await withDeadline(readRelayAnswer(framed), o.dialTimeoutMs, () => {});
      if (answer.op !== "ok") {
        throw new Error(answer.op === "refused" ? answer.reason : `unexpected ${answer.op}`);
      }
      o.acceptRelayed(framed, answer.seen);
    } catch (error) {
      framed?.close();
      o.log("info", `Could not take a relayed stream from ${o.relay}: ${describe(error)}`);
    }
  }
}

/** The outcome of a dial-back request. */
export type DialBackAnswer =
  | { readonly ok: true; readonly reached: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Asks the node at `helper` to dial this host back at `port` with `nonce`
 * (PROTOCOL.md § Relays, dial-back). The helper's word is only half the
 * answer: a peer counts itself reachable when the probe reaches its own
 * listener.
 */
export async function askDialBack(
  port: Pick<RelayClientPort, "framed" | "dialTimeoutMs">,
  helper: string,
  nonce: string,
  listenPort: number,
): Promise<DialBackAnswer> {
  const framed = await dialFramed(port, helper);
  try {
    framed.write(encodeFrame(encodeRelayFrame({ op: "dial-back", nonce, port: listenPort })));
    // The helper's own dial may take its whole timeout, then it answers.
    const answer = await withDeadline(
      readRelayAnswer(framed),
      2 * port.dialTimeoutMs + 1_000,
      () => {},
      "dial-back",
    );
    if (answer.op === "dial-back-result") return { ok: true, reached: answer.reached };
    if (answer.op === "refused") return { ok: false, reason: answer.reason };
    return { ok: false, reason: `unexpected ${answer.op}` };
  } finally {
    framed.close();
  }
}

async function dialFramed(
  port: Pick<RelayClientPort, "framed" | "dialTimeoutMs">,
  addr: string,
): Promise<FramedConnection> {
  const { hostname, port: tcpPort } = parseAddress(addr);
  const conn = await withDeadline(
    Deno.connect({ hostname, port: tcpPort, transport: "tcp" }),
    port.dialTimeoutMs,
    (late) => late.close(),
  );
  return port.framed(conn);
}
