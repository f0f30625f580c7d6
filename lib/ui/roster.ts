/**
 * The names a front end knows peers by: the live members' nicks from their
 * signed records (the node's member table), and, for authors who are no
 * longer (or not yet) members, the nick they signed their last message
 * with. Display names and name resolution follow `peer_names.ts`.
 *
 * @module
 */

import type { PeerEvent } from "../runtime/peer_event.ts";
import { displayNames, type NamedPeer, resolvePeerName } from "./peer_names.ts";
import type { PeerNameResolution } from "./peer_names.ts";

/** Authors remembered by the nick of their messages; past it the oldest go. */
export const ROSTER_HEARD_MAX = 10_000;

/** Live members and authors heard from, by name. */
export class Roster {
  readonly #members: () => readonly NamedPeer[];
  /** Nicks heard in messages, oldest first. */
  readonly #heard = new Map<string, string>();
  /** Display names as last computed; dropped whenever a name may have changed. */
  #names: Map<string, string> | undefined;

  /** A roster over the live members `members()` returns (called at each lookup). */
  constructor(members: () => readonly NamedPeer[]) {
    this.#members = members;
  }

  /** `id` used `nick` (in a message, or as a member that is gone now). */
  heard(id: string, nick: string | undefined): void {
    if (nick === undefined) return;
    if (this.#heard.get(id) !== nick) this.#names = undefined;
    this.#heard.delete(id);
    this.#heard.set(id, nick);
    if (this.#heard.size > ROSTER_HEARD_MAX) this.#heard.delete(this.#heard.keys().next().value!);
  }

  /**
   * Remembers the nick an event shows for a peer: a delivery's author, a
   * direct message's sender, a member that joined or left under a nick.
   */
  heardEvent(event: PeerEvent): void {
    if (event.type === "deliver") this.heard(event.message.author, event.message.nick);
    else if (event.type === "direct-message") this.heard(event.from, event.nick);
    else if (event.type === "peer-up" || event.type === "peer-down") {
      this.heard(event.id, event.nick);
    }
  }

  /** The nick of `id`: its member record's, else the one it last used in a message. */
  nickOf(id: string): string | undefined {
    return this.#members().find((m) => m.id === id)?.nick ?? this.#heard.get(id);
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

  /**
   * The live members changed (a join, a leave, a rename): names are worked
   * out again at the next lookup.
   */
  membersChanged(): void {
    this.#names = undefined;
  }

  /** Display names of everyone (see `displayNames`); kept until something changes. */
  names(): Map<string, string> {
    this.#names ??= displayNames(this.everyone());
    return this.#names;
  }

  /**
   * How to show `nick` as written by `id` (a message's nick): with the id
   * suffix its display name has when others share that nick, else as is.
   */
  authorName(id: string, nick: string): string {
    const name = this.names().get(id);
    return name !== undefined && name.startsWith(`${nick}#`) ? name : nick;
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
