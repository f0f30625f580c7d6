/**
 * Edits, deletes, mutes and blocks in the terminal: the `/edit`, `/delete`,
 * `/mute`, `/unmute`, `/block` and `/unblock` commands, and how deliveries
 * that amend or lost their text are shown. Scrollback is never rewritten: an
 * edit or delete is a new line naming what changed.
 *
 * @module
 */

import type { PeerService } from "../runtime/peer_service.ts";
import type { LocalPolicyKind } from "../store/peer_store.ts";
import { textProblem } from "../wire/fields.ts";
import type { ChatMessage } from "../wire/message.ts";
import { formatClockTime, sanitizeForTerminal } from "./display.ts";

/** Own messages of this session `/edit N` and `/delete N` can reach (N at most this). */
export const EDITABLE_OWN_MESSAGES_MAX = 100;

/** Texts shown recently, kept to say what an edit or delete changed. */
export const SHOWN_TEXTS_MAX = 1_000;

/** Characters of the old text quoted in an "(edited, was …)" line. */
export const QUOTED_TEXT_CHARS_MAX = 40;

/** Help lines of these commands (part of `/help`). */
export const REDACTION_HELP: readonly string[] = [
  "  /edit [N] TEXT   replace your last message (N: your Nth message back, 1 = last; or #SEQ)",
  "  /delete [N]      delete your last message (or your Nth back, or #SEQ) for everyone",
  "  /mute NICK       hide NICK's messages here (kept across restarts); /unmute NICK; /mute lists",
  "  /block NICK      also stop keeping and passing on NICK's text (by identity); /unblock NICK",
];

/** What the commands need from the terminal around them. */
export interface RedactionContext {
  /** The peer the commands act on. */
  readonly peer: PeerService;
  /** Prints a line above the input. */
  readonly print: (line: string) => void;
  /** Colors an error line. */
  readonly error: (text: string) => string;
  /** Dims a line. */
  readonly dim: (text: string) => string;
  /** A member by nick or id prefix: its id (64 hex digits), else why not. */
  readonly resolvePeer: (name: string) => string;
  /** How a member is named on screen. */
  readonly nameOf: (id: string) => string;
}

/**
 * How one delivery is shown: `label` goes after the author's name (dimmed:
 * " (edited, was "…")", " (deleted)"; empty for a plain message), `text`
 * after the colon, raw (the caller escapes it like any message text).
 */
export interface DeliveryView {
  readonly label: string;
  readonly text: string;
}

/** The terminal's view of edits, deletes, mutes and blocks. */
export class RedactionView {
  readonly #selfId: string;
  /** This session's own plain messages, oldest first, deleted ones removed. */
  readonly #own: number[] = [];
  readonly #shown = new Map<string, { text: string; ts: number }>();

  /** A view for the peer `selfId`. */
  constructor(selfId: string) {
    this.#selfId = selfId;
  }

  /**
   * How to show the delivery of `m`, or `undefined` to show nothing: its
   * author is muted or blocked (`hidden`), or it is an edit that lost its
   * text before it came (superseded, or of a deleted message).
   */
  viewOf(m: ChatMessage, hidden: boolean): DeliveryView | undefined {
    const k = `${m.author}#${m.seq}`;
    if (m.amends === undefined) {
      if (m.author === this.#selfId) {
        this.#own.push(m.seq);
        if (this.#own.length > EDITABLE_OWN_MESSAGES_MAX) this.#own.shift();
      }
      if (hidden) return undefined;
      if (m.redacted === true) return { label: "", text: "(text withheld)" };
      this.#remember(k, m.text, m.ts);
      return { label: "", text: m.text };
    }
    const target = `${m.author}#${m.amends.target}`;
    const before = this.#shown.get(target);
    if (m.amends.kind === "delete") {
      this.#shown.delete(target);
      if (m.author === this.#selfId) {
        const at = this.#own.indexOf(m.amends.target);
        if (at >= 0) this.#own.splice(at, 1);
      }
      if (hidden) return undefined;
      const when = before === undefined ? "" : ` from ${formatClockTime(before.ts)}`;
      return { label: " (deleted)", text: `message #${m.amends.target}${when} deleted` };
    }
    if (hidden || m.redacted === true) return undefined;
    this.#remember(target, m.text, before?.ts ?? m.ts);
    const was = before === undefined ? "" : `, was ${quote(before.text)}`;
    return { label: ` (edited${was})`, text: m.text };
  }

  /** How to show a message whose withheld text arrived late (the text raw, as in `viewOf`). */
  textArrived(m: ChatMessage): DeliveryView {
    this.#remember(`${m.author}#${m.seq}`, m.text, m.ts);
    return { label: " (text arrived)", text: m.text };
  }

  /**
   * The sequence number of this session's own message `back` messages ago
   * (1 = the last), or why there is none.
   */
  ownTarget(back: number): number | string {
    if (this.#own.length === 0) return "You have sent no message in this session to change";
    if (back > this.#own.length) {
      return `You have only ${this.#own.length} message(s) in this session to change`;
    }
    return this.#own[this.#own.length - back]!;
  }

  #remember(k: string, text: string, ts: number): void {
    this.#shown.delete(k);
    this.#shown.set(k, { text, ts });
    if (this.#shown.size > SHOWN_TEXTS_MAX) this.#shown.delete(this.#shown.keys().next().value!);
  }
}

/**
 * The plain-mode line (stdin piped, no `--json`) of a delivery:
 * `nick: text`, `nick (edited #N): text`, `nick (deleted #N)`, or nothing
 * for an edit that lost its text before it came (superseded or ignored).
 */
export function plainDeliveryLine(m: ChatMessage): string | undefined {
  const nick = sanitizeForTerminal(m.nick);
  if (m.amends?.kind === "delete") return `${nick} (deleted #${m.amends.target})`;
  if (m.amends !== undefined) {
    return m.redacted === true
      ? undefined
      : `${nick} (edited #${m.amends.target}): ${sanitizeForTerminal(m.text)}`;
  }
  return `${nick}: ${m.redacted === true ? "(text withheld)" : sanitizeForTerminal(m.text)}`;
}

const PEER_ID = /^[0-9a-f]{64}$/;

function quote(text: string): string {
  const chars = [...text];
  const cut = chars.length > QUOTED_TEXT_CHARS_MAX
    ? `${chars.slice(0, QUOTED_TEXT_CHARS_MAX - 1).join("")}…`
    : text;
  return JSON.stringify(sanitizeForTerminal(cut));
}

/**
 * `/edit [N|#SEQ] TEXT` and `/delete [N|#SEQ]` arguments: N (how many of
 * your messages of this session back, 1 = the last) when the first word is a
 * number and, for an edit, text follows it; `#SEQ` names your message by its
 * sequence number (any of yours, from before a restart too); else the last.
 */
export function parseAmendArgs(
  rest: string,
  withText: boolean,
): { back: number; seq?: number; text: string } {
  const match = /^(#?)(\d{1,15})(?:\s+([\s\S]*))?$/.exec(rest);
  if (match !== null && (!withText || (match[3] ?? "").trim() !== "")) {
    const text = (match[3] ?? "").trim();
    return match[1] === "#"
      ? { back: 1, seq: Number(match[2]), text }
      : { back: Number(match[2]), text };
  }
  return { back: 1, text: rest };
}

/**
 * Runs one of `/edit`, `/delete`, `/mute`, `/unmute`, `/block`, `/unblock`;
 * returns `false` for any other command word.
 */
export function runRedactionCommand(
  word: string,
  rest: string,
  view: RedactionView,
  context: RedactionContext,
): boolean {
  const { peer, print, error, dim } = context;
  const fail = (e: unknown) =>
    print(error(`Not changed: ${sanitizeForTerminal((e as Error).message)}`));
  switch (word) {
    case "/edit":
    case "/delete": {
      const edit = word === "/edit";
      const { back, seq, text } = parseAmendArgs(rest, edit);
      if (edit && text === "") {
        print(error("usage: /edit [N|#SEQ] TEXT (N: your Nth message back, 1 = the last)"));
        return true;
      }
      const problem = edit ? textProblem(text) : undefined;
      if (problem !== undefined) {
        print(error(`Not changed: ${problem}`));
        return true;
      }
      if (back < 1) {
        print(error("Not changed: N counts your messages back from 1 (the last)"));
        return true;
      }
      const target = seq ?? view.ownTarget(back);
      if (typeof target === "string") {
        print(error(target));
        return true;
      }
      try {
        (edit ? peer.edit(target, text) : peer.delete(target)).catch(fail);
      } catch (e) {
        fail(e);
      }
      return true;
    }
    case "/mute":
    case "/unmute":
    case "/block":
    case "/unblock": {
      const kind: LocalPolicyKind = word.endsWith("mute") ? "muted" : "blocked";
      const on = !word.startsWith("/un");
      if (rest === "") {
        const listed = peer.policy()[kind];
        print(
          on
            ? dim(
              `${kind}: ${listed.length === 0 ? "nobody" : listed.map(context.nameOf).join(", ")}`,
            )
            : error(`usage: ${word} NICK`),
        );
        return true;
      }
      const id = resolveListed(rest, peer.policy()[kind], context);
      if (!PEER_ID.test(id)) {
        print(error(id));
        return true;
      }
      try {
        peer.setPolicy(kind, id, on);
      } catch (e) {
        print(error(sanitizeForTerminal((e as Error).message)));
        return true;
      }
      const name = context.nameOf(id);
      const what = !on
        ? `un${kind}: their messages are shown again from now on`
        : kind === "muted"
        ? `muted: their messages are hidden here (${word.replace("/", "/un")} to undo)`
        : `blocked: their messages are hidden, and kept and passed on without text (/unblock to undo)`;
      print(dim(`* ${name} ${what}`));
      return true;
    }
    default:
      return false;
  }
}

/** A member by nick or id prefix, or among the listed ids by prefix (to undo a mute of someone gone). */
function resolveListed(name: string, listed: readonly string[], context: RedactionContext): string {
  const resolved = context.resolvePeer(name);
  if (PEER_ID.test(resolved)) return resolved;
  const lower = name.toLowerCase();
  const matches = listed.filter((id) => id.startsWith(lower));
  return /^[0-9a-f]{4,64}$/.test(lower) && matches.length === 1 ? matches[0]! : resolved;
}
