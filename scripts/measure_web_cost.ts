// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Measures what the web front end costs an idle peer: a bootstrap and three
 * `main.ts peer --json` processes on loopback; the measured peer runs either
 * plain or with `--web` and its chat page open in headless Chromium (the
 * test harness, tests/_helpers/browser.ts). After `--warmup` seconds it reads
 * the peer's CPU time (user + system, /proc/PID/stat) over `--seconds`
 * seconds of idling and its resident memory (VmRSS, /proc/PID/status) at the
 * end; each mode runs `--runs` times, alternating, and the medians are
 * printed as one JSON line per mode. Linux only. Run nothing else heavy at
 * the same time.
 *
 * ```sh
 * deno run -A scripts/measure_web_cost.ts [--runs 3] [--seconds 60] [--warmup 5]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type TestBrowser, waitForText, withBrowser } from "../tests/_helpers/browser.ts";
import {
  type ProcessGroup,
  startReady,
  waitUntilConnected,
  withProcesses,
} from "../tests/_helpers/process.ts";
import { startBootstrap, startWebPeer } from "../tests/_helpers/web_peers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "5" },
  },
});
const runs = positiveInteger("runs");
const seconds = positiveInteger("seconds");
const warmupSeconds = Number(values.warmup);

/** Clock ticks per second of /proc/PID/stat times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

type Mode = "plain" | "web";

/** One run's figures for the measured peer. */
interface Sample {
  /** CPU milliseconds (user + system) over the measured window. */
  readonly cpuMs: number;
  /** Resident memory at the end of the window, KiB. */
  readonly rssKib: number;
}

function positiveInteger(name: "runs" | "seconds"): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`--${name} must be a positive integer: ${values[name]}`);
  }
  return value;
}

/** User + system CPU ticks of a process (fields 14 and 15 of /proc/PID/stat). */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident memory of a process in KiB (VmRSS of /proc/PID/status). */
async function rssKib(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const found = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (found === null) throw new Error(`No VmRSS for process ${pid}`);
  return Number(found[1]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the cluster, idles, and measures the first peer. */
async function measure(mode: Mode, browser: TestBrowser): Promise<Sample> {
  let sample: Sample | undefined;
  await withProcesses(async (group: ProcessGroup) => {
    const bootstrap = await startBootstrap(group);
    const plain = (nick: string) =>
      startReady(group, ["peer", "--bootstrap", bootstrap, "--nick", nick], `peer ${nick}`);
    const [measured, ...others] = await Promise.all([
      mode === "web" ? startWebPeer(group, bootstrap, "ann") : plain("ann"),
      plain("bob"),
      plain("cy"),
    ]);
    await waitUntilConnected(measured!.process, others.map((o) => o.id));
    const page = "web" in measured! ? await browser.openPage(String(measured.web)) : undefined;
    if (page !== undefined) await waitForText(page, "#status", "live");
    await sleep(warmupSeconds * 1000);
    const pid = measured!.process.pid;
    const before = await cpuTicks(pid);
    await sleep(seconds * 1000);
    const after = await cpuTicks(pid);
    sample = {
      cpuMs: (after - before) * 1000 / CLOCK_TICKS_PER_SECOND,
      rssKib: await rssKib(pid),
    };
    if (page !== undefined) {
      // Still live at the end: the figures are those of a peer with a page connected.
      await waitForText(page, "#status", "live");
      await page.close();
    }
  });
  return sample!;
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const samples: Record<Mode, Sample[]> = { plain: [], web: [] };
await withBrowser(async (browser) => {
  for (let run = 1; run <= runs; run++) {
    for (const mode of ["plain", "web"] as const) {
      const sample = await measure(mode, browser);
      samples[mode].push(sample);
      console.error(`run ${run} ${mode}: ${JSON.stringify(sample)}`);
    }
  }
});
for (const mode of ["plain", "web"] as const) {
  const cpuMs = median(samples[mode].map((s) => s.cpuMs));
  console.log(JSON.stringify({
    mode,
    runs,
    seconds,
    cpuMsMedian: cpuMs,
    cpuPercentOfOneCore: Number((cpuMs / (seconds * 10)).toFixed(3)),
    rssMibMedian: Number((median(samples[mode].map((s) => s.rssKib)) / 1024).toFixed(1)),
    samples: samples[mode],
  }));
}
