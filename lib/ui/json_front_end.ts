/**
 * The JSON-lines front end: one JSON object per line on stdout for every
 * event, one command per line on stdin. Scripts and test harnesses drive
 * p2pchat through it; README.md documents every line type.
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

/** Longest stdin command line accepted. */
export const COMMAND_LINE_BYTES_MAX = 64 * 1024;

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
  },"ts":${message.ts},"at":${atMs}}`;
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
    case "skip":
      return { type: "skip", author: event.author, seq: event.seq };
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
  | { readonly type: "quit" };

/**
 * Parses one stdin line.
 *
 * @throws {TypeError} with a message fit for an `error` line.
 */
export function parseJsonCommand(line: string): JsonCommand {
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
  switch (command.type) {
    case "send": {
      if (typeof command.text !== "string") {
        throw new TypeError("Invalid send: text must be a string");
      }
      const problem = textProblem(command.text);
      if (problem !== undefined) throw new TypeError(`Invalid send: ${problem}`);
      return { type: "send", text: command.text };
    }
    case "direct": {
      if (typeof command.to !== "string" || !isPeerId(command.to)) {
        throw new TypeError("Invalid direct: to must be a peer id (64 lowercase hex digits)");
      }
      if (typeof command.text !== "string") {
        throw new TypeError("Invalid direct: text must be a string");
      }
      const problem = textProblem(command.text);
      if (problem !== undefined) throw new TypeError(`Invalid direct: ${problem}`);
      return { type: "direct", to: command.to, text: command.text };
    }
    case "nick": {
      if (typeof command.nick !== "string") {
        throw new TypeError("Invalid nick: nick must be a string");
      }
      const problem = nickProblem(command.nick);
      if (problem !== undefined) throw new TypeError(`Invalid nick: ${problem}`);
      return { type: "nick", nick: command.nick };
    }
    case "peers":
    case "clock":
    case "stats":
    case "quit":
      return { type: command.type };
    default:
      throw new TypeError(
        `Invalid command: unknown type ${
          JSON.stringify(command.type)
        }, expected send, direct, peers, clock, nick, stats or quit`,
      );
  }
}

/**
 * Answers one command for a peer; returns `false` when the session should end.
 */
export async function runPeerCommand(
  command: JsonCommand,
  peer: PeerService,
  out: LineWriter,
): Promise<boolean> {
  switch (command.type) {
    case "send":
      // Not awaited: the first send may wait for the own-sequence sync, and
      // other commands go on meanwhile; sends keep their order.
      peer.send(command.text).catch((error) =>
        out.line(JSON.stringify({ type: "error", error: (error as Error).message }))
      );
      return true;
    case "direct":
      await peer.sendDirect(command.to, command.text);
      return true;
    case "peers":
      out.line(JSON.stringify({ type: "peers", peers: peer.peers() }));
      return true;
    case "clock":
      out.line(JSON.stringify({ type: "clock", clock: clockToObject(peer.clock()) }));
      return true;
    case "nick":
      peer.setNick(command.nick);
      return true;
    case "stats":
      out.line(JSON.stringify({ type: "stats", ...peer.stats() }));
      return true;
    case "quit":
      await peer.stop();
      return false;
  }
}

/** Answers one command for a bootstrap; returns `false` when the session should end. */
export async function runBootstrapCommand(
  command: JsonCommand,
  bootstrap: BootstrapService,
  out: LineWriter,
): Promise<boolean> {
  switch (command.type) {
    case "peers":
      out.line(JSON.stringify({ type: "peers", peers: bootstrap.peers() }));
      return true;
    case "quit":
      await bootstrap.stop();
      return false;
    default:
      out.line(
        JSON.stringify({ type: "error", error: `A bootstrap does not take '${command.type}'` }),
      );
      return true;
  }
}
