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

/**
 * Listens on `listen` and returns the listener with the address to advertise:
 * `advertise` when given, else the bound address, with a wildcard host
 * replaced by this machine's first non-loopback IPv4 address.
 */
export function listenTcp(
  listen: string,
  advertise?: string,
): { listener: Deno.Listener; addr: string } {
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
  if (advertise !== undefined) return { listener, addr: formatAddress(parseAddress(advertise)) };
  const host = bound.hostname === "0.0.0.0" || bound.hostname === "::"
    ? reachableHost()
    : bound.hostname;
  return { listener, addr: formatAddress({ hostname: host, port: bound.port }) };
}

function reachableHost(): string {
  try {
    for (const iface of Deno.networkInterfaces()) {
      if (iface.family === "IPv4" && !iface.address.startsWith("127.")) return iface.address;
    }
  } catch {
    // No --allow-sys: fall back to loopback; --advertise fixes it.
  }
  return "127.0.0.1";
}
