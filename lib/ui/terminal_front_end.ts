/**
 * The interactive terminal: type a line to send it; incoming messages appear
 * above the line being typed without disturbing it.
 *
 * @module
 */

import * as readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { clockToObject } from "../causal/vector_clock.ts";
import { nickProblem, textProblem } from "../wire/fields.ts";
import type { PeerEvent } from "../runtime/peer_event.ts";
import type { PeerService } from "../runtime/peer_service.ts";
import { formatClockTime, sanitizeForTerminal } from "./display.ts";
import { Roster } from "./roster.ts";
import { OwnLineMarks } from "./own_line_marks.ts";
import {
  connectivityLine,
  joinLine,
  leaveLine,
  nickChangeLine,
  whoLines,
} from "./presence_view.ts";

/** Help shown by `/help`. */
export const TERMINAL_HELP = [
  "Type a line and press Enter to send it to everyone.",
  "  /who, /peers     list the peers believed alive (* = direct connection)",
  "  /clock           show what you have delivered, per author",
  "  /msg PEER TEXT   send TEXT to PEER alone, end-to-end encrypted (PEER: a nick or an id prefix)",
  "  /nick NAME       change your nick",
  "  /help            this help",
  "  /quit, exit      leave the chat",
];

/** Options of {@linkcode runTerminal}. */
export interface TerminalOptions {
  /** Keyboard input. */
  input: Readable;
  /** The screen. */
  output: Writable;
  /** Whether to use colors. */
  color: boolean;
  /** Which diagnostics to show inline. */
  logLevel: "warn" | "info" | "debug";
}

/** A running terminal session. */
export interface TerminalSession {
  /** Shows one runtime event. */
  handleEvent(event: PeerEvent): void;
  /** Shows a line of text from the program itself. */
  notice(text: string): void;
  /** Leaves the chat as `/quit` does (for signals); `done` resolves when it is over. */
  quit(): void;
  /** Resolves when the user quits (the peer has been stopped by then). */
  readonly done: Promise<void>;
}

const LOG_RANK = { debug: 0, info: 1, warn: 2 } as const;

/** Starts the interactive UI for `peer`. */
export function runTerminal(peer: PeerService, options: TerminalOptions): TerminalSession {
  const { output, color } = options;
  const rl = readline.createInterface({
    input: options.input,
    output,
    terminal: true,
    historySize: 200,
  });
  const roster = new Roster(() => peer.peers());
  /** Authors found signing two versions of one message, and from which sequence number. */
  const equivocatingFrom = new Map<string, number>();
  const paint = (code: number, text: string) => (color ? `\x1b[38;5;${code}m${text}\x1b[0m` : text);
  const dim = (text: string) => (color ? `\x1b[2m${text}\x1b[0m` : text);
  const prompt = () => rl.setPrompt(`${sanitizeForTerminal(peer.nick)}> `);
  const nameOf = (id: string) => sanitizeForTerminal(roster.nameOf(id));

  /** A peer named by nick, `nick#idprefix` or a unique id prefix (`peer_names.ts`); else why not. */
  const resolvePeer = (name: string) => {
    const found = roster.resolve(name);
    if (found.id !== undefined || !found.error.startsWith("No peer")) return found;
    return { error: `${found.error} (see /who)` };
  };

  /** Whether the line editor is closed: lines still print, without a prompt under them. */
  let closed = false;
  /** Lines printed so far: an own line still last on screen can take its state mark in place. */
  let printed = 0;
  /** Prints above the input line, then redraws the prompt and what was typed. */
  const print = (line: string) => {
    readline.clearLine(output, 0);
    readline.cursorTo(output, 0);
    output.write(`${line}\n`);
    printed++;
    // Events can still come while the peer stops, after the line editor closed.
    if (!closed) rl.prompt(true);
  };
  const marks = new OwnLineMarks({
    print,
    printed: () => printed,
    rewriteLast(line) {
      if (closed) return;
      readline.cursorTo(output, 0);
      readline.clearLine(output, 0);
      readline.moveCursor(output, 0, -1);
      readline.clearLine(output, 0);
      output.write(`${line}\n`);
      rl.prompt(true);
    },
    fitsOneRow(width) {
      // A terminal of unknown size (0 columns, as under `script`) counts as 80 wide.
      const columns = (output as { columns?: number }).columns || 80;
      return width < columns && rl.getPrompt().length + rl.line.length < columns;
    },
    style: (mark, state) => (state === "queued" ? dim(mark) : paint(71, mark)),
    dim,
  });

  let stopping: Promise<void> | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const quit = () => {
    stopping ??= (async () => {
      print(dim("Leaving…"));
      await peer.stop();
      rl.close();
      finish();
    })();
  };

  const runCommand = (line: string) => {
    // Commands are rare: names are worked out afresh for them.
    roster.membersChanged();
    const [word, ...args] = line.trim().split(/\s+/);
    const rest = line.trim().slice((word ?? "").length).trim();
    switch (word) {
      case "/quit":
      case "/exit":
        quit();
        return;
      case "/help":
        for (const text of TERMINAL_HELP) print(dim(text));
        return;
      case "/who":
      case "/peers": {
        for (const line of whoLines(peer.peers(), roster.names())) print(dim(line));
        return;
      }
      case "/clock": {
        const entries = Object.entries(clockToObject(peer.clock()));
        print(dim(entries.length === 0 ? "clock: {} (nothing delivered yet)" : "clock:"));
        for (const [id, n] of entries) print(dim(`  ${nameOf(id)}: ${n}`));
        return;
      }
      case "/msg": {
        const [target, ...words] = args;
        const text = words.join(" ");
        if (target === undefined || text === "") {
          print(paint(203, "usage: /msg PEER TEXT"));
          return;
        }
        const found = resolvePeer(target);
        if (found.id === undefined) {
          print(paint(203, found.error));
          return;
        }
        const resolved = found.id;
        peer.sendDirect(resolved, text).then(
          () =>
            print(
              `${dim(formatClockTime(Date.now()))} ${dim(`you → ${nameOf(resolved)} (private):`)} ${
                sanitizeForTerminal(text)
              }`,
            ),
          (error) =>
            print(paint(203, `Not sent: ${sanitizeForTerminal((error as Error).message)}`)),
        );
        return;
      }
      case "/nick": {
        const problem = args.length === 0 ? "usage: /nick NAME" : nickProblem(rest);
        if (problem !== undefined) {
          print(paint(203, problem));
          return;
        }
        peer.setNick(rest);
        prompt();
        print(dim(`You are now ${sanitizeForTerminal(rest)}.`));
        return;
      }
      default:
        print(paint(203, `Unknown command ${sanitizeForTerminal(word ?? "")}: try /help`));
    }
  };

  rl.on("line", (line: string) => {
    // Erase the echoed input: the message comes back as a delivery.
    readline.moveCursor(output, 0, -1);
    readline.clearLine(output, 0);
    if (stopping !== undefined) return;
    const text = line.trimEnd();
    if (text === "") {
      rl.prompt(true);
      return;
    }
    if (text === "exit") return quit();
    if (text.startsWith("/")) return runCommand(text);
    const problem = textProblem(text);
    if (problem !== undefined) {
      print(paint(203, `Not sent: ${problem}`));
      return;
    }
    const notSent = (error: unknown) =>
      print(paint(203, `Not sent: ${sanitizeForTerminal((error as Error).message)}`));
    try {
      peer.send(text).catch(notSent);
    } catch (error) {
      notSent(error);
    }
  });
  rl.on("SIGINT", quit);
  rl.on("close", () => {
    closed = true;
    quit();
  });

  prompt();
  rl.prompt();

  return {
    done,
    quit,
    notice: (text) => print(dim(text)),
    handleEvent(event: PeerEvent): void {
      switch (event.type) {
        case "deliver": {
          const m = event.message;
          if (m.author !== peer.id) roster.heard(m.author, m.nick);
          const shown = m.author === peer.id ? m.nick : roster.authorName(m.author, m.nick);
          const who = paint(colorOf(m.author), sanitizeForTerminal(shown));
          const mine = m.author === peer.id ? dim(" (you)") : "";
          const from = equivocatingFrom.get(m.author);
          const mark = from !== undefined && m.seq >= from ? paint(203, "(?) ") : "";
          const line = `${dim(formatClockTime(m.ts))} ${mark}${who}${mine}: ${
            sanitizeForTerminal(m.text)
          }`;
          print(line);
          if (m.author === peer.id) marks.printed(m.seq, line, m.text);
          return;
        }
        case "message-state":
          marks.update(event.seq, event.state);
          return;
        case "nick": {
          roster.membersChanged();
          print(dim(nickChangeLine(event.old, roster.nameOf(event.id))));
          return;
        }
        case "connectivity":
          print(dim(connectivityLine(event)));
          return;
        case "equivocation": {
          equivocatingFrom.set(event.author, event.seq);
          const [a, b] = event.versions.map((m) => JSON.stringify(sanitizeForTerminal(m.text)));
          print(paint(
            203,
            `! ${
              nameOf(event.author)
            } signed two different messages as #${event.seq}: ${a} and ${b}.` +
              ` Everyone is told; its messages from #${event.seq} on are marked (?)`,
          ));
          return;
        }
        case "peer-up":
          roster.membersChanged();
          print(dim(joinLine(roster.nameOf(event.id))));
          return;
        case "direct-message": {
          roster.heard(event.from, event.nick);
          const who = paint(colorOf(event.from), sanitizeForTerminal(event.nick));
          print(
            `${dim(formatClockTime(event.ts))} ${who}${dim(" → you (private):")} ${
              sanitizeForTerminal(event.text)
            }`,
          );
          return;
        }
        case "peer-down":
          roster.heard(event.id, event.nick);
          roster.membersChanged();
          print(dim(leaveLine(roster.nameOf(event.id), event.cause, event.reason)));
          return;
        case "skip":
          print(
            dim(
              `* history of ${nameOf(event.author)} before #${
                event.seq + 1
              } is no longer available`,
            ),
          );
          return;
        case "log":
          if (LOG_RANK[event.level] >= LOG_RANK[options.logLevel]) {
            print(dim(`! ${sanitizeForTerminal(event.text)}`));
          }
          return;
      }
    },
  };
}

/** A stable, readable 256-color code per author. */
function colorOf(id: string): number {
  const palette = [39, 45, 71, 77, 113, 141, 167, 173, 179, 208, 213, 220];
  let h = 0;
  for (let i = 0; i < 8; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return palette[h % palette.length]!;
}
