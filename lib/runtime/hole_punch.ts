/**
 * Hole punching on a relayed stream, before its handshake (PROTOCOL.md §
 * Relays, punching): each end tells the other, through the relay, a local
 * port it will connect from; both then connect at once from that port to the
 * other's address as the relay saw it. Behind routers that keep one public
 * port per local port (endpoint-independent mapping) the two SYNs cross and
 * make one TCP connection (a simultaneous open); behind a symmetric NAT they
 * do not.
 *
 * A link starts on the relay: its first stream's dialer offers no port, and
 * the handshake runs relayed at once. Then the link's dialer opens a second
 * stream and offers a port — an upgrade: it ends punched (the handshake runs
 * on the punched connection and the link moves there, keeping the relayed
 * stream as its fallback) or it is closed.
 *
 * @module
 */

import { decodeRelayFrame, encodeRelayFrame, type RelayFrame } from "../nat/relay_frame.ts";
import { parseAddress } from "../wire/address.ts";
import { encodeFrame } from "../wire/frame_codec.ts";
import type { FramedConnection } from "./framed_connection.ts";
import { connectFromPort, type ConnLike } from "./node_socket_conn.ts";

/** How a node punches. */
export interface PunchOptions {
  /** Whether it tries at all (else it says port 0 and the stream stays relayed). */
  readonly enabled: boolean;
  /** How long a simultaneous open may take. Default 4 000 ms (covers two SYN retransmits). */
  readonly timeoutMs: number;
  /** A free local port to connect from (0: none). */
  readonly freePort: () => number;
  /** A diagnostic line. */
  readonly log: (text: string) => void;
  /** How the simultaneous open is made. Default {@linkcode simultaneousOpen}. */
  readonly open?: PunchOpener;
}

/**
 * Opens the punched connection to the other side's `host:port` from
 * `localPort` within `timeoutMs` (undefined when it cannot). Both sides call
 * it at once with each other's ports; both must end up on one connection.
 */
export type PunchOpener = (
  target: { readonly host: string; readonly port: number },
  localPort: number,
  timeoutMs: number,
  log: (text: string) => void,
) => Promise<ConnLike | undefined>;

/** What the acceptor of a relayed stream learned from its punch exchange. */
export interface AcceptorPunch {
  /** The dialer offered a port: the stream is an upgrade of a link the two already have. */
  readonly upgrade: boolean;
  /** The punched connection, when the dialer says the upgrade succeeded. */
  readonly conn?: ConnLike;
}

/** The punch's default time budget. */
export const PUNCH_TIMEOUT_MS = 4_000;

/**
 * The dialer's side, on `relayed` right after the relay's `ok` (which said
 * the acceptor is seen at `otherSeen`): the punched connection, or
 * undefined when the link stays relayed.
 */
export async function punchAsDialer(
  relayed: FramedConnection,
  otherSeen: string | undefined,
  options: PunchOptions,
): Promise<ConnLike | undefined> {
  const port = ownPort(otherSeen, options);
  relayed.write(encodeFrame(encodeRelayFrame({ op: "punch", port })));
  const theirs = await expect(relayed, "punch");
  let conn: ConnLike | undefined;
  if (port !== 0 && theirs.port !== 0) {
    conn = await attempt(otherSeen!, theirs.port, port, options);
  }
  relayed.write(encodeFrame(encodeRelayFrame({ op: "punch-result", punched: conn !== undefined })));
  await relayed.flushed();
  return conn;
}

/**
 * The acceptor's side, on `relayed` right after the relay's `ok`: whether the
 * dialer offered an upgrade, and the punched connection when it says the
 * upgrade succeeded.
 */
export async function punchAsAcceptor(
  relayed: FramedConnection,
  otherSeen: string | undefined,
  options: PunchOptions,
): Promise<AcceptorPunch> {
  const theirs = await expect(relayed, "punch");
  const port = theirs.port === 0 ? 0 : ownPort(otherSeen, options);
  relayed.write(encodeFrame(encodeRelayFrame({ op: "punch", port })));
  const attempted = port === 0 ? undefined : attempt(otherSeen!, theirs.port, port, options);
  const result = await expect(relayed, "punch-result");
  const conn = await attempted;
  const upgrade = theirs.port !== 0;
  if (result.punched && conn !== undefined) return { upgrade, conn };
  conn?.close();
  if (result.punched) throw new Error("the dialer punched through, this side did not");
  return { upgrade };
}

/** The port this side will connect from: 0 when it will not punch. */
function ownPort(otherSeen: string | undefined, options: PunchOptions): number {
  return options.enabled && otherSeen !== undefined ? options.freePort() : 0;
}

/** One punch attempt; undefined when it does not connect in time. */
function attempt(
  otherSeen: string,
  port: number,
  localPort: number,
  options: PunchOptions,
): Promise<ConnLike | undefined> {
  const { hostname } = parseAddress(otherSeen);
  const open = options.open ?? simultaneousOpen;
  return open({ host: hostname, port }, localPort, options.timeoutMs, options.log);
}

/**
 * A TCP simultaneous open: connects from `localPort` to the other side, which
 * connects from its port to this one at the same time; a refusal means its
 * SYN has not left yet (through NATs, a refusal never comes back), so it
 * tries again every 100 ms until `timeoutMs`.
 */
export async function simultaneousOpen(
  target: { readonly host: string; readonly port: number },
  localPort: number,
  timeoutMs: number,
  log: (text: string) => void,
): Promise<ConnLike | undefined> {
  const { host: hostname, port } = target;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = deadline - performance.now();
    try {
      return await connectFromPort(hostname, port, localPort, Math.max(1, left));
    } catch (error) {
      // Refused: the other side's SYN has not left yet (nothing drops ours on the way): again.
      if (left > RETRY_MS && (error as { code?: string }).code === "ECONNREFUSED") {
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      log(`Hole punch to ${hostname}:${port} failed: ${(error as Error).message}`);
      return undefined;
    }
  }
}

/** Pause before connecting again after a refusal. */
const RETRY_MS = 100;

async function expect<Op extends RelayFrame["op"]>(
  relayed: FramedConnection,
  op: Op,
): Promise<Extract<RelayFrame, { op: Op }>> {
  const bytes = await relayed.readFrame();
  if (bytes === undefined) throw new Error(`relayed stream closed before ${op}`);
  const frame = decodeRelayFrame(bytes);
  if (frame.op !== op) throw new Error(`expected ${op} on the relayed stream, got ${frame.op}`);
  return frame as Extract<RelayFrame, { op: Op }>;
}

/** A local port free now (the kernel's choice), for the next punch. */
export function freeLocalPort(): number {
  const listener = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
