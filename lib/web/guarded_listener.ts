/**
 * The listener of a token-guarded page (`peer --web`, `sim:view`): binds,
 * then learns which `Host` values name it. Until the port is known no Host
 * matches, so nothing is served before the DNS-rebinding check can run.
 *
 * @module
 */

import { loopbackHosts, refusal } from "./web_security.ts";

/** Where to listen, and whether any `Host` is accepted. */
export interface GuardedListenOptions {
  /** Address to bind. Default 127.0.0.1. */
  hostname?: string;
  /** Port; 0 (the default) for a free one. */
  port?: number;
  /** Accept any `Host` (a non-loopback bind, where the token alone protects). Default false. */
  anyHost?: boolean;
}

/** A bound guarded listener. */
export interface GuardedListener {
  /** The URL to open, with `token` in it. */
  readonly url: string;
  /** Stops listening. */
  shutdown(): Promise<void>;
}

/**
 * Serves `handle`, which gets each request with the `Host` values allowed
 * (`undefined`: any), and returns the page URL with `token`.
 */
export async function listenGuarded(
  options: GuardedListenOptions,
  token: string,
  handle: (
    request: Request,
    hosts: ReadonlySet<string> | undefined,
  ) => Response | Promise<Response>,
): Promise<GuardedListener> {
  const hostname = options.hostname ?? "127.0.0.1";
  let hosts: ReadonlySet<string> | undefined = new Set<string>();
  const ready = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    {
      hostname,
      port: options.port ?? 0,
      onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
      onError: () => refusal(500, "Internal Server Error"),
    },
    (request) => handle(request, hosts),
  );
  const addr = await ready.promise;
  hosts = options.anyHost ? undefined : loopbackHosts(hostname, addr.port);
  const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
  return { url: `http://${shown}:${addr.port}/?token=${token}`, shutdown: () => server.shutdown() };
}
