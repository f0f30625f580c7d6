/**
 * Opening the listening socket and working out the address to advertise.
 *
 * @module
 */

import { formatAddress, parseAddress } from "../wire/address.ts";

/** A listen address: like an advertised one, but port 0 (pick a free port) is allowed. */
export function parseListenAddress(text: string): { hostname: string; port: number } {
  const zero = /^(.*):0$/.exec(text);
  if (zero !== null) return { hostname: parseAddress(`${zero[1]}:1`).hostname, port: 0 };
  return parseAddress(text);
}

/** Thrown when the socket cannot be opened; its message is fit for a one-line CLI error. */
export class ListenError extends Error {
  /** Always `"ListenError"`. */
  override name = "ListenError";
}

/** Options of {@linkcode listenTcp}. */
export interface ListenOptions {
  /** The address others should dial, if not the listen address. */
  advertise?: string | undefined;
  /**
   * Where this node will connect first (bootstraps, join points). With a
   * wildcard listen address and no `advertise`, the advertised host is the
   * local address of a connection to the first of them that answers: the
   * interface on the route to the network, which on a host with several
   * (a VPN, a container bridge) is the one the others can reach.
   */
  routeTargets?: readonly string[];
}

/**
 * Listens on `listen` and returns the listener with the address to advertise:
 * `advertise` when given, else the bound address, with a wildcard host
 * replaced by the local address on the route to the first reachable route
 * target, else by this machine's first non-loopback IPv4 address.
 */
export async function listenTcp(
  listen: string,
  options: ListenOptions = {},
): Promise<{ listener: Deno.Listener; addr: string }> {
  const { hostname, port } = parseListenAddress(listen);
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port, transport: "tcp" });
  } catch (error) {
    const why = error instanceof Deno.errors.AddrInUse
      ? "address in use"
      : error instanceof Deno.errors.AddrNotAvailable
      ? "address not available on this machine"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ListenError(`Cannot listen on ${listen}: ${why}`);
  }
  const bound = listener.addr;
  if (options.advertise !== undefined) {
    return { listener, addr: formatAddress(parseAddress(options.advertise)) };
  }
  const wildcard = bound.hostname === "0.0.0.0" || bound.hostname === "::";
  const host = wildcard
    ? (await routeHost(options.routeTargets ?? [])) ?? firstInterfaceHost()
    : bound.hostname;
  return { listener, addr: formatAddress({ hostname: host, port: bound.port }) };
}

/** The local address of a short connection to the first target that answers within a second. */
async function routeHost(targets: readonly string[]): Promise<string | undefined> {
  for (const target of targets) {
    let address;
    try {
      address = parseAddress(target);
    } catch {
      continue;
    }
    const attempt = Deno.connect({ hostname: address.hostname, port: address.port });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((
      resolve,
    ) => (timer = setTimeout(() => resolve(undefined), 1_000)));
    try {
      const conn = await Promise.race([attempt, timeout]);
      if (conn === undefined) {
        attempt.then((late) => late.close(), () => {});
        continue;
      }
      const local = (conn.localAddr as Deno.NetAddr).hostname;
      conn.close();
      if (local !== "0.0.0.0" && local !== "::") return local;
    } catch {
      // Not reachable: try the next.
    } finally {
      clearTimeout(timer);
    }
  }
  return undefined;
}

function firstInterfaceHost(): string {
  try {
    for (const iface of Deno.networkInterfaces()) {
      if (iface.family === "IPv4" && !iface.address.startsWith("127.")) return iface.address;
    }
  } catch {
    // No --allow-sys: fall back to loopback; --advertise fixes it.
  }
  return "127.0.0.1";
}
