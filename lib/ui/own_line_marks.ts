/**
 * The state mark after each of this peer's own lines in the terminal: `…`
 * queued, `✓` sent, `✓✓` seen (see `MessageStateEffect`). A line still last
 * on screen, on one row, takes its new mark in place; a line that was queued
 * and has scrolled up gets a short status line when it goes out and when it
 * is seen (`✓ sent: "hello…"`); other older lines keep the mark they had.
 *
 * @module
 */

import { messageStateLine, messageStateMark, QUEUED_LINES_TRACKED_MAX } from "./presence_view.ts";
import { displayWidth } from "./terminal/text_width.ts";

/** One of the three states of an own line. */
export type OwnLineState = "queued" | "sent" | "seen";

/** What {@linkcode OwnLineMarks} needs of the screen. */
export interface OwnLineScreen {
  /** Prints a new line above the input line. */
  print(line: string): void;
  /** Rewrites the last printed line (just above the input line). */
  rewriteLast(line: string): void;
  /** How many lines were printed so far. */
  printed(): number;
  /** Whether a line of this many columns fits one row above the input line. */
  fitsOneRow(columns: number): boolean;
  /** Styles a mark for its state. */
  style(mark: string, state: OwnLineState): string;
  /** Styles a status line. */
  dim(line: string): string;
}

// deno-lint-ignore no-control-regex
const ANSI_PATTERN = /\x1b\[[0-9;]*m/g;

/** The marks of own lines on one terminal. */
export class OwnLineMarks {
  readonly #screen: OwnLineScreen;
  #last: { seq: number; line: string; at: number } | undefined;
  /** Texts of own lines, oldest first, while they may still need a status line. */
  readonly #texts = new Map<number, string>();
  readonly #queued = new Set<number>();

  /** Marks own lines on `screen`. */
  constructor(screen: OwnLineScreen) {
    this.#screen = screen;
  }

  /** Own message `seq` was just printed as `line` (styled), its text `text`. */
  printed(seq: number, line: string, text: string): void {
    this.#last = { seq, line, at: this.#screen.printed() };
    this.#texts.set(seq, text);
    if (this.#texts.size > QUEUED_LINES_TRACKED_MAX) {
      this.#texts.delete(this.#texts.keys().next().value!);
    }
  }

  /** Own message `seq` reached `state`. */
  update(seq: number, state: OwnLineState): void {
    const wasQueued = this.#queued.has(seq);
    if (state === "seen") this.#queued.delete(seq);
    if (state === "queued") {
      this.#queued.add(seq);
      if (this.#queued.size > QUEUED_LINES_TRACKED_MAX) {
        this.#queued.delete(this.#queued.values().next().value!);
      }
    }
    const last = this.#last;
    const mark = this.#screen.style(messageStateMark(state), state);
    if (
      last?.seq === seq && last.at === this.#screen.printed() &&
      this.#screen.fitsOneRow(displayWidth(last.line.replace(ANSI_PATTERN, "")) + 3)
    ) {
      this.#screen.rewriteLast(`${last.line} ${mark}`);
    } else if (wasQueued && state !== "queued") {
      this.#screen.print(this.#screen.dim(messageStateLine(state, this.#texts.get(seq) ?? "")));
    }
    if (state === "seen") this.#texts.delete(seq);
  }
}
