// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Measures what a bracketed paste costs the terminal's input line, against
 * Node's readline (what the terminal used before issue 11): a fake
 * 80 × 24 terminal takes a paste of N characters followed by Enter, while a
 * zero-delay timer measures the longest stall of the event loop (the node's
 * probes and heartbeats wait that long) and the time until the line is
 * entered. Medians of `--runs` runs per case.
 *
 * ```sh
 * deno run scripts/measure_paste.ts [--sizes 6000,16000,65536] [--runs 3] [--readline-max 6000]
 * ```
 *
 * readline is measured only up to `--readline-max` characters: it takes
 * seconds per thousand characters at these sizes.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import * as readline from "node:readline";
import { PassThrough, type Writable } from "node:stream";
import { parseArgs } from "node:util";
import { InputLine } from "../lib/ui/terminal/input_line.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "6000,16000,65536" },
    runs: { type: "string", default: "3" },
    "readline-max": { type: "string", default: "6000" },
  },
});
const sizes = values.sizes.split(",").map(Number);
const runs = Number(values.runs);
const readlineMax = Number(values["readline-max"]);

/** A terminal that swallows output and reports 80 × 24. */
class FakeTerminal extends EventEmitter {
  columns = 80;
  rows = 24;
  isTTY = true;
  write(_text: string): boolean {
    return true;
  }
}

type Kind = "input-line" | "readline";

/** One paste of `chars` characters: [longest stall, time until entered], in ms. */
async function measure(kind: Kind, chars: number): Promise<[number, number]> {
  const input = new PassThrough();
  const output = new FakeTerminal() as unknown as Writable;
  let entered = 0;
  let close: () => void;
  if (kind === "input-line") {
    const line = new InputLine({
      input,
      output,
      prompt: "ann> ",
      onLine: () => entered++,
      onQuit() {},
      completions: () => ({ commands: [], nicks: [] }),
    });
    close = () => line.close();
  } else {
    const rl = readline.createInterface({ input, output, terminal: true, historySize: 200 });
    rl.on("line", () => entered++);
    close = () => rl.close();
  }
  let last = performance.now();
  let worst = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (running) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const text = Array.from({ length: Math.ceil(chars / 50) }, (_, i) => `line ${i} `.padEnd(49, "z"))
    .join(" ").slice(0, chars);
  const start = performance.now();
  input.write(`\x1b[200~${text}\x1b[201~\r`);
  while (entered === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  const total = performance.now() - start;
  // One more turn: a paste taken synchronously (readline) shows its stall only to the next tick.
  await new Promise((resolve) => setTimeout(resolve, 0));
  running = false;
  close();
  return [worst, total];
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

for (const chars of sizes) {
  for (const kind of ["readline", "input-line"] as const) {
    if (kind === "readline" && chars > readlineMax) continue;
    const results: [number, number][] = [];
    for (let i = 0; i < runs; i++) results.push(await measure(kind, chars));
    console.log(JSON.stringify({
      kind,
      chars,
      runs,
      longestStallMs: Number(median(results.map((r) => r[0])).toFixed(1)),
      enteredMs: Number(median(results.map((r) => r[1])).toFixed(1)),
    }));
  }
}
Deno.exit(0);
