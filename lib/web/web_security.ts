/**
 * The checks every request to the web front end passes before it is served:
 * the per-run token, the `Host` header (no DNS rebinding) and, for WebSocket
 * upgrades and anything but GET/HEAD, the `Origin` header (no cross-site
 * requests). Pure: a `Request` in, a refusal `Response` or `undefined` out.
 *
 * @module
 */

import { tokenMatches } from "./web_token.ts";

/** The cookie the page's token is kept in after the first visit. */
export const TOKEN_COOKIE = "p2pchat_token";

/** The request header scripts may carry the token in instead of the cookie. */
export const TOKEN_HEADER = "x-p2pchat-token";

/** The Content-Security-Policy of every answer: nothing from elsewhere, no inline code. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Headers on every answer, refusals included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/** What the checks compare a request with. */
export interface WebGuard {
  /** The run's token. */
  readonly token: string;
  /**
   * The `Host` values accepted (`127.0.0.1:PORT`, `localhost:PORT`), or
   * `undefined` for any (a public bind, where the token alone protects).
   */
  readonly hosts: ReadonlySet<string> | undefined;
}

/** The `Host` values a loopback listener answers to. */
export function loopbackHosts(hostname: string, port: number): Set<string> {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return new Set([`${host}:${port}`, `localhost:${port}`]);
}

/** A plain-text refusal with the security headers. */
export function refusal(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" },
  });
}

/** The token a request carries: `?token=`, then the header, then the cookie. */
export function tokenOf(request: Request): string | undefined {
  const query = new URL(request.url).searchParams.get("token");
  if (query !== null) return query;
  const header = request.headers.get(TOKEN_HEADER);
  if (header !== null) return header;
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === TOKEN_COOKIE) return value.join("=");
  }
  return undefined;
}

/**
 * Why `request` must not be served, as the `Response` to send, or
 * `undefined` when it passes: 403 for a foreign `Host` or `Origin`, 401
 * without a token, 403 with a wrong one.
 */
export function checkRequest(request: Request, guard: WebGuard): Response | undefined {
  const host = request.headers.get("host") ?? "";
  if (guard.hosts !== undefined && !guard.hosts.has(host.toLowerCase())) {
    return refusal(403, "Forbidden: unknown Host (DNS rebinding?)");
  }
  const upgrade = (request.headers.get("upgrade") ?? "").toLowerCase() === "websocket";
  const safeMethod = request.method === "GET" || request.method === "HEAD";
  if (upgrade || !safeMethod) {
    const origin = request.headers.get("origin");
    if (origin !== `http://${host}`) return refusal(403, "Forbidden: foreign or missing Origin");
  }
  const token = tokenOf(request);
  if (token === undefined) return refusal(401, "Unauthorized: open the URL p2pchat printed");
  if (!tokenMatches(token, guard.token)) return refusal(403, "Forbidden: wrong token");
  return undefined;
}
