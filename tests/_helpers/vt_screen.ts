/**
 * A small terminal emulator for tests of what the terminal UI writes: enough
 * of a VT100 to follow the input line (CR, LF, cursor up/forward, erase to
 * the end of the screen or line, autowrap with the pending-wrap state of real
 * terminals, scrolling into a scrollback). Wide characters take two cells.
 * Independent of the code under test: widths come from a short list.
 */

const SEGMENTER = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Width of the characters the tests use: CJK and the listed emoji 2, others 1. */
function cellWidth(grapheme: string): number {
  const code = grapheme.codePointAt(0)!;
  if (code >= 0x4e00 && code <= 0x9fff) return 2;
  if (code >= 0x1f300 && code <= 0x1faff) return 2;
  return 1;
}

/** The screen of a terminal of `columns` × `rows`, fed with what a program writes. */
export class VtScreen {
  readonly columns: number;
  readonly rows: number;
  /** Lines scrolled off the top, oldest first. */
  readonly scrollback: string[] = [];
  #grid: string[][];
  row = 0;
  column = 0;
  #pendingWrap = false;
  #saved: [number, number] = [0, 0];

  constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.#grid = Array.from({ length: rows }, () => this.#blank());
  }

  #blank(): string[] {
    return Array.from({ length: this.columns }, () => " ");
  }

  /** The rows of the screen, trailing spaces cut. */
  get lines(): string[] {
    return this.#grid.map((cells) => cells.join("").trimEnd());
  }

  /** Scrollback and screen, trailing empty rows cut. */
  get transcript(): string[] {
    const all = [...this.scrollback, ...this.lines];
    while (all.length > 0 && all.at(-1) === "") all.pop();
    return all;
  }

  #lineFeed(): void {
    if (this.row === this.rows - 1) {
      this.scrollback.push(this.#grid.shift()!.join("").trimEnd());
      this.#grid.push(this.#blank());
    } else this.row++;
  }

  /** Interprets `text` as a program's output. */
  write(text: string): void {
    let i = 0;
    while (i < text.length) {
      const char = text[i]!;
      if (char === "\x1b" && (text[i + 1] === "7" || text[i + 1] === "8")) {
        if (text[i + 1] === "7") this.#saved = [this.row, this.column];
        else [this.row, this.column] = this.#saved;
        this.#pendingWrap = false;
        i += 2;
        continue;
      }
      if (char === "\x1b") {
        // deno-lint-ignore no-control-regex
        const match = /^\x1b\[([?0-9;]*)([A-Za-z~])/.exec(text.slice(i));
        if (match === null) {
          throw new Error(`VtScreen: unknown escape at ${JSON.stringify(text.slice(i, i + 8))}`);
        }
        this.#control(match[1]!, match[2]!);
        i += match[0].length;
        continue;
      }
      if (char === "\r") {
        this.column = 0;
        this.#pendingWrap = false;
        i++;
        continue;
      }
      if (char === "\n") {
        this.#lineFeed();
        this.#pendingWrap = false;
        i++;
        continue;
      }
      const segment = SEGMENTER.segment(text.slice(i, i + 16)).containing(0)!.segment;
      this.#put(segment);
      i += segment.length;
    }
  }

  #put(grapheme: string): void {
    const width = cellWidth(grapheme);
    if (this.#pendingWrap || this.column + width > this.columns) {
      this.column = 0;
      this.#lineFeed();
      this.#pendingWrap = false;
    }
    const cells = this.#grid[this.row]!;
    cells[this.column] = grapheme;
    if (width === 2) cells[this.column + 1] = "";
    this.column += width;
    if (this.column >= this.columns) {
      this.column = this.columns - 1;
      this.#pendingWrap = true;
    }
  }

  #control(params: string, final: string): void {
    const n = Math.max(1, Number(params) || 1);
    switch (final) {
      case "A":
        this.row = Math.max(0, this.row - n);
        break;
      case "B":
        this.row = Math.min(this.rows - 1, this.row + n);
        break;
      case "C":
        this.column = Math.min(this.columns - 1, this.column + n);
        break;
      case "J":
        this.#grid[this.row]!.fill(" ", this.column);
        for (let r = this.row + 1; r < this.rows; r++) this.#grid[r] = this.#blank();
        break;
      case "K":
        this.#grid[this.row]!.fill(" ", this.column);
        break;
      case "h":
      case "l":
      case "m":
        return; // modes and colours: nothing to draw
      default:
        throw new Error(`VtScreen: unsupported CSI ${params}${final}`);
    }
    this.#pendingWrap = false;
  }
}
