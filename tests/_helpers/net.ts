/**
 * Helpers for tests over real loopback sockets: connected TCP pairs, a port
 * nobody listens on, reading to the end of a stream, and polling a condition
 * with a generous deadline (tests never assert on timing).
 *
 * @module
 */

/** A connected loopback TCP pair; the listener used to make it is already closed. */
export interface TcpPair {
  /** The side that dialed. */
  readonly client: Deno.TcpConn;
  /** The side that accepted. */
  readonly server: Deno.TcpConn;
}

/** Opens a connected TCP pair on 127.0.0.1. */
export async function tcpPair(): Promise<TcpPair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  try {
    const [client, server] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port, transport: "tcp" }),
      listener.accept(),
    ]);
    return { client, server };
  } finally {
    listener.close();
  }
}

/** Opens a loopback listener on a free port. */
export function listenLoopback(): Deno.TcpListener {
  return Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
}

/** `host:port` of a listener. */
export function addrOf(listener: Deno.Listener): string {
  const addr = listener.addr as Deno.NetAddr;
  return `${addr.hostname}:${addr.port}`;
}

/** A loopback port that was free a moment ago and has no listener now (dials are refused). */
export function closedPort(): number {
  const listener = listenLoopback();
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Connects to `port` on 127.0.0.1. */
export function connectLoopback(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port, transport: "tcp" });
}

/** Closes a connection, ignoring "already closed". */
export function closeQuietly(closer: { close(): void }): void {
  try {
    closer.close();
  } catch {
    // Already closed.
  }
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How a stream ended when read to its end. */
export interface StreamEnd {
  /** Every byte read before the end. */
  readonly bytes: Uint8Array;
  /** `"eof"` for a clean end, `"error"` when the read failed (e.g. a reset). */
  readonly end: "eof" | "error";
}

/** Reads `conn` until the remote closes it (or the read fails); does not close `conn`. */
export async function readToEnd(conn: Deno.Conn): Promise<StreamEnd> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      return { bytes: join(chunks, total), end: "error" };
    }
    if (n === null) return { bytes: join(chunks, total), end: "eof" };
    chunks.push(buffer.slice(0, n));
    total += n;
  }
}

/** Writes all of `bytes`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function join(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Options of {@linkcode waitFor}. */
export interface WaitForOptions {
  /** Give up after this long. Default 30 000 ms: generous, so slow machines do not fail. */
  timeoutMs?: number;
  /** Pause between checks. Default 20 ms. */
  intervalMs?: number;
}

/**
 * Polls `condition` until it holds; throws naming `what` (and the last
 * `detail`, if given) when the deadline passes.
 */
export async function waitFor(
  what: string,
  condition: () => boolean,
  options: WaitForOptions & { detail?: () => string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      const detail = options.detail === undefined ? "" : `; ${options.detail()}`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await delay(intervalMs);
  }
}
