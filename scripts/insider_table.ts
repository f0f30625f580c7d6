// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * The before/after table of the `insider` scenario: reads the JSON lines of
 * `deno task sim --scenario insider --json` (several seeds, any order) from
 * one or two files and prints a Markdown table of medians per attack —
 * honest delivery during the attack and at the end, honest p99 latency, the
 * time to recover after the attackers left, the largest hold-back queue, and
 * each attack's own outcome — with the second file's figures after an arrow.
 *
 *   for s in 1 2 3; do deno task sim --scenario insider --seed $s --json; done > after.jsonl
 *   deno run --allow-read scripts/insider_table.ts before.jsonl after.jsonl
 *
 * @module
 */

interface Row {
  attack: string;
  delivery_during: number;
  delivery_final: number;
  latency_ms: { p99: number } | null;
  recovered_ms: number | null;
  peaks: { held_back: number };
  outcome: Record<string, number>;
}

/** The rows of a JSON-lines file, grouped by attack. */
export function readRows(text: string): Map<string, Row[]> {
  const byAttack = new Map<string, Row[]>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const row = JSON.parse(line) as Row;
    byAttack.set(row.attack, [...(byAttack.get(row.attack) ?? []), row]);
  }
  return byAttack;
}

/** The median of `values`; `null` stands for "never" and sorts last. */
export function median(values: readonly (number | null)[]): number | null {
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

function cell(rows: Row[] | undefined, pick: (row: Row) => number | null): string {
  if (rows === undefined) return "–";
  const value = median(rows.map(pick));
  return value === null ? "never" : String(value);
}

/** The Markdown table; with `after`, each cell reads `before → after`. */
export function table(before: Map<string, Row[]>, after?: Map<string, Row[]>): string {
  const columns: [string, (row: Row) => number | null][] = [
    ["delivery during", (r) => r.delivery_during],
    ["delivery at end", (r) => r.delivery_final],
    ["p99 ms", (r) => r.latency_ms?.p99 ?? null],
    ["recovered ms", (r) => r.recovered_ms],
    ["held back (peak)", (r) => r.peaks.held_back],
  ];
  const attacks = [...new Set([...before.keys(), ...(after?.keys() ?? [])])];
  const lines = [
    `| attack | seeds | ${columns.map(([name]) => name).join(" | ")} | outcome |`,
    `|---|---|${columns.map(() => "---").join("|")}|---|`,
  ];
  for (const attack of attacks) {
    const b = before.get(attack);
    const a = after?.get(attack);
    const both = (pick: (row: Row) => number | null) =>
      after === undefined ? cell(b, pick) : `${cell(b, pick)} → ${cell(a, pick)}`;
    const keys = [...new Set([...(b ?? []), ...(a ?? [])].flatMap((r) => Object.keys(r.outcome)))];
    const outcome = keys.map((key) => `${key} ${both((r) => r.outcome[key] ?? null)}`).join("; ");
    lines.push(
      `| ${attack} | ${(b ?? a ?? []).length} | ${
        columns.map(([, pick]) => both(pick)).join(" | ")
      } | ${outcome} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  if (Deno.args.length < 1 || Deno.args.length > 2 || Deno.args.includes("--help")) {
    console.log("Usage: deno run --allow-read scripts/insider_table.ts BEFORE.jsonl [AFTER.jsonl]");
    Deno.exit(Deno.args.includes("--help") ? 0 : 2);
  }
  const [before, after] = await Promise.all(Deno.args.map((path) => Deno.readTextFile(path)));
  console.log(table(readRows(before!), after === undefined ? undefined : readRows(after)));
}
