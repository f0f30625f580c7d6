/**
 * Runs `deno bench --json` over `bench/` several times and prints, per case,
 * the median over the runs of its mean time per iteration, and its ratio to
 * its group's baseline (the median of the per-run ratios, which cancels
 * much of a shared machine's drift). The table in PERFORMANCE.md comes from
 * here:
 *
 * ```sh
 * deno run --allow-run --allow-read scripts/_bench/micro_medians.ts [--runs 3] [bench files…]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { median } from "./percentiles.ts";

/** The parts of a `deno bench --json` report this module reads. */
export interface BenchReport {
  /** One entry per case. */
  benches: readonly {
    origin: string;
    group: string | null;
    name: string;
    baseline: boolean;
    results: readonly { ok?: { avg: number } }[];
  }[];
}

/** One case over several runs. */
export interface CaseSummary {
  /** The bench file, without its directory. */
  readonly file: string;
  /** Its group, or `""`. */
  readonly group: string;
  /** Its name. */
  readonly name: string;
  /** Median of the mean ns per iteration. */
  readonly avgNs: number;
  /** Median over the runs of (this case's time / the group baseline's time); 1 for the baseline. */
  readonly vsBaseline: number | undefined;
}

/**
 * Medians per case over several reports. A group's baseline is the case
 * marked `baseline`, else its first case.
 */
export function summarizeBenchRuns(reports: readonly BenchReport[]): CaseSummary[] {
  const times = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  const order: { key: string; file: string; group: string; name: string }[] = [];
  for (const report of reports) {
    const baselines = new Map<string, number>();
    for (const bench of report.benches) {
      const avg = bench.results[0]?.ok?.avg;
      if (avg === undefined || bench.group === null) continue;
      const group = `${bench.origin}#${bench.group}`;
      // The marked baseline wins; until one is seen, the group's first case stands in.
      if (bench.baseline || !baselines.has(group)) baselines.set(group, avg);
    }
    for (const bench of report.benches) {
      const avg = bench.results[0]?.ok?.avg;
      if (avg === undefined) continue;
      const group = `${bench.origin}#${bench.group ?? ""}`;
      const key = `${group}#${bench.name}`;
      if (!times.has(key)) {
        times.set(key, []);
        ratios.set(key, []);
        order.push({
          key,
          file: bench.origin.slice(bench.origin.lastIndexOf("/") + 1),
          group: bench.group ?? "",
          name: bench.name,
        });
      }
      times.get(key)!.push(avg);
      const base = bench.group === null ? undefined : baselines.get(group);
      if (base !== undefined) ratios.get(key)!.push(avg / base);
    }
  }
  return order.map(({ key, file, group, name }) => {
    const caseRatios = ratios.get(key)!;
    return {
      file,
      group,
      name,
      avgNs: median(times.get(key)!),
      vsBaseline: caseRatios.length === 0 ? undefined : median(caseRatios),
    };
  });
}

/** A time in ns as deno bench shows it. */
export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/** The summaries as a Markdown table. */
export function markdownTable(cases: readonly CaseSummary[]): string {
  const rows = [
    "| file | group | case | time/iter (median) | iter/s | × group baseline |",
    "| ---- | ----- | ---- | -----------------: | -----: | ---------------: |",
  ];
  for (const c of cases) {
    const perSecond = Math.round(1e9 / c.avgNs).toLocaleString("en-US");
    const ratio = c.vsBaseline === undefined ? "" : c.vsBaseline.toFixed(2);
    rows.push(
      `| ${c.file} | ${c.group} | ${c.name} | ${formatNs(c.avgNs)} | ${perSecond} | ${ratio} |`,
    );
  }
  return rows.join("\n");
}

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { runs: { type: "string", default: "3" } },
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`Invalid --runs: ${values.runs}`);
  const files = positionals.length > 0 ? positionals : ["bench/"];
  const reports: BenchReport[] = [];
  for (let run = 1; run <= runs; run++) {
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bench", "--json", "--allow-net=127.0.0.1", ...files],
      stderr: "piped",
    }).output();
    if (!success) throw new Error(`deno bench failed: ${new TextDecoder().decode(stderr)}`);
    reports.push(JSON.parse(new TextDecoder().decode(stdout)) as BenchReport);
    await Deno.stderr.write(new TextEncoder().encode(`micro_medians: run ${run}/${runs} done\n`));
  }
  await Deno.stdout.write(
    new TextEncoder().encode(markdownTable(summarizeBenchRuns(reports)) + "\n"),
  );
}

if (import.meta.main) await main(Deno.args);
