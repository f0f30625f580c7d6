/**
 * The JSON-lines front end: one JSON object per line on stdout for every
 * event, one command per line on stdin. Scripts and test harnesses drive
 * p2pchat through it; README.md documents every line type, and
 * `schema/json-lines.schema.json` (JSON Schema) every line in both directions.
 *
 * @module
 */

import { clockToObject } from "../causal/vector_clock.ts";
import type { BootstrapService } from "../runtime/bootstrap_service.ts";
import type { PeerEvent } from "../runtime/peer_event.ts";
import type { PeerService } from "../runtime/peer_service.ts";
import type { ChatMessage } from "../wire/message.ts";
import { isPeerId, nickProblem, textProblem } from "../wire/fields.ts";
import type { LineWriter } from "./line_writer.ts";
import { Roster } from "./roster.ts";
import {
  amendmentFields,
  amendmentJson,
  parseRedactionCommand,
  REDACTION_COMMAND_TYPES,
  type RedactionCommand,
  runRedactionJsonCommand,
} from "./redaction_json.ts";
import type { HistorySource } from "../store/stored_history.ts";
import {
  answerHistoryCommand,
  type JsonHistoryCommand,
  parseHistoryCommand,
} from "./json_history.ts";

/** Longest stdin command line accepted. */
export const COMMAND_LINE_BYTES_MAX = 64 * 1024;

/**
 * Longest `to` of a `direct` command, in characters: a nick (at most 32
 * bytes, so 32 characters), `#` and a whole id — the longest name that can
 * mean a peer.
 */
export const DIRECT_TO_CHARS_MAX = 32 + 1 + 64;

/** Longest `ref` string a command may carry (it is echoed in the answer). */
export const COMMAND_REF_CHARS_MAX = 256;

/**
 * What a script attaches to a command to match the answer to it: a string
 * of at most {@linkcode COMMAND_REF_CHARS_MAX} characters or a finite number,
 * echoed as is.
 */
export type CommandRef = string | number;

/** A stdin command line that cannot be carried out; `ref` is the command's, if it had a valid one. */
export class InvalidCommandError extends TypeError {
  /** Always `"InvalidCommandError"`. */
  override name = "InvalidCommandError";
  /** The `ref` of the command, to echo in the `error` line. */
  readonly ref: CommandRef | undefined;

  /** An error with a one-line `message` for the `error` line. */
  constructor(message: string, ref?: CommandRef) {
    super(message);
    this.ref = ref;
  }
}

/** The `error` line answering a command (with its `ref` when it had one). */
export function errorJson(message: string, ref?: CommandRef): string {
  return JSON.stringify({ type: "error", error: message, ...(ref === undefined ? {} : { ref }) });
}

/**
 * The `message` line for one delivery. `at` is when this node delivered it
 * (ms since the epoch, sub-millisecond precision; the same clock as
 * `performance.timeOrigin + performance.now()` in any process on the host).
 */
export function messageLine(
  message: ChatMessage,
  atMs: number = performance.timeOrigin + performance.now(),
): Record<string, unknown> {
  return {
    type: "message",
    author: message.author,
    nick: message.nick,
    seq: message.seq,
    clock: clockToObject(message.clock),
    text: message.text,
    ts: message.ts,
    at: atMs,
    ...amendmentFields(message),
  };
}

/**
 * The `message` line as JSON text, built directly: a delivery is the most
 * frequent line by far, and this is several times cheaper than stringifying
 * {@linkcode messageLine}, which it equals. Ids are hex and numbers are
 * integers, so only nick and text need escaping.
 */
export function messageJson(
  message: ChatMessage,
  atMs: number = performance.timeOrigin + performance.now(),
): string {
  let clock = "";
  for (const [id, n] of message.clock) {
    if (n > 0) clock += `${clock === "" ? "" : ","}"${id}":${n}`;
  }
  return `{"type":"message","author":"${message.author}","nick":${
    JSON.stringify(message.nick)
  },"seq":${message.seq},"clock":{${clock}},"text":${
    JSON.stringify(message.text)
  },"ts":${message.ts},"at":${atMs}${amendmentJson(message)}}`;
}

/** The stdout line of an event as JSON text, or `undefined` for diagnostics. */
export function eventJson(event: PeerEvent): string | undefined {
  if (event.type === "deliver") return messageJson(event.message);
  const line = eventLine(event);
  return line === undefined ? undefined : JSON.stringify(line);
}

/** The stdout line for a runtime event, or `undefined` for diagnostics (they go to stderr). */
export function eventLine(event: PeerEvent): Record<string, unknown> | undefined {
  switch (event.type) {
    case "deliver":
      return messageLine(event.message);
    case "peer-up":
      return { type: "peer-up", id: event.id, addr: event.addr, ...nickField(event.nick) };
    case "peer-down":
      return {
        type: "peer-down",
        id: event.id,
        addr: event.addr,
        reason: event.reason,
        ...(event.cause === undefined ? {} : { cause: event.cause }),
        ...nickField(event.nick),
      };
    case "nick":
      return { type: "nick", id: event.id, old: event.old, new: event.new };
    case "message-state":
      return { type: "message-state", seq: event.seq, state: event.state };
    case "connectivity": {
      const { type: _, ...fields } = event;
      return { type: "connectivity", ...fields };
    }
    case "observed-address":
      return {
        type: "observed-address",
        host: event.host,
        observers: event.observers,
        advertised: event.advertised,
      };
    case "skip":
      return { type: "skip", author: event.author, seq: event.seq };
    case "redact":
      return { type: "redact", author: event.message.author, seq: event.message.seq };
    case "text-arrived":
      return { ...messageLine(event.message), type: "text-arrived" };
    case "equivocation":
      return {
        type: "equivocation",
        author: event.author,
        seq: event.seq,
        versions: event.versions.map((m) => ({ nick: m.nick, text: m.text, ts: m.ts })),
      };
    case "direct-message":
      return {
        type: "direct",
        from: event.from,
        nick: event.nick,
        text: event.text,
        ts: event.ts,
        at: performance.timeOrigin + performance.now(),
      };
    case "fatal":
      return { type: "fatal", reason: event.reason, error: event.text };
    case "reachability":
      return {
        type: "reachability",
        state: event.state,
        addr: event.addr,
        ...(event.relay === undefined ? {} : { relay: event.relay }),
        reason: event.reason,
      };
    case "log":
      return undefined;
  }
}

/** `{ nick }` when known, else nothing: JSON lines leave out what is not known. */
function nickField(nick: string | undefined): { nick?: string } {
  return nick === undefined ? {} : { nick };
}

/** What a stdin command asks for once parsed. */
export type JsonCommand =
  | { readonly type: "send"; readonly text: string }
  | { readonly type: "direct"; readonly to: string; readonly text: string }
  | { readonly type: "peers" }
  | { readonly type: "clock" }
  | { readonly type: "stats" }
  | { readonly type: "nick"; readonly nick: string }
  | { readonly type: "quit" }
  | RedactionCommand
  | JsonHistoryCommand;

/**
 * A parsed command with the `ref` it carried, if any. `to` of `direct` is a
 * peer id, a nick or an id prefix, resolved when the command runs.
 */
export type RefCommand = JsonCommand & { readonly ref?: CommandRef };

/**
 * Parses one stdin line.
 *
 * @throws {InvalidCommandError} (a TypeError) with a message fit for an
 * `error` line, and the command's `ref` when it had a valid one.
 */
export function parseJsonCommand(line: string): RefCommand {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TypeError("Invalid command: not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("Invalid command: expected a JSON object");
  }
  const command = value as Record<string, unknown>;
  const ref = refOf(command.ref);
  const withRef = ref === undefined ? {} : { ref };
  const invalid = (message: string) => new InvalidCommandError(message, ref);
  const checkText = (type: string): string => {
    if (typeof command.text !== "string") throw invalid(`Invalid ${type}: text must be a string`);
    if (command.text.trim() === "") throw invalid(`Invalid ${type}: text is empty`);
    const problem = textProblem(command.text);
    if (problem !== undefined) throw invalid(`Invalid ${type}: ${problem}`);
    return command.text;
  };
  switch (command.type) {
    case "send":
      return { type: "send", text: checkText("send"), ...withRef };
    case "direct": {
      if (typeof command.to !== "string" || command.to === "") {
        throw invalid("Invalid direct: to must be a peer id, a nick or an id prefix");
      }
      if ([...command.to].length > DIRECT_TO_CHARS_MAX) {
        throw invalid(`Invalid direct: to is longer than ${DIRECT_TO_CHARS_MAX} characters`);
      }
      return { type: "direct", to: command.to, text: checkText("direct"), ...withRef };
    }
    case "nick": {
      if (typeof command.nick !== "string") throw invalid("Invalid nick: nick must be a string");
      const problem = nickProblem(command.nick);
      if (problem !== undefined) throw invalid(`Invalid nick: ${problem}`);
      return { type: "nick", nick: command.nick, ...withRef };
    }
    case "history":
    case "search":
      try {
        return { ...parseHistoryCommand(command), ...withRef };
      } catch (error) {
        throw invalid((error as Error).message);
      }
    case "peers":
    case "clock":
    case "stats":
    case "quit":
      return { type: command.type, ...withRef };
    default: {
      let redaction: RedactionCommand | undefined;
      try {
        redaction = parseRedactionCommand(command);
      } catch (error) {
        throw invalid((error as Error).message);
      }
      if (redaction !== undefined) return { ...redaction, ...withRef };
      throw invalid(
        `Invalid command: unknown type ${
          JSON.stringify(command.type)
        }, expected send, direct, peers, clock, nick, stats, history, search, quit, ${
          REDACTION_COMMAND_TYPES.slice(0, -1).join(", ")
        } or ${REDACTION_COMMAND_TYPES.at(-1)}`,
      );
    }
  }
}

/** A command's `ref`, checked; `undefined` when it has none. */
function refOf(ref: unknown): CommandRef | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === "number" && Number.isFinite(ref)) return ref;
  if (typeof ref === "string" && ref.length <= COMMAND_REF_CHARS_MAX) return ref;
  throw new InvalidCommandError(
    `Invalid command: ref must be a number or a string of at most ${COMMAND_REF_CHARS_MAX} characters`,
  );
}

/** What {@linkcode runPeerCommand} knows besides the peer. */
export interface RunPeerCommandOptions {
  /**
   * The names peers are known by (member records, nicks seen in chat), for
   * `direct` by nick and the nicks of `peers`. Default: the live members only.
   */
  roster?: Roster;
  /** The room's stored history, for `history` and `search`. Default: none (they answer an error). */
  history?: HistorySource | undefined;
}

/**
 * Answers one command for a peer; returns `false` when the session should end.
 */
export async function runPeerCommand(
  command: RefCommand,
  peer: PeerService,
  out: Pick<LineWriter, "line">,
  options: RunPeerCommandOptions = {},
): Promise<boolean> {
  const ref = command.ref === undefined ? {} : { ref: command.ref };
  const answer = (line: Record<string, unknown>) => out.line(JSON.stringify({ ...line, ...ref }));
  const roster = options.roster ?? new Roster(() => peer.peers());
  switch (command.type) {
    case "history":
    case "search":
      answer(answerHistoryCommand(command, options.history));
      return true;
    case "send":
      // Not awaited: the first send may wait for the own-sequence sync, and
      // other commands go on meanwhile; sends keep their order.
      peer.send(command.text).then(
        (message) =>
          answer({
            type: "sent",
            command: "send",
            author: message.author,
            seq: message.seq,
            ts: message.ts,
          }),
        (error) => out.line(errorJson((error as Error).message, command.ref)),
      );
      return true;
    case "direct": {
      // A whole id needs no name: the overlay routes to members not (yet) known here.
      const resolved = isPeerId(command.to) ? { id: command.to } : roster.resolve(command.to);
      if (resolved.id === undefined) {
        throw new InvalidCommandError(`Invalid direct: ${resolved.error}`, command.ref);
      }
      const to = resolved.id;
      await peer.sendDirect(to, command.text);
      answer({ type: "sent", command: "direct", to });
      return true;
    }
    case "peers":
      answer({
        type: "peers",
        peers: peer.peers().map((summary) => {
          const nick = summary.nick ?? roster.nickOf(summary.id);
          return nick === undefined ? summary : { ...summary, nick };
        }),
      });
      return true;
    case "clock":
      answer({ type: "clock", clock: clockToObject(peer.clock()) });
      return true;
    case "nick":
      peer.setNick(command.nick);
      answer({ type: "ok", command: "nick", nick: command.nick });
      return true;
    case "stats":
      answer({ type: "stats", ...peer.stats() });
      return true;
    case "quit":
      answer({ type: "ok", command: "quit" });
      await peer.stop();
      return false;
    default:
      runRedactionJsonCommand(command, peer, {
        answer,
        fail: (error) => out.line(errorJson((error as Error).message, command.ref)),
      });
      return true;
  }
}

/** Answers one command for a bootstrap; returns `false` when the session should end. */
export async function runBootstrapCommand(
  command: RefCommand,
  bootstrap: BootstrapService,
  out: LineWriter,
): Promise<boolean> {
  const ref = command.ref === undefined ? {} : { ref: command.ref };
  switch (command.type) {
    case "peers":
      out.line(JSON.stringify({ type: "peers", peers: bootstrap.peers(), ...ref }));
      return true;
    case "quit":
      out.line(JSON.stringify({ type: "ok", command: "quit", ...ref }));
      await bootstrap.stop();
      return false;
    default:
      out.line(errorJson(`A bootstrap does not take '${command.type}'`, command.ref));
      return true;
  }
}
