/**
 * Names of peers as a person reads and types them: the nick when it is
 * unique, `nick#3a09` (the nick and a short id prefix) when several members
 * share it, the id's fingerprint when no nick is known. Both front ends
 * resolve what a person typed (`/msg bob`, `{"type":"direct","to":"bob#3a09"}`)
 * with {@linkcode resolvePeerName}.
 *
 * @module
 */

/** A member as far as naming goes: its id, and its nick once known. */
export interface NamedPeer {
  /** Its id (64 hex digits). */
  readonly id: string;
  /** Its nick, once known. */
  readonly nick?: string | undefined;
}

/** Hex digits of the id after `#` that tell two members of one nick apart, at least. */
export const NAME_SUFFIX_DIGITS_MIN = 4;

/** Shortest id prefix accepted on its own as a name (fewer would match by accident). */
export const ID_PREFIX_DIGITS_MIN = 4;

/** Hex digits of the id shown for a member whose nick is unknown. */
const FINGERPRINT_DIGITS = 8;

/**
 * The display name of every member in `members`: its nick, with `#` and the
 * shortest id prefix (at least {@linkcode NAME_SUFFIX_DIGITS_MIN} digits)
 * that sets it apart from the others of the same nick; its id's first 8
 * digits when it has no nick. A member listed twice counts once (the last
 * entry wins).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayNames } from "./peer_names.ts";
 *
 * const names = displayNames([
 *   { id: "3a09".padEnd(64, "0"), nick: "bob" },
 *   { id: "7c11".padEnd(64, "0"), nick: "bob" },
 *   { id: "9e00".padEnd(64, "0"), nick: "ann" },
 * ]);
 * assert.deepEqual([...names.values()], ["bob#3a09", "bob#7c11", "ann"]);
 * ```
 */
export function displayNames(members: readonly NamedPeer[]): Map<string, string> {
  const byId = new Map<string, string | undefined>();
  for (const m of members) byId.set(m.id, m.nick);
  const byNick = new Map<string, string[]>();
  for (const [id, nick] of byId) {
    if (nick === undefined) continue;
    const ids = byNick.get(nick);
    if (ids === undefined) byNick.set(nick, [id]);
    else ids.push(id);
  }
  const names = new Map<string, string>();
  for (const [id, nick] of byId) {
    if (nick === undefined) {
      names.set(id, id.slice(0, FINGERPRINT_DIGITS));
      continue;
    }
    const namesakes = byNick.get(nick)!;
    names.set(id, namesakes.length === 1 ? nick : `${nick}#${distinctPrefix(id, namesakes)}`);
  }
  return names;
}

/** The shortest prefix of `id`, at least the minimum, that no other of `ids` starts with. */
function distinctPrefix(id: string, ids: readonly string[]): string {
  let digits = NAME_SUFFIX_DIGITS_MIN;
  while (
    digits < id.length && ids.some((other) => other !== id && other.startsWith(id.slice(0, digits)))
  ) {
    digits++;
  }
  return id.slice(0, digits);
}

/** What {@linkcode resolvePeerName} found: the member's id, or why none. */
export type PeerNameResolution =
  | { readonly id: string; readonly error?: undefined }
  | { readonly id?: undefined; readonly error: string };

/**
 * The member `name` stands for, among `members`: a display name
 * (`bob`, `bob#3a09`), a nick that exactly one member has, `nick#prefix`
 * with any id prefix that picks one of that nick's members, or an id prefix
 * of at least {@linkcode ID_PREFIX_DIGITS_MIN} hex digits (any case) that
 * fits exactly one member. Otherwise a one-line reason for a person (no
 * such peer, several of that nick, an ambiguous prefix). Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePeerName } from "./peer_names.ts";
 *
 * const bob1 = "3a09".padEnd(64, "0");
 * const bob2 = "7c11".padEnd(64, "0");
 * const members = [{ id: bob1, nick: "bob" }, { id: bob2, nick: "bob" }];
 * assert.deepEqual(resolvePeerName("bob#3a", members), { id: bob1 });
 * assert.deepEqual(resolvePeerName("7C11", members), { id: bob2 });
 * assert.match(resolvePeerName("bob", members).error ?? "", /Several peers are called bob/);
 * ```
 */
export function resolvePeerName(name: string, members: readonly NamedPeer[]): PeerNameResolution {
  const shown = quote(name);
  if (name === "") return { error: "No peer named: give a nick or an id prefix" };
  const names = displayNames(members);
  for (const [id, display] of names) {
    if (display === name) return { id };
  }
  const byNick = [...new Set(members.filter((m) => m.nick === name).map((m) => m.id))];
  if (byNick.length === 1) return { id: byNick[0]! };
  if (byNick.length > 1) {
    const options = byNick.map((id) => names.get(id)).join(", ");
    return { error: `Several peers are called ${shown}: say which (${options})` };
  }
  const hash = name.lastIndexOf("#");
  if (hash > 0) {
    const nick = name.slice(0, hash);
    const prefix = name.slice(hash + 1).toLowerCase();
    if (/^[0-9a-f]+$/.test(prefix)) {
      const fits = [
        ...new Set(
          members.filter((m) => m.nick === nick && m.id.startsWith(prefix)).map((m) => m.id),
        ),
      ];
      if (fits.length === 1) return { id: fits[0]! };
      if (fits.length > 1) {
        return { error: `The name ${shown} fits several peers: give more of the id` };
      }
    }
  }
  const lower = name.toLowerCase();
  if (new RegExp(`^[0-9a-f]{${ID_PREFIX_DIGITS_MIN},64}$`).test(lower)) {
    const fits = [...new Set(members.filter((m) => m.id.startsWith(lower)).map((m) => m.id))];
    if (fits.length === 1) return { id: fits[0]! };
    if (fits.length > 1) {
      return { error: `The prefix ${shown} fits several peers: give more of the id` };
    }
  }
  return { error: `No peer known as ${shown}` };
}

/** `name` for an error line: control characters made visible, at most 40 characters. */
function quote(name: string): string {
  // deno-lint-ignore no-control-regex
  const safe = name.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, "\ufffd");
  return safe.length > 40 ? `${safe.slice(0, 39)}…` : safe;
}
