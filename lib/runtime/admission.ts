/**
 * Which inbound connections the runtime takes: the accept loop, the caps on
 * connections in all and per remote host, and the back-off when accepting
 * itself fails. Only what others open counts against a host's share: our own
 * dials to many peers behind one address must not lock those peers out.
 *
 * @module
 */

import { describe } from "./live_connection.ts";
import type { Limiter } from "./refusal_counts.ts";

/** The admission limits (defaults are the runtime's). */
export interface AdmissionLimits {
  /** Most connections open at once, both directions; inbound ones past it are refused. */
  readonly connectionsMax: number;
  /** Most inbound connections from one remote host (handshakes included). */
  readonly connectionsPerAddressMax: number;
}

/** What admission needs from the runtime around it. */
export interface AdmissionPorts {
  /** Connections open now (established or in handshake). */
  connectionCount(): number;
  /** True once the runtime stops: the loop ends. */
  stopped(): boolean;
  /** Waits, cut short when the runtime stops. */
  sleep(ms: number): Promise<void>;
  /** A diagnostic line. */
  log(level: "debug" | "info" | "warn", text: string): void;
  /** A connection was refused by `limiter` (to count). Default: nothing. */
  onRefused?(limiter: Limiter): void;
}

/** The shortest and longest wait after a failed accept. */
export const ACCEPT_BACKOFF_MIN_MS = 5;
/** See {@linkcode ACCEPT_BACKOFF_MIN_MS}. */
export const ACCEPT_BACKOFF_MAX_MS = 1_000;

/** Decides which inbound connections are taken, and counts them per host. */
export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #ports: AdmissionPorts;
  /** Open inbound connections (and handshakes) per remote host. */
  readonly #perHost = new Map<string, number>();

  /** Admission under `limits`, asking `ports` about the runtime. */
  constructor(limits: AdmissionLimits, ports: AdmissionPorts) {
    this.#limits = limits;
    this.#ports = ports;
  }

  /** Accepts from `listener` until the runtime stops, handing each admitted socket on. */
  async acceptLoop(listener: Deno.Listener, admitted: (conn: Deno.Conn) => void): Promise<void> {
    const ports = this.#ports;
    let backoffMs = 0;
    while (!ports.stopped()) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
        backoffMs = 0;
      } catch (error) {
        if (ports.stopped() || error instanceof Deno.errors.BadResource) return;
        if (
          error instanceof Deno.errors.NotConnected ||
          error instanceof Deno.errors.ConnectionReset ||
          error instanceof Deno.errors.ConnectionAborted
        ) {
          // That one client hung up before we took it: nothing wrong here, and
          // backing off would let a stream of such clients lock everyone out.
          ports.log("debug", `Accept: a client left first (${describe(error)})`);
          continue;
        }
        // Out of file descriptors, say: retrying at once would spin. Back off.
        backoffMs = Math.min(ACCEPT_BACKOFF_MAX_MS, Math.max(ACCEPT_BACKOFF_MIN_MS, 2 * backoffMs));
        ports.log("warn", `Accept failed: ${describe(error)}; retrying in ${backoffMs} ms`);
        await ports.sleep(backoffMs);
        continue;
      }
      if (ports.stopped()) {
        conn.close();
        return;
      }
      const refusal = this.#refusal(conn);
      if (refusal !== undefined) {
        ports.onRefused?.(refusal.limiter);
        ports.log("warn", refusal.text);
        conn.close();
        continue;
      }
      admitted(conn);
    }
  }

  /** Counts an inbound connection from `host` until the returned release is called. */
  countInbound(host: string): () => void {
    this.#perHost.set(host, (this.#perHost.get(host) ?? 0) + 1);
    return () => {
      const n = (this.#perHost.get(host) ?? 1) - 1;
      if (n > 0) this.#perHost.set(host, n);
      else this.#perHost.delete(host);
    };
  }

  /** Why `conn` is refused (the limit and a log line), or undefined when it is taken. */
  #refusal(conn: Deno.Conn): { limiter: Limiter; text: string } | undefined {
    const { connectionsMax, connectionsPerAddressMax } = this.#limits;
    if (this.#ports.connectionCount() >= connectionsMax) {
      return {
        limiter: "connections",
        text: `Refused a connection: ${connectionsMax} connections open`,
      };
    }
    const host = (conn.remoteAddr as Deno.NetAddr).hostname;
    if ((this.#perHost.get(host) ?? 0) >= connectionsPerAddressMax) {
      return {
        limiter: "connections_per_address",
        text: `Refused a connection from ${host}: ${connectionsPerAddressMax} open from there`,
      };
    }
    return undefined;
  }
}
