/**
 * The nicks a front end has seen in chat, by author: what `direct` by nick
 * and the nicks of `peers` lines fall back on when a member's record names
 * none.
 *
 * @module
 */

import type { PeerEvent } from "../runtime/peer_event.ts";
import type { PeerService } from "../runtime/peer_service.ts";
import type { NamedPeer } from "./peer_names.ts";

/** Authors whose nick (seen in chat) the JSON front end keeps for `direct` and `peers`. */
export const SEEN_NICKS_MAX = 4_096;

/**
 * Remembers the nick an event shows for its author (deliveries, direct
 * messages, and peer-up lines that name one), so that `direct` can be
 * addressed by nick and `peers` lines carry nicks. At most
 * {@linkcode SEEN_NICKS_MAX} authors, the least recently seen forgotten first.
 */
export function rememberNick(nicks: Map<string, string>, event: PeerEvent): void {
  let id: string | undefined;
  let nick: string | undefined;
  if (event.type === "deliver") [id, nick] = [event.message.author, event.message.nick];
  else if (event.type === "direct-message") [id, nick] = [event.from, event.nick];
  else if (event.type === "peer-up") {
    const named = (event as { nick?: unknown }).nick;
    if (typeof named === "string") [id, nick] = [event.id, named];
  }
  if (id === undefined || nick === undefined) return;
  nicks.delete(id);
  nicks.set(id, nick);
  if (nicks.size > SEEN_NICKS_MAX) nicks.delete(nicks.keys().next().value!);
}

/** The members a name may stand for: the live peers, and authors seen in chat. */
export function namedPeers(peer: PeerService, nicks: ReadonlyMap<string, string>): NamedPeer[] {
  const named: NamedPeer[] = [...nicks].map(([id, nick]) => ({ id, nick }));
  for (const summary of peer.peers()) named.push({ id: summary.id, nick: nickOf(summary, nicks) });
  return named;
}

/** A peer's nick: the one its summary carries, else the one seen in chat. */
export function nickOf(
  summary: { id: string },
  nicks: ReadonlyMap<string, string>,
): string | undefined {
  const own = (summary as { nick?: unknown }).nick;
  return typeof own === "string" ? own : nicks.get(summary.id);
}
