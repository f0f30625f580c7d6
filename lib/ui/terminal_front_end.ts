/**
 * The interactive terminal: type a line to send it; incoming messages appear
 * above the line being typed without disturbing it.
 *
 * @module
 */

import type { Readable, Writable } from "node:stream";
import { clockToObject } from "../causal/vector_clock.ts";
import { nickProblem } from "../wire/fields.ts";
import { DEFAULT_WIRE_LIMITS } from "../wire/wire_limits.ts";
import type { PeerEvent } from "../runtime/peer_event.ts";
import type { PeerService } from "../runtime/peer_service.ts";
import { formatClockTime, sanitizeForTerminal } from "./display.ts";
import { InputLine } from "./terminal/input_line.ts";
import { mentions } from "./terminal/mention.ts";
import { messageLines } from "./terminal/message_lines.ts";
import { splitText } from "./terminal/message_split.ts";
import { WarningDedupe } from "./terminal/warning_dedupe.ts";
import { REDACTION_HELP, RedactionView, runRedactionCommand } from "./redaction_view.ts";
import type { HistorySource } from "../store/stored_history.ts";
import { HISTORY_HELP, terminalHistory } from "./terminal_history.ts";
import { Roster } from "./roster.ts";
import { OwnLineMarks } from "./own_line_marks.ts";
import {
  connectivityLine,
  joinLine,
  leaveLine,
  nickChangeLine,
  observedAddressLine,
  reachabilityLine,
  whoLines,
} from "./presence_view.ts";

/** Help shown by `/help`. */
export const TERMINAL_HELP = [
  "Type a line and press Enter to send it to everyone.",
  "  /who, /peers     list the peers believed alive (* = direct connection)",
  "  /clock           show what you have delivered, per author",
  "  /msg PEER TEXT   send TEXT to PEER alone, end-to-end encrypted (PEER: a nick or an id prefix)",
  "  /nick NAME       change your nick",
  ...REDACTION_HELP,
  "  /help            this help",
  "  /quit, exit      leave the chat",
  "Keys: Tab completes nicks and commands; Up/Down recall what you sent; Left/Right, Home/End",
  "  (Ctrl-A/E), Ctrl-U/K cut before/after the cursor, Ctrl-W the word before; Ctrl-C quits, as",
  "  does Ctrl-D on an empty line. A paste (newlines kept) is one message; text longer than a",
  "  message holds (4096 bytes) is sent as several; a paste over 16384 bytes is refused.",
];

/** The commands Tab completes: every `/word` that starts a line of {@linkcode TERMINAL_HELP}. */
function helpCommands(): string[] {
  return TERMINAL_HELP.flatMap((line) => line.match(/^\s+(\/[a-z]+)/i)?.[1] ?? []);
}

/** How often counts of repeated warnings are shown, in ms. */
const WARNING_FLUSH_INTERVAL_MS = 5_000;

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
  /** The room's stored history, for `/history`, `/search` and the markers. Default: none. */
  history?: HistorySource | undefined;
  /** When this session started (ms since the epoch): older messages are history. Default now. */
  sessionStartMs?: number;
}

/** A running terminal session. */
export interface TerminalSession {
  /** Shows one runtime event. */
  handleEvent(event: PeerEvent): void;
  /** Shows a line of text from the program itself. */
  notice(text: string): void;
  /** Shows the last stored messages under the history marker (call once, after the notices). */
  showHistory(): void;
  /** A network was joined after the session began: its older messages show as history. */
  joinedNetwork(): void;
  /** Leaves the chat as `/quit` does (for signals); `done` resolves when it is over. */
  quit(): void;
  /** Resolves when the user quits (the peer has been stopped by then). */
  readonly done: Promise<void>;
}

const LOG_RANK = { debug: 0, info: 1, warn: 2 } as const;

/** Starts the interactive UI for `peer`. */
export function runTerminal(peer: PeerService, options: TerminalOptions): TerminalSession {
  const { output, color } = options;
  const roster = new Roster(() => peer.peers());
  /** Authors found signing two versions of one message, and from which sequence number. */
  const equivocatingFrom = new Map<string, number>();
  const paint = (code: number, text: string) => (color ? `\x1b[38;5;${code}m${text}\x1b[0m` : text);
  const dim = (text: string) => (color ? `\x1b[2m${text}\x1b[0m` : text);
  const promptText = () => `${sanitizeForTerminal(peer.nick)}> `;
  const prompt = () => inputLine.setPrompt(promptText());
  /** Nicks Tab completes: members' and authors' seen so far. */
  const knownNicks = (): string[] => [
    ...new Set(roster.everyone().flatMap((p) => p.nick === undefined ? [] : [p.nick])),
  ];
  /** A mention of you: bold yellow, or without colours a `»` before the line. */
  const highlight = (text: string) => (color ? `\x1b[1;38;5;220m${text}\x1b[0m` : text);
  const warnings = new WarningDedupe();
  const flushWarnings = setInterval(() => {
    for (const line of warnings.flush(Date.now())) print(dim(`! ${line}`));
  }, WARNING_FLUSH_INTERVAL_MS);
  Deno.unrefTimer(flushWarnings);
  const nameOf = (id: string) =>
    sanitizeForTerminal(id === peer.id ? `${peer.nick} (you)` : roster.nameOf(id));

  /** A peer named by nick, `nick#idprefix` or a unique id prefix (`peer_names.ts`); else why not. */
  const resolvePeer = (name: string) => {
    const found = roster.resolve(name);
    if (found.id !== undefined || !found.error.startsWith("No peer")) return found;
    return { error: `${found.error} (see /who)` };
  };

  /** Prints above the input line, then redraws the prompt and what was typed. */
  const print = (line: string) => {
    printed++;
    inputLine.print(line);
  };
  /** Lines printed so far: an own line still last on screen can take its state mark in place. */
  let printed = 0;
  const marks = new OwnLineMarks({
    print,
    printed: () => printed,
    rewriteLast: (line) => inputLine.replaceLast(line),
    fitsOneRow: (width) => width < inputLine.columns,
    style: (mark, state) => (state === "queued" ? dim(mark) : paint(71, mark)),
    dim,
  });

  const history = terminalHistory({
    source: options.history,
    sessionStartMs: options.sessionStartMs ?? Date.now(),
    backlog: () => peer.backlog(),
    print,
    dim,
    error: (text) => paint(203, text),
    nick: (author, nick) => paint(colorOf(author), sanitizeForTerminal(nick)),
    selfId: peer.id,
  });

  let stopping: Promise<void> | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const quit = () => {
    stopping ??= (async () => {
      print(dim("Leaving…"));
      await peer.stop();
      clearInterval(flushWarnings);
      inputLine.close();
      finish();
    })();
  };

  const redactions = new RedactionView(peer.id);
  const redactionContext = {
    peer,
    print,
    error: (text: string) => paint(203, text),
    dim,
    resolvePeer: (name: string) => {
      const found = resolvePeer(name);
      return found.id ?? found.error;
    },
    nameOf,
  };

  const runCommand = (line: string) => {
    // Commands are rare: names are worked out afresh for them.
    roster.membersChanged();
    const [word, ...args] = line.trim().split(/\s+/);
    const rest = line.trim().slice((word ?? "").length).trim();
    // Commands ignore case (/MSG = /msg); their arguments keep it.
    switch (word?.toLowerCase()) {
      case "/quit":
      case "/exit":
        quit();
        return;
      case "/help":
        for (const text of [...TERMINAL_HELP, ...HISTORY_HELP]) print(dim(text));
        return;
      case "/who":
      case "/peers":
        for (const line of whoLines(peer.peers(), roster.names())) print(dim(line));
        return;
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
        if (runRedactionCommand(word?.toLowerCase() ?? "", rest, redactions, redactionContext)) {
          return;
        }
        if (history.runCommand(word?.toLowerCase() ?? "", rest)) return;
        print(paint(203, `Unknown command ${sanitizeForTerminal(word ?? "")}: try /help`));
    }
  };

  /** An entered line (the input line has erased it: a message comes back as a delivery). */
  const onLine = (line: string) => {
    if (stopping !== undefined) return;
    const text = line.trimEnd();
    if (text.trim() === "") return;
    if (text === "exit") return quit();
    if (text.startsWith("/")) return runCommand(text);
    if (!text.isWellFormed()) {
      print(paint(203, "Not sent: text is not well-formed Unicode"));
      return;
    }
    // Longer than one message holds: sent as several, in order, cut at a newline or space.
    const parts = splitText(text, DEFAULT_WIRE_LIMITS.textBytesMax);
    if (parts.length > 1) {
      print(dim(
        `Long text: sent as ${parts.length} messages (at most ${DEFAULT_WIRE_LIMITS.textBytesMax} bytes each).`,
      ));
    }
    const notSent = (error: unknown) =>
      print(paint(203, `Not sent: ${sanitizeForTerminal((error as Error).message)}`));
    for (const part of parts) {
      try {
        peer.send(part).catch(notSent);
      } catch (error) {
        notSent(error);
      }
    }
  };

  const inputLine = new InputLine({
    input: options.input,
    output,
    prompt: promptText(),
    onLine,
    onQuit: quit,
    completions: () => ({ commands: helpCommands(), nicks: knownNicks() }),
    style: dim,
  });

  return {
    done,
    quit,
    notice: (text) => print(dim(text)),
    showHistory: () => history.showStored(),
    joinedNetwork: () => history.joinedNetwork(),
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
          const { muted, blocked } = peer.policy();
          const view = redactions.viewOf(m, muted.includes(m.author) || blocked.includes(m.author));
          if (view === undefined) {
            history.afterDelivery(m);
            return;
          }
          history.beforeDelivery(m);
          // A line that mentions your nick (someone else's) stands out.
          const text = messageLines(view.text);
          const mentioned = m.author !== peer.id && mentions(view.text, peer.nick);
          const said = mentioned ? highlight(text) : text;
          const flag = mentioned && !color ? "» " : "";
          const line = `${flag}${dim(formatClockTime(m.ts))} ${mark}${who}${mine}${
            dim(view.label)
          }: ${said}`;
          print(line);
          if (m.author === peer.id) marks.printed(m.seq, line, view.text);
          history.afterDelivery(m);
          return;
        }
        case "text-arrived": {
          const m = event.message;
          const { muted, blocked } = peer.policy();
          if (muted.includes(m.author) || blocked.includes(m.author)) return;
          const who = paint(colorOf(m.author), sanitizeForTerminal(m.nick));
          const view = redactions.textArrived(m);
          print(
            `${dim(formatClockTime(m.ts))} ${who}${dim(view.label)}: ${messageLines(view.text)}`,
          );
          return;
        }
        case "message-state":
          marks.update(event.seq, event.state);
          return;
        case "nick":
          roster.membersChanged();
          print(dim(nickChangeLine(event.old, roster.nameOf(event.id))));
          return;
        case "connectivity":
          print(dim(connectivityLine(event)));
          return;
        case "observed-address":
          print(dim(sanitizeForTerminal(observedAddressLine(event))));
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
              messageLines(event.text)
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
        case "fatal":
          print(paint(203, `p2pchat: ${sanitizeForTerminal(event.text)}`));
          return;
        case "reachability":
          print(dim(sanitizeForTerminal(reachabilityLine(event))));
          return;
        case "log":
          if (LOG_RANK[event.level] >= LOG_RANK[options.logLevel]) {
            // The same warning again within a minute is counted, not shown.
            const text = sanitizeForTerminal(event.text);
            for (const line of warnings.offer(text, Date.now())) print(dim(`! ${line}`));
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
