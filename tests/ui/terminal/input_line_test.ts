import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { PassThrough, type Writable } from "node:stream";
import {
  DRAFT_BYTES_MAX,
  INPUT_SLICE_CHARS,
  InputLine,
} from "../../../lib/ui/terminal/input_line.ts";
import { VtScreen } from "../../_helpers/vt_screen.ts";

/** A terminal: keyboard input, and a screen that interprets what is written. */
class FakeTerminal extends EventEmitter {
  readonly input = new PassThrough();
  screen: VtScreen;
  writes: string[] = [];
  columns: number;
  rows: number;
  lines: string[] = [];
  quits = 0;
  readonly line: InputLine;

  constructor(columns: number, rows = 40, options: { nicks?: string[] } = {}) {
    super();
    this.columns = columns;
    this.rows = rows;
    this.screen = new VtScreen(columns, rows);
    this.line = new InputLine({
      input: this.input,
      output: this as unknown as Writable,
      prompt: "ann> ",
      onLine: (text) => this.lines.push(text),
      onQuit: () => this.quits++,
      completions: () => ({ commands: ["/msg", "/nick"], nicks: options.nicks ?? [] }),
    });
  }

  write(text: string): boolean {
    this.writes.push(text);
    this.screen.write(text);
    return true;
  }

  /** Types `keys` and waits until they have all been handled. */
  async type(keys: string): Promise<void> {
    this.input.write(keys);
    await until(() => this.idle);
  }

  get idle(): boolean {
    return this.input.readableLength === 0 && this.line.idle;
  }
}

/** Waits, turn by turn of the event loop (never for a time), until `condition` holds. */
async function until(condition: () => boolean, turnsMax = 10_000): Promise<void> {
  for (let turn = 0; turn < turnsMax; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (condition()) return;
  }
  throw new Error("condition not reached");
}

Deno.test("InputLine: a draft of three rows stays intact while lines are printed above it", async () => {
  const term = new FakeTerminal(20);
  try {
    const draft = "this draft is longer than two rows of twenty";
    await term.type(draft);
    term.line.print("bob: hello");
    term.line.print("bob: a line that wraps over two rows");
    const screen = term.screen.transcript;
    assert.deepEqual(screen, [
      "bob: hello",
      "bob: a line that wra",
      "ps over two rows",
      "ann> this draft is l",
      "onger than two rows",
      "of twenty",
    ]);
    assert.deepEqual([term.screen.row, term.screen.column], [5, 9]);
  } finally {
    term.line.close();
  }
});

Deno.test("InputLine: editing keys, Enter, Up recall, Ctrl-D and Ctrl-C", async () => {
  const term = new FakeTerminal(40);
  try {
    await term.type("helo\x1b[D\x1b[Dl\x1b[F!\r");
    assert.deepEqual(term.lines, ["hello!"]);
    assert.equal(term.line.draft.text, "");
    await term.type("x\x1b[A");
    assert.equal(term.line.draft.text, "hello!");
    await term.type("\x1b[B");
    assert.equal(term.line.draft.text, "x");
    await term.type("\x01\x04");
    assert.equal(term.line.draft.text, "", "Ctrl-D with text deletes forward");
    assert.equal(term.quits, 0);
    await term.type("\x04");
    assert.equal(term.quits, 1, "Ctrl-D on an empty line quits");
    await term.type("\x03");
    assert.equal(term.quits, 2, "Ctrl-C quits");
  } finally {
    term.line.close();
  }
});

Deno.test("InputLine: Tab completes a nick and lists several", async () => {
  const term = new FakeTerminal(40, 10, { nicks: ["mallory", "mark", "bob"] });
  try {
    await term.type("hi b\t");
    assert.equal(term.line.draft.text, "hi bob ");
    await term.type("\x15ma\t");
    assert.equal(term.line.draft.text, "ma");
    assert.ok(term.screen.transcript.includes("mallory  mark"), term.screen.transcript.join("\n"));
  } finally {
    term.line.close();
  }
});

Deno.test("InputLine: a multi-line bracketed paste is inserted as one edit, newlines kept, no redraw per character", async () => {
  const term = new FakeTerminal(80);
  try {
    const lines = Array.from({ length: 100 }, (_, i) => `pasted line ${i} ${"x".repeat(45)}`);
    const pasted = lines.join("\r");
    assert.ok(pasted.length >= 6_000);
    const writesBefore = term.writes.length;
    await term.type(`\x1b[200~${pasted}\x1b[201~`);
    assert.equal(term.line.draft.text, lines.join("\n"));
    assert.equal(term.writes.length - writesBefore, 1, "one redraw, when the paste ends");
    await term.type("\r");
    assert.deepEqual(term.lines, [lines.join("\n")]);
  } finally {
    term.line.close();
  }
});

Deno.test("InputLine: a paste over the draft limit is refused with a notice, decoded in slices with turns of the event loop between", async () => {
  const term = new FakeTerminal(80);
  try {
    await term.type("kept");
    const size = 4 * DRAFT_BYTES_MAX;
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    await term.type(`\x1b[200~${"y".repeat(size)}\x1b[201~`);
    await until(() => term.screen.transcript.some((l) => l.startsWith("Paste refused")));
    done = true;
    assert.ok(
      turns >= size / INPUT_SLICE_CHARS,
      `other timers ran between slices (${turns} turns for ${size / INPUT_SLICE_CHARS} slices)`,
    );
    assert.equal(term.line.draft.text, "kept");
    assert.ok(
      term.screen.transcript.some((l) =>
        l.includes(
          `Paste refused: ${size} bytes would make the draft longer than ${DRAFT_BYTES_MAX}`,
        )
      ),
    );
  } finally {
    term.line.close();
  }
});

Deno.test("InputLine: wide characters and emoji wrap whole; Backspace removes a grapheme", async () => {
  const term = new FakeTerminal(10);
  try {
    await term.type("ab世界👍🏽e\u0301");
    assert.deepEqual(term.screen.transcript, ["ann> ab世", "界👍🏽e\u0301"]);
    await term.type("\x7f\x7f");
    assert.equal(term.line.draft.text, "ab世界");
    assert.deepEqual(term.screen.transcript, ["ann> ab世", "界"]);
    assert.deepEqual([term.screen.row, term.screen.column], [1, 2]);
  } finally {
    term.line.close();
  }
});
