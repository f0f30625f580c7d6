/**
 * `host:port` addresses as peers advertise them (hello, peer lists) and as
 * users type them on the command line.
 *
 * Accepted forms: `hostname:port` (RFC 1123 labels), `a.b.c.d:port` (IPv4,
 * no leading zeros) and `[ipv6]:port` (no zone ids); the port is 1–65535
 * without leading zeros. Those are **direct** addresses. An advertised
 * address may also be a **relayed** one, `RELAY/relay/ID`: the peer `ID`
 * (64 lowercase hex digits) is reached through the relay at the direct
 * address `RELAY` (a peer behind a NAT, see PROTOCOL.md § Relays).
 *
 * @module
 */

import { checkStr, type FieldFail, quoteForError } from "./fields.ts";
import type { WireLimits } from "./wire_limits.ts";

/** A parsed address: what `Deno.connect` and `Deno.listen` take. */
export interface Address {
  /** Hostname, IPv4 address, or IPv6 address without brackets. */
  readonly hostname: string;
  /** TCP port, 1–65535. */
  readonly port: number;
}

const HOSTNAME_CHARS_MAX = 253;
const LABEL_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4_PATTERN =
  /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP_PATTERN = /^[0-9A-Fa-f]{1,4}$/;
const PORT_PATTERN = /^[1-9][0-9]{0,4}$/;
const IPV6_CHARS_MAX = 45;

/** An address to dial: a direct one, or a relay and the peer it reaches there. */
export interface DialAddress extends Address {
  /** Set on a relayed address: the peer reached through the relay at `hostname:port`. */
  readonly relayFor?: string;
}

const RELAY_SEPARATOR = "/relay/";
const PEER_ID_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Parse `host:port`, `a.b.c.d:port` or `[ipv6]:port`.
 *
 * @throws {TypeError} with a message saying what is wrong, e.g.
 * "Invalid address 'foo': expected HOST:PORT".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAddress } from "./address.ts";
 *
 * const { hostname, port } = parseAddress("[::1]:7000");
 * assert.ok(hostname === "::1" && port === 7000);
 * ```
 */
export function parseAddress(text: string): Address {
  const result = parse(text);
  if (typeof result === "string") {
    throw new TypeError(`Invalid address ${quoteForError(text)}: ${result}`);
  }
  return result;
}

/**
 * Parse an advertised address: a direct one or `RELAY/relay/ID`.
 *
 * @throws {TypeError} saying what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDialAddress } from "./address.ts";
 *
 * const id = "ab".repeat(32);
 * const { hostname, port, relayFor } = parseDialAddress(`10.0.0.1:7000/relay/${id}`);
 * assert.ok(hostname === "10.0.0.1" && port === 7000 && relayFor === id);
 * ```
 */
export function parseDialAddress(text: string): DialAddress {
  const result = parseDial(text);
  if (typeof result === "string") {
    throw new TypeError(`Invalid address ${quoteForError(text)}: ${result}`);
  }
  return result;
}

/** Why `text` is neither a direct nor a relayed address, or `undefined` if it is one. */
export function dialAddressProblem(text: string): string | undefined {
  const result = parseDial(text);
  return typeof result === "string" ? result : undefined;
}

/**
 * The relayed address of peer `id` through the relay at the direct address
 * `relay`.
 *
 * @throws {TypeError} if `relay` is not a direct address or `id` not a peer id.
 */
export function relayedAddress(relay: string, id: string): string {
  const text = `${relay}${RELAY_SEPARATOR}${id}`;
  const result = parseDial(text);
  if (typeof result === "string" || result.relayFor === undefined) {
    throw new TypeError(`Cannot form a relayed address: ${result}`);
  }
  return text;
}

/** The direct part of an advertised address: itself, or the relay of a relayed one. */
export function directPart(text: string): string {
  const at = text.indexOf(RELAY_SEPARATOR);
  return at < 0 ? text : text.slice(0, at);
}

/**
 * Why `text` is not a valid address, or `undefined` if it is one. Cheaper than
 * catching `parseAddress` when only validity matters (the message codec).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addressProblem } from "./address.ts";
 *
 * assert.equal(addressProblem("example.org:7000"), undefined);
 * assert.equal(addressProblem("example.org"), "expected HOST:PORT");
 * ```
 */
export function addressProblem(text: string): string | undefined {
  const result = parse(text);
  return typeof result === "string" ? result : undefined;
}

/**
 * Format an address as `host:port`, bracketing IPv6 hosts; the inverse of
 * `parseAddress`.
 *
 * @throws {RangeError} if the port is not an integer 1–65535.
 * @throws {TypeError} if the hostname is not a valid hostname, IPv4 or IPv6 address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAddress } from "./address.ts";
 *
 * assert.equal(formatAddress({ hostname: "::1", port: 7000 }), "[::1]:7000");
 * assert.equal(formatAddress({ hostname: "127.0.0.1", port: 7000 }), "127.0.0.1:7000");
 * ```
 */
export function formatAddress(address: Address): string {
  const { hostname, port } = address;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Cannot format address: port ${port} is not from 1 to 65535`);
  }
  const text = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  const result = parse(text);
  if (typeof result === "string") throw new TypeError(`Cannot format address: ${result}`);
  return text;
}

function parseDial(text: string): DialAddress | string {
  const at = text.indexOf(RELAY_SEPARATOR);
  if (at < 0) return parse(text);
  const relay = parse(text.slice(0, at));
  if (typeof relay === "string") return `relay: ${relay}`;
  const id = text.slice(at + RELAY_SEPARATOR.length);
  if (!PEER_ID_PATTERN.test(id)) return "expected RELAY/relay/ID with a 64-digit lowercase hex ID";
  return { ...relay, relayFor: id };
}

function parse(text: string): Address | string {
  let hostname: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") return "expected [IPV6]:PORT";
    hostname = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!isIpv6(hostname)) return `host ${quoteForError(hostname)} is not an IPv6 address`;
  } else {
    const colon = text.lastIndexOf(":");
    if (colon <= 0) return "expected HOST:PORT";
    hostname = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (hostname.includes(":")) return "an IPv6 host needs brackets, as in [::1]:7000";
    if (!isHostnameOrIpv4(hostname)) {
      return `host ${quoteForError(hostname)} is not a valid hostname or IPv4 address`;
    }
  }
  const port = PORT_PATTERN.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) {
    return `port ${quoteForError(portText)} is not a number from 1 to 65535`;
  }
  return { hostname, port };
}

function isIpv4(text: string): boolean {
  const match = IPV4_PATTERN.exec(text);
  if (match === null) return false;
  for (let i = 1; i <= 4; i++) {
    if (Number(match[i]) > 255) return false;
  }
  return true;
}

function isHostnameOrIpv4(text: string): boolean {
  // All digits and dots: only an IPv4 address will do ("1.2.3" and "999.0.0.1" are not hosts).
  if (/^[0-9.]+$/.test(text)) return isIpv4(text);
  if (text.length === 0 || text.length > HOSTNAME_CHARS_MAX) return false;
  for (const label of text.split(".")) {
    if (!LABEL_PATTERN.test(label)) return false;
  }
  return true;
}

function isIpv6(text: string): boolean {
  if (text.length < 2 || text.length > IPV6_CHARS_MAX) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  let groups = 0;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h]!;
    if (half === "") continue;
    const parts = half.split(":");
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      const isLast = h === halves.length - 1 && p === parts.length - 1;
      if (isLast && part.includes(".")) {
        if (!isIpv4(part)) return false;
        groups += 2;
      } else if (HEX_GROUP_PATTERN.test(part)) {
        groups += 1;
      } else {
        return false;
      }
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/**
 * Checks an advertised address: a str of at most `addrBytesMax` bytes that
 * `parseDialAddress` accepts (direct or relayed).
 */
export function checkAddr(
  value: unknown,
  field: string,
  limits: Pick<WireLimits, "addrBytesMax">,
  fail: FieldFail,
): string {
  const addr = checkStr(value, field, limits.addrBytesMax, fail);
  const problem = dialAddressProblem(addr);
  if (problem !== undefined) fail(`${field} ${quoteForError(addr)} is invalid: ${problem}`);
  return addr;
}
