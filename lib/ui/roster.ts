/**
 * The names a front end knows peers by: the live members' nicks from their
 * signed records (the node's member table), and, for authors who are no
 * longer (or not yet) members, the nick they signed their last message
 * with. Display names and name resolution follow `peer_names.ts`.
 *
 * @module
 */

import { displayNames, type NamedPeer, resolvePeerName } from "./peer_names.ts";
import type { PeerNameResolution } from "./peer_names.ts";

/** Authors remembered by the nick of their messages; past it the oldest go. */
export const ROSTER_HEARD_MAX = 10_000;

/** Live members and authors heard from, by name. */
export class Roster {
  readonly #members: () => readonly NamedPeer[];
  /** Nicks heard in messages, oldest first. */
  readonly #heard = new Map<string, string>();

  /** A roster over the live members `members()` returns (called at each lookup). */
  constructor(members: () => readonly NamedPeer[]) {
    this.#members = members;
  }

  /** `id` used `nick` (in a message, or as a member that is gone now). */
  heard(id: string, nick: string | undefined): void {
    if (nick === undefined) return;
    this.#heard.delete(id);
    this.#heard.set(id, nick);
    if (this.#heard.size > ROSTER_HEARD_MAX) this.#heard.delete(this.#heard.keys().next().value!);
  }

  /** Everyone with a name: authors heard from, then live members (whose records win). */
  everyone(): NamedPeer[] {
    const all: NamedPeer[] = [];
    for (const [id, nick] of this.#heard) all.push({ id, nick });
    for (const m of this.#members()) {
      all.push(m.nick === undefined ? { id: m.id, nick: this.#heard.get(m.id) } : m);
    }
    return all;
  }

  /** Display names of everyone (see `displayNames`). */
  names(): Map<string, string> {
    return displayNames(this.everyone());
  }

  /** The display name of `id` (its fingerprint when it has none). */
  nameOf(id: string): string {
    return this.names().get(id) ?? id.slice(0, 8);
  }

  /** Who `name` stands for (see `resolvePeerName`). */
  resolve(name: string): PeerNameResolution {
    return resolvePeerName(name, this.everyone());
  }
}
