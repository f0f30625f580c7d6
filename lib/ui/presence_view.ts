/**
 * How the terminal words presence: joins and leaves by name, leave causes
 * in human words, nick changes, the member list (`/who`, `/peers`), the
 * state of this peer's own lines, and losing and regaining the last link.
 * Pure functions of already-chosen display names (see `peer_names.ts`):
 * every name and nick is made terminal-safe here.
 *
 * @module
 */

import type {
  ConnectivityEffect,
  MessageStateEffect,
  ObservedAddressEffect,
  PeerDownCause,
} from "../actor/effect.ts";
import { sanitizeForTerminal } from "./display.ts";
import { directPart, formatAddress, parseDialAddress } from "../wire/address.ts";
import type { ReachabilityEvent } from "../nat/reachability.ts";

/** A member as `/who` lists it. */
export interface WhoEntry {
  /** Its id. */
  readonly id: string;
  /** Its address. */
  readonly addr: string;
  /** Whether this peer holds a link to it. */
  readonly connected: boolean;
  /** How that link's bytes travel, when it is not straight to the peer. */
  readonly path?: "direct" | "relayed" | "punched";
}

/** Human words for each cause of a leave. */
export const LEAVE_WORDS: Readonly<Record<PeerDownCause, string>> = Object.freeze({
  "left": "left",
  "connection-lost": "connection lost",
  "not-answering": "not answering",
  "forgotten": "no longer followed (too many members to follow all)",
});

/** `* bob joined`. */
export function joinLine(name: string): string {
  return `* ${sanitizeForTerminal(name)} joined`;
}

/**
 * `* bob left`, or `* bob: connection lost` / `not answering` / …; a leave
 * without a cause (an older event) shows its free-text reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leaveLine } from "./presence_view.ts";
 *
 * assert.equal(leaveLine("bob", "left", "left"), "* bob left");
 * assert.equal(leaveLine("bob", "not-answering", "suspected for 3000 ms"), "* bob: not answering");
 * ```
 */
export function leaveLine(name: string, cause: PeerDownCause | undefined, reason: string): string {
  const who = sanitizeForTerminal(name);
  if (cause === "left") return `* ${who} left`;
  return `* ${who}: ${cause === undefined ? sanitizeForTerminal(reason) : LEAVE_WORDS[cause]}`;
}

/** `* bob is now robert`. */
export function nickChangeLine(oldName: string, newName: string): string {
  return `* ${sanitizeForTerminal(oldName)} is now ${sanitizeForTerminal(newName)}`;
}

/**
 * The `/who` (and `/peers`) listing: a count, then one member a line,
 * sorted by name, `*` marking a direct link.
 */
export function whoLines(
  peers: readonly WhoEntry[],
  names: ReadonlyMap<string, string>,
): string[] {
  const rows = peers.map((p) => ({ ...p, name: sanitizeForTerminal(names.get(p.id) ?? p.id) }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const width = Math.min(24, Math.max(0, ...rows.map((r) => r.name.length)));
  const head = peers.length === 1
    ? "1 peer here (* = direct link):"
    : `${peers.length} peers here (* = direct link):`;
  return [
    head,
    ...rows.map((r) =>
      `  ${r.connected ? "*" : " "} ${r.name.padEnd(width)}  ${shownAddress(r.addr)}${
        r.path === undefined || r.path === "direct" ? "" : ` (${r.path})`
      }`
    ),
  ];
}

/** An address as `/peers` shows it: a relayed one by its relay, without the 64-digit id. */
function shownAddress(addr: string): string {
  const relay = directPart(addr);
  return relay === addr ? addr : `via relay ${relay}`;
}

/** The mark after one of this peer's own lines: `…` queued, `✓` sent, `✓✓` seen. */
export function messageStateMark(state: MessageStateEffect["state"]): string {
  return state === "queued" ? "…" : state === "sent" ? "✓" : "✓✓";
}

/**
 * Own lines a terminal remembers while they are queued (to say when one
 * goes out); past it the oldest are forgotten.
 */
export const QUEUED_LINES_TRACKED_MAX = 1_000;

/** Characters of a line's text quoted in a status line. */
const QUOTED_TEXT_MAX = 24;

/**
 * A status line for an own line that is no longer the last on screen (so
 * its mark cannot change in place): `✓ sent: "hello th…"`.
 */
export function messageStateLine(state: MessageStateEffect["state"], text: string): string {
  const safe = sanitizeForTerminal(text);
  const quoted = safe.length > QUOTED_TEXT_MAX ? `${safe.slice(0, QUOTED_TEXT_MAX - 1)}…` : safe;
  const word = state === "queued" ? "queued" : state === "sent" ? "sent" : "seen";
  return `  ${messageStateMark(state)} ${word}: "${quoted}"`;
}

/**
 * Losing the last link, and getting one back:
 * `* No link to the room: reconnecting through 1 bootstrap and 3 known peers, next try in 2 s`,
 * `* Connected again (2 links)`.
 */
export function connectivityLine(event: Omit<ConnectivityEffect, "type">): string {
  if (event.state === "linked") {
    return `* Connected again (${plural(event.neighbours, "link")})`;
  }
  const via: string[] = [];
  if (event.bootstraps > 0) via.push(plural(event.bootstraps, "bootstrap"));
  if (event.remembered > 0) via.push(plural(event.remembered, "known peer"));
  const how = via.length === 0
    ? "waiting for a peer to dial in (no bootstrap or known peer left to try)"
    : `reconnecting through ${via.join(" and ")}, next try in ${
      Math.max(1, Math.ceil(event.nextAttemptInMs / 1000))
    } s`;
  return `* No link to the room: ${how}`;
}

/**
 * Where the nodes this peer dialled see it, against what it advertises:
 * `* Others see this peer at 10.0.0.5, the host it advertises`, or, behind
 * a NAT, `* Others see this peer at 203.0.113.7, not at 192.168.1.2:7000
 * (the address it advertises): …`.
 */
export function observedAddressLine(event: Omit<ObservedAddressEffect, "type">): string {
  const by = event.observers === 1 ? "" : ` (${event.observers} nodes agree)`;
  const advertised = parseDialAddress(event.advertised);
  if (advertised.relayFor !== undefined) {
    return `* Others see this peer at ${event.host}${by}; it is dialled through its relay at ` +
      `${formatAddress(advertised)}`;
  }
  if (advertised.hostname === event.host) {
    return `* Others see this peer at ${event.host}, the host it advertises${by}`;
  }
  return `* Others see this peer at ${event.host}${by}, not at ${event.advertised} (the address ` +
    `it advertises): behind a NAT or a firewall, peers may not be able to dial it; it checks ` +
    `by a dial-back and, if so, advertises a relay (see docs/nat.md)`;
}

/**
 * Whether others can dial this peer, as it learnt at start (and when it
 * reserves at a relay): `* Reachable: others can dial this peer at
 * 10.0.0.5:7000 (dial-back by …)`, or behind a NAT `* Not reachable from
 * outside; others reach this peer through relay …`.
 */
export function reachabilityLine(event: Omit<ReachabilityEvent, "type">): string {
  switch (event.state) {
    case "public":
      return `* Reachable: others can dial this peer at ${event.addr} (${event.reason})`;
    case "unknown":
      return `* Reachability unknown (${event.reason}): others may not be able to dial ` +
        `${event.addr}`;
    case "private":
      return event.relay === undefined
        ? `* Not reachable from outside (${event.reason}): it chats over the links it opens`
        : `* Not reachable from outside: others reach this peer through relay ${event.relay}`;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
