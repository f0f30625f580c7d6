/**
 * The JSON-lines side of edits, deletes, mutes and blocks (README.md § JSON
 * lines): the stdin commands `edit`, `delete`, `mute`, `unmute`, `block`,
 * `unblock` and `policy`, and the fields a `message` line carries for an
 * amendment or a redacted message.
 *
 * @module
 */

import type { PeerService } from "../runtime/peer_service.ts";
import type { LocalPolicyKind } from "../store/peer_store.ts";
import { isPeerId, textProblem } from "../wire/fields.ts";
import type { ChatMessage } from "../wire/message.ts";

/** A stdin command about edits, deletes, mutes and blocks. */
export type RedactionCommand =
  | { readonly type: "edit"; readonly seq: number; readonly text: string }
  | { readonly type: "delete"; readonly seq: number }
  | {
    readonly type: "mute" | "unmute" | "block" | "unblock";
    readonly id: string;
  }
  | { readonly type: "policy" };

/** The command types this file parses. */
export const REDACTION_COMMAND_TYPES: readonly string[] = [
  "edit",
  "delete",
  "mute",
  "unmute",
  "block",
  "unblock",
  "policy",
];

function checkSeq(value: unknown, type: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`Invalid ${type}: seq must be a positive integer (one of your messages)`);
  }
  return value;
}

/**
 * Parses a command whose `type` is one of {@linkcode REDACTION_COMMAND_TYPES},
 * or returns `undefined` for any other type.
 *
 * @throws {TypeError} with a message fit for an `error` line.
 */
export function parseRedactionCommand(
  command: Record<string, unknown>,
): RedactionCommand | undefined {
  switch (command.type) {
    case "edit": {
      const seq = checkSeq(command.seq, "edit");
      if (typeof command.text !== "string") {
        throw new TypeError("Invalid edit: text must be a string");
      }
      const problem = textProblem(command.text);
      if (problem !== undefined) throw new TypeError(`Invalid edit: ${problem}`);
      if (command.text.trim() === "") {
        throw new TypeError("Invalid edit: text is empty (use delete to remove a message)");
      }
      return { type: "edit", seq, text: command.text };
    }
    case "delete":
      return { type: "delete", seq: checkSeq(command.seq, "delete") };
    case "mute":
    case "unmute":
    case "block":
    case "unblock":
      if (typeof command.id !== "string" || !isPeerId(command.id)) {
        throw new TypeError(
          `Invalid ${command.type}: id must be a peer id (64 lowercase hex digits)`,
        );
      }
      return { type: command.type, id: command.id };
    case "policy":
      return { type: "policy" };
    default:
      return undefined;
  }
}

/** The `policy` line: the members muted and blocked here. */
export function policyLine(peer: PeerService): Record<string, unknown> {
  const { muted, blocked } = peer.policy();
  return { type: "policy", muted, blocked };
}

/** How {@linkcode runRedactionJsonCommand} answers (the command's `ref` is added by the caller). */
export interface RedactionAnswers {
  /** Prints one answer line. */
  answer(line: Record<string, unknown>): void;
  /** Prints an `error` line for a refusal. */
  fail(error: unknown): void;
}

/**
 * Carries out one command. Edits and deletes are not awaited (they queue
 * behind sends, which may wait for the own-sequence sync): each is answered
 * by a `sent` line naming the amendment's own `seq`, or by an `error` line.
 * Mutes and blocks are answered by the `policy` line.
 */
export function runRedactionJsonCommand(
  command: RedactionCommand,
  peer: PeerService,
  { answer, fail }: RedactionAnswers,
): void {
  const sent = (message: ChatMessage) =>
    answer({
      type: "sent",
      command: command.type,
      author: message.author,
      seq: message.seq,
      ts: message.ts,
      target: message.amends?.target,
    });
  switch (command.type) {
    case "edit":
      peer.edit(command.seq, command.text).then(sent, fail);
      return;
    case "delete":
      peer.delete(command.seq).then(sent, fail);
      return;
    case "policy":
      answer(policyLine(peer));
      return;
    default: {
      const kind: LocalPolicyKind = command.type.endsWith("mute") ? "muted" : "blocked";
      peer.setPolicy(kind, command.id, !command.type.startsWith("un"));
      answer(policyLine(peer));
    }
  }
}

/** The extra fields of a `message` line (see {@linkcode amendmentJson}), as an object. */
export function amendmentFields(message: ChatMessage): Record<string, number | boolean> {
  const fields: Record<string, number | boolean> = {};
  if (message.amends !== undefined) fields[message.amends.kind] = message.amends.target;
  if (message.redacted === true) fields.redacted = true;
  return fields;
}

/**
 * The extra fields of a `message` line, as JSON text to append inside the
 * object (empty for a plain message): `"edit":N` or `"delete":N` for an
 * amendment of the author's message N, `"redacted":true` for a message that
 * came (or is kept) without its text.
 */
export function amendmentJson(message: ChatMessage): string {
  let extra = "";
  if (message.amends !== undefined) extra += `,"${message.amends.kind}":${message.amends.target}`;
  if (message.redacted === true) extra += `,"redacted":true`;
  return extra;
}
