/**
 * Terminal input, decoded into keys: runs of typed text, named keys (arrows,
 * Home, Ctrl-W, …) and bracketed pastes. Incremental: an escape sequence or a
 * paste may be split across reads, and the decoder keeps what it has not yet
 * understood (bounded: see {@linkcode ESCAPE_CHARS_MAX}).
 *
 * @module
 */

/** A named key. */
export type KeyName =
  | "enter"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "up"
  | "down"
  | "home"
  | "end"
  | "word-left"
  | "word-right"
  | "kill-to-start"
  | "kill-to-end"
  | "delete-word"
  | "tab"
  | "interrupt"
  | "end-of-input"
  | "redraw";

/** One decoded piece of input. */
export type KeyEvent =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "key"; readonly name: KeyName }
  | { readonly type: "paste-start" }
  | { readonly type: "paste"; readonly text: string }
  | { readonly type: "paste-end" };

/**
 * The longest escape sequence kept while waiting for its end: longer ones
 * are not keys any terminal sends, and are dropped.
 */
export const ESCAPE_CHARS_MAX = 32;

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

const CONTROL_KEYS: Readonly<Record<string, KeyName>> = {
  "\r": "enter",
  "\n": "enter",
  "\x7f": "backspace",
  "\b": "backspace",
  "\t": "tab",
  "\x01": "home",
  "\x05": "end",
  "\x02": "left",
  "\x06": "right",
  "\x10": "up",
  "\x0e": "down",
  "\x15": "kill-to-start",
  "\x0b": "kill-to-end",
  "\x17": "delete-word",
  "\x03": "interrupt",
  "\x04": "end-of-input",
  "\x0c": "redraw",
};

/** CSI and SS3 sequences (without the leading ESC) and their keys. */
const ESCAPE_KEYS: Readonly<Record<string, KeyName>> = {
  "[A": "up",
  "[B": "down",
  "[C": "right",
  "[D": "left",
  "[H": "home",
  "[F": "end",
  "OA": "up",
  "OB": "down",
  "OC": "right",
  "OD": "left",
  "OH": "home",
  "OF": "end",
  "[1~": "home",
  "[7~": "home",
  "[4~": "end",
  "[8~": "end",
  "[3~": "delete",
  "[1;5C": "word-right",
  "[1;5D": "word-left",
  "[1;3C": "word-right",
  "[1;3D": "word-left",
  "b": "word-left",
  "f": "word-right",
  "\x7f": "delete-word",
  "\b": "delete-word",
};

/**
 * How long the escape sequence at the start of `input` (which begins with
 * ESC) is, or 0 if it may still be incomplete.
 */
function escapeLength(input: string): number {
  if (input.length < 2) return 0;
  const second = input[1]!;
  if (second === "[") {
    // CSI: parameters and intermediates (0x20–0x3f), then a final byte (0x40–0x7e).
    for (let i = 2; i < input.length; i++) {
      const code = input.charCodeAt(i);
      if (code >= 0x40 && code <= 0x7e) return i + 1;
      if (code < 0x20 || code > 0x3f) return i; // malformed: drop what came before
    }
    return 0;
  }
  if (second === "O") return input.length < 3 ? 0 : 3;
  return 2; // Alt+key, or ESC followed by anything
}

/** Decodes terminal input into {@linkcode KeyEvent}s, one chunk at a time. */
export class KeyDecoder {
  #pending = "";
  #inPaste = false;
  /** An over-long CSI sequence is being skipped up to its final byte. */
  #skippingSequence = false;

  /** Whether a bracketed paste has started and not ended. */
  get inPaste(): boolean {
    return this.#inPaste;
  }

  /** Decodes `chunk` (after what earlier chunks left unfinished). */
  feed(chunk: string): KeyEvent[] {
    const events: KeyEvent[] = [];
    let input = this.#pending + chunk;
    this.#pending = "";
    if (this.#skippingSequence) {
      let i = 0;
      while (i < input.length && input.charCodeAt(i) >= 0x20 && input.charCodeAt(i) <= 0x3f) i++;
      if (i === input.length) return events;
      const code = input.charCodeAt(i);
      input = input.slice(code >= 0x40 && code <= 0x7e ? i + 1 : i);
      this.#skippingSequence = false;
    }
    while (input.length > 0) {
      if (this.#inPaste) {
        const end = input.indexOf(PASTE_END);
        if (end >= 0) {
          if (end > 0) events.push({ type: "paste", text: input.slice(0, end) });
          events.push({ type: "paste-end" });
          this.#inPaste = false;
          input = input.slice(end + PASTE_END.length);
          continue;
        }
        // Keep a tail that could be the start of the end marker.
        const keep = partialSuffix(input, PASTE_END);
        const text = input.slice(0, input.length - keep);
        if (text !== "") events.push({ type: "paste", text });
        this.#pending = input.slice(input.length - keep);
        return events;
      }
      const code = input.charCodeAt(0);
      if (code === 0x1b) {
        const length = escapeLength(input);
        if (length === 0) {
          if (input.length > ESCAPE_CHARS_MAX) {
            // No key is this long: skip it, including what of it is still to come.
            this.#skippingSequence = true;
            return events;
          }
          this.#pending = input;
          return events;
        }
        const sequence = input.slice(0, length);
        input = input.slice(length);
        if (sequence === PASTE_START) {
          this.#inPaste = true;
          events.push({ type: "paste-start" });
          continue;
        }
        const name = ESCAPE_KEYS[sequence.slice(1)];
        if (name !== undefined) events.push({ type: "key", name });
        continue;
      }
      if (code < 0x20 || code === 0x7f) {
        const name = CONTROL_KEYS[input[0]!];
        // A CR LF pair (some terminals send it for Enter) is one Enter.
        const skip = input.startsWith("\r\n") ? 2 : 1;
        if (name !== undefined) events.push({ type: "key", name });
        input = input.slice(skip);
        continue;
      }
      // A run of printable text, up to the next control character or ESC.
      let end = 1;
      while (end < input.length) {
        const c = input.charCodeAt(end);
        if (c < 0x20 || c === 0x7f || c === 0x1b) break;
        end++;
      }
      events.push({ type: "text", text: input.slice(0, end) });
      input = input.slice(end);
    }
    return events;
  }
}

/** The length of the longest suffix of `input` that is a proper prefix of `marker`. */
function partialSuffix(input: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, input.length); n > 0; n--) {
    if (input.endsWith(marker.slice(0, n))) return n;
  }
  return 0;
}
