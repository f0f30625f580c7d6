/**
 * Hole punching on a relayed stream, before its handshake (PROTOCOL.md §
 * Relays, punching): each end tells the other, through the relay, a local
 * port it will connect from; both then connect at once from that port to the
 * other's address as the relay saw it. Behind routers that keep one public
 * port per local port (endpoint-independent mapping) the two SYNs cross and
 * make one TCP connection (a simultaneous open); behind a symmetric NAT they
 * do not. The dialer says which connection carries the link: the punched
 * one, or the relayed stream as before.
 *
 * @module
 */

import { decodeRelayFrame, encodeRelayFrame, type RelayFrame } from "../nat/relay_frame.ts";
import { parseAddress } from "../wire/address.ts";
import { encodeFrame } from "../wire/frame_codec.ts";
import type { FramedConnection } from "./framed_connection.ts";
import { connectFromPort, type NodeSocketConn } from "./node_socket_conn.ts";

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
): Promise<NodeSocketConn | undefined> {
  const port = ownPort(otherSeen, options);
  relayed.write(encodeFrame(encodeRelayFrame({ op: "punch", port })));
  const theirs = await expect(relayed, "punch");
  let conn: NodeSocketConn | undefined;
  if (port !== 0 && theirs.port !== 0) {
    conn = await attempt(otherSeen!, theirs.port, port, options);
  }
  relayed.write(encodeFrame(encodeRelayFrame({ op: "punch-result", punched: conn !== undefined })));
  await relayed.flushed();
  return conn;
}

/**
 * The acceptor's side, on `relayed` right after the relay's `ok`: the
 * punched connection when the dialer says it carries the link, else undefined.
 */
export async function punchAsAcceptor(
  relayed: FramedConnection,
  otherSeen: string | undefined,
  options: PunchOptions,
): Promise<NodeSocketConn | undefined> {
  const theirs = await expect(relayed, "punch");
  const port = theirs.port === 0 ? 0 : ownPort(otherSeen, options);
  relayed.write(encodeFrame(encodeRelayFrame({ op: "punch", port })));
  const attempted = port === 0 ? undefined : attempt(otherSeen!, theirs.port, port, options);
  const result = await expect(relayed, "punch-result");
  const conn = await attempted;
  if (result.punched && conn !== undefined) return conn;
  conn?.close();
  if (result.punched) throw new Error("the dialer punched through, this side did not");
  return undefined;
}

/** The port this side will connect from: 0 when it will not punch. */
function ownPort(otherSeen: string | undefined, options: PunchOptions): number {
  return options.enabled && otherSeen !== undefined ? options.freePort() : 0;
}

/** One simultaneous-open attempt; undefined when it does not connect in time. */
async function attempt(
  otherSeen: string,
  port: number,
  localPort: number,
  options: PunchOptions,
): Promise<NodeSocketConn | undefined> {
  const { hostname } = parseAddress(otherSeen);
  const deadline = performance.now() + options.timeoutMs;
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
      options.log(`Hole punch to ${hostname}:${port} failed: ${(error as Error).message}`);
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
