/**
 * The input line of the terminal: the I/O shell around the pure editor.
 * Reads raw keys (bracketed paste on), edits the draft, draws it wrapped at
 * the terminal's width below everything printed, and prints new lines above
 * it without ever breaking it. Input is decoded in bounded slices with a
 * yield to the event loop between them, so a paste of any size never stalls
 * the node sharing this loop; a paste is inserted as one edit when it ends.
 *
 * @module
 */

import type { Readable, Writable } from "node:stream";
import { utf8Bytes } from "../../wire/fields.ts";
import { completeWord } from "./completion.ts";
import { InputHistory } from "./input_history.ts";
import { KeyDecoder, type KeyEvent, type KeyName } from "./key_decoder.ts";
import {
  deleteBackward,
  deleteForward,
  deleteWordBackward,
  type Draft,
  draftOf,
  EMPTY_DRAFT,
  insertText,
  killToEnd,
  killToStart,
  moveEnd,
  moveHome,
  moveLeft,
  moveRight,
  moveWordLeft,
  moveWordRight,
} from "./line_editor.ts";
import {
  cursorRowAfterResize,
  type DraftView,
  drawView,
  eraseView,
  layoutDraft,
  linesAbove,
  ROW_ABOVE,
} from "./screen.ts";
import { displayWidth } from "./text_width.ts";

/** How large a draft may grow, in UTF-8 bytes (typed or pasted): four full chat texts. */
export const DRAFT_BYTES_MAX = 16_384;

/** How many characters of input are decoded before yielding to the event loop. */
export const INPUT_SLICE_CHARS = 2_048;

/** How many characters of input may wait to be decoded before reading is paused. */
export const INPUT_QUEUE_CHARS_MAX = 65_536;

/** Which share of the screen's rows the draft may take (the rest shows the chat). */
export const DRAFT_SCREEN_SHARE = 0.5;

/** Columns and rows assumed when the output does not say (not a terminal). */
const DEFAULT_SIZE = { columns: 80, rows: 24 } as const;

const ENABLE_BRACKETED_PASTE = "\x1b[?2004h";
const DISABLE_BRACKETED_PASTE = "\x1b[?2004l";

/** Options of {@linkcode InputLine}. */
export interface InputLineOptions {
  /** Keyboard input (put in raw mode when it is a terminal). */
  input: Readable;
  /** The screen. */
  output: Writable;
  /** The prompt before the draft (plain text). */
  prompt: string;
  /** A line was entered (the whole draft; it may hold newlines from a paste). */
  onLine(text: string): void;
  /** Ctrl-C, Ctrl-D on an empty draft, or the end of input. */
  onQuit(): void;
  /** The words Tab completes: commands (first word) and nicks. */
  completions(): { commands: readonly string[]; nicks: readonly string[] };
  /** How notices of the input line itself are styled (default: as they are). */
  style?: (text: string) => string;
  /** Default {@linkcode DRAFT_BYTES_MAX}. */
  draftBytesMax?: number;
}

interface SizedStream {
  columns?: number;
  rows?: number;
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

/** An in-progress bracketed paste. */
interface Paste {
  chunks: string[];
  bytes: number;
  refused: boolean;
}

/** The input line: a draft drawn below everything printed. */
export class InputLine {
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #options: InputLineOptions;
  readonly #draftBytesMax: number;
  readonly #decoder = new KeyDecoder();
  readonly #utf8 = new TextDecoder();
  readonly #history = new InputHistory();
  #prompt: string;
  #draft: Draft = EMPTY_DRAFT;
  #view: DraftView | undefined;
  /** The cursor's row within the view as the terminal now shows it. */
  #drawnCursorRow = 0;
  #columns: number;
  #queue: string[] = [];
  #queuedChars = 0;
  #scheduled = false;
  #paused = false;
  #paste: Paste | undefined;
  #closed = false;
  readonly #onData = (chunk: Uint8Array | string) => this.#receive(chunk);
  readonly #onEnd = () => this.#options.onQuit();
  readonly #onResize = () => this.#resize();

  /** Takes over `input` (raw mode, bracketed paste) and draws the prompt. */
  constructor(options: InputLineOptions) {
    this.#options = options;
    this.#input = options.input;
    this.#output = options.output;
    this.#prompt = options.prompt;
    this.#draftBytesMax = options.draftBytesMax ?? DRAFT_BYTES_MAX;
    this.#columns = this.#size().columns;
    (this.#input as SizedStream).setRawMode?.(true);
    this.#input.on("data", this.#onData);
    this.#input.on("end", this.#onEnd);
    this.#output.on("resize", this.#onResize);
    this.#input.resume();
    this.#write(ENABLE_BRACKETED_PASTE);
    this.#render();
  }

  /** Whether all input read so far has been handled (none waits to be decoded). */
  get idle(): boolean {
    return this.#queue.length === 0 && !this.#scheduled;
  }

  /** The draft being typed. */
  get draft(): Draft {
    return this.#draft;
  }

  /** Prints `text` (one line or several) above the draft, and redraws the draft below it. */
  print(text: string): void {
    if (this.#closed) {
      this.#write(linesAbove(text));
      return;
    }
    this.#write(eraseView(this.#drawnCursorRow) + linesAbove(text) + this.#draw());
  }

  /**
   * Rewrites the last line printed, which must have taken one row (see
   * {@linkcode InputLine.columns}), and redraws the draft below it: a state
   * mark changes in place.
   */
  replaceLast(text: string): void {
    if (this.#closed) return;
    this.#write(
      eraseView(this.#drawnCursorRow) + ROW_ABOVE + linesAbove(text) + this.#draw(),
    );
  }

  /** The terminal's width in columns. */
  get columns(): number {
    return this.#size().columns;
  }

  /** Changes the prompt. */
  setPrompt(prompt: string): void {
    this.#prompt = prompt;
    this.#render();
  }

  /** Stops reading: the draft is erased, the terminal put back as it was. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#input.off("data", this.#onData);
    this.#input.off("end", this.#onEnd);
    this.#output.off("resize", this.#onResize);
    (this.#input as SizedStream).setRawMode?.(false);
    this.#input.pause();
    this.#write(eraseView(this.#drawnCursorRow) + DISABLE_BRACKETED_PASTE);
  }

  #size(): { columns: number; rows: number } {
    const { columns, rows } = this.#output as SizedStream;
    return {
      columns: typeof columns === "number" && columns > 0 ? columns : DEFAULT_SIZE.columns,
      rows: typeof rows === "number" && rows > 0 ? rows : DEFAULT_SIZE.rows,
    };
  }

  #write(text: string): void {
    if (text !== "") this.#output.write(text);
  }

  /** Lays the draft out and returns what draws it (and remembers where the cursor will be). */
  #draw(): string {
    const { columns, rows } = this.#size();
    this.#columns = columns;
    this.#view = layoutDraft(this.#prompt, this.#draft.text, this.#draft.cursor, {
      columns,
      rowsMax: Math.max(1, Math.floor(rows * DRAFT_SCREEN_SHARE)),
    });
    this.#drawnCursorRow = this.#view.cursorRow;
    return drawView(this.#view);
  }

  #render(): void {
    if (this.#closed) return;
    this.#write(eraseView(this.#drawnCursorRow) + this.#draw());
  }

  #resize(): void {
    const { columns } = this.#size();
    if (this.#view !== undefined && columns !== this.#columns) {
      const widths = this.#view.rows.map((row) => displayWidth(row));
      this.#drawnCursorRow = cursorRowAfterResize(this.#view, widths, columns);
    }
    this.#render();
  }

  #receive(chunk: Uint8Array | string): void {
    const text = typeof chunk === "string" ? chunk : this.#utf8.decode(chunk, { stream: true });
    if (text === "") return;
    this.#queue.push(text);
    this.#queuedChars += text.length;
    if (this.#queuedChars > INPUT_QUEUE_CHARS_MAX && !this.#paused) {
      this.#paused = true;
      this.#input.pause();
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setTimeout(() => this.#pump(), 0);
  }

  /** Decodes one bounded slice of the queued input, then yields. */
  #pump(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    let slice = "";
    while (this.#queue.length > 0 && slice.length < INPUT_SLICE_CHARS) {
      const head = this.#queue[0]!;
      let take = Math.min(head.length, INPUT_SLICE_CHARS - slice.length);
      // Never split a surrogate pair between slices.
      const last = head.charCodeAt(take - 1);
      if (take < head.length && take > 1 && last >= 0xd800 && last <= 0xdbff) take--;
      slice += head.slice(0, take);
      if (take === head.length) this.#queue.shift();
      else this.#queue[0] = head.slice(take);
    }
    this.#queuedChars -= slice.length;
    const before = this.#draft;
    const beforePrompt = this.#prompt;
    for (const event of this.#decoder.feed(slice)) {
      if (this.#closed) return;
      this.#apply(event);
    }
    if (this.#closed) return;
    if (!this.#decoder.inPaste && (this.#draft !== before || this.#prompt !== beforePrompt)) {
      this.#render();
    }
    if (this.#queue.length > 0) this.#schedule();
    else if (this.#paused) {
      this.#paused = false;
      this.#input.resume();
    }
  }

  #apply(event: KeyEvent): void {
    switch (event.type) {
      case "text":
        this.#insert(event.text);
        return;
      case "paste-start":
        this.#paste = { chunks: [], bytes: 0, refused: false };
        return;
      case "paste": {
        const paste = this.#paste ??= { chunks: [], bytes: 0, refused: false };
        paste.bytes += utf8Bytes(event.text);
        if (utf8Bytes(this.#draft.text) + paste.bytes > this.#draftBytesMax) {
          paste.refused = true;
          paste.chunks = [];
        }
        if (!paste.refused) paste.chunks.push(event.text);
        return;
      }
      case "paste-end": {
        const paste = this.#paste;
        this.#paste = undefined;
        if (paste === undefined) return;
        if (paste.refused) {
          this.#notice(
            `Paste refused: ${paste.bytes} bytes would make the draft longer than ${this.#draftBytesMax} bytes; nothing was inserted.`,
          );
          return;
        }
        // Terminals send a pasted newline as CR: keep it as a newline of the message.
        this.#draft = insertText(this.#draft, paste.chunks.join("").replace(/\r\n?/g, "\n"));
        return;
      }
      case "key":
        this.#key(event.name);
        return;
    }
  }

  #insert(text: string): void {
    if (utf8Bytes(this.#draft.text) + utf8Bytes(text) > this.#draftBytesMax) {
      this.#notice(`The draft is full (${this.#draftBytesMax} bytes): send it or shorten it.`);
      return;
    }
    this.#draft = insertText(this.#draft, text);
  }

  #notice(text: string): void {
    this.print(this.#options.style?.(text) ?? text);
  }

  #key(name: KeyName): void {
    const draft = this.#draft;
    switch (name) {
      case "enter": {
        const text = draft.text;
        this.#history.add(text);
        this.#draft = EMPTY_DRAFT;
        this.#render();
        this.#options.onLine(text);
        return;
      }
      case "interrupt":
        this.#options.onQuit();
        return;
      case "end-of-input":
        if (draft.text === "") this.#options.onQuit();
        else this.#draft = deleteForward(draft);
        return;
      case "tab": {
        const { draft: completed, candidates } = completeWord(draft, this.#options.completions());
        this.#draft = completed;
        if (candidates.length > 0) this.#notice(candidates.join("  "));
        return;
      }
      case "up": {
        const line = this.#history.previous(draft.text);
        if (line !== undefined) this.#draft = draftOf(line);
        return;
      }
      case "down": {
        const line = this.#history.next();
        if (line !== undefined) this.#draft = draftOf(line);
        return;
      }
      case "redraw":
        this.#render();
        return;
      default:
        this.#draft = EDITS[name](draft);
    }
  }
}

/** The keys that are plain edits of the draft. */
const EDITS: Record<
  Exclude<KeyName, "enter" | "interrupt" | "end-of-input" | "tab" | "up" | "down" | "redraw">,
  (draft: Draft) => Draft
> = {
  "backspace": deleteBackward,
  "delete": deleteForward,
  "left": moveLeft,
  "right": moveRight,
  "home": moveHome,
  "end": moveEnd,
  "word-left": moveWordLeft,
  "word-right": moveWordRight,
  "kill-to-start": killToStart,
  "kill-to-end": killToEnd,
  "delete-word": deleteWordBackward,
};
