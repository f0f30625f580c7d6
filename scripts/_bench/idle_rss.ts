// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Measures one idle peer's memory: a bootstrap and three `main.ts peer
 * --json` processes on loopback; once the measured peer is connected to the
 * two others it idles for `--idle-seconds`, then its memory is read from
 * Linux `/proc`: `VmRSS`, `RssAnon`, `RssFile` (`/proc/PID/status`), `Pss`
 * (`/proc/PID/smaps_rollup`: file pages shared with the other `deno`
 * processes count once over all of them) and the JavaScript heap in use
 * (its `stats` answer). `--runs` runs, one JSON line each on stdout, then
 * one line of medians. Memory is not timing-sensitive: this may run while
 * the machine is busy.
 *
 * ```sh
 * deno run -A scripts/_bench/idle_rss.ts [--runs 3] [--idle-seconds 10]
 *   [--encryption on|off] [--v8-flags=FLAGS] [--repo DIR]
 * ```
 *
 * Every process runs with the V8 flags of the checkout's `deno task peer`,
 * or `--v8-flags=FLAGS` (`--v8-flags=` for none), to compare heap settings;
 * `--repo` measures another checkout's `main.ts`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  ChildProcess,
  MAIN_PERMISSIONS,
  REPO_ROOT,
  waitUntilConnected,
} from "../../tests/_helpers/process.ts";
import { peerTaskV8Flags } from "../node_v8_flags.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "3" },
    "idle-seconds": { type: "string", default: "10" },
    encryption: { type: "string", default: "on" },
    "v8-flags": { type: "string" },
    repo: { type: "string" },
  },
});
const runs = positiveInteger("runs");
const idleSeconds = positiveInteger("idle-seconds");
if (values.encryption !== "on" && values.encryption !== "off") {
  throw new RangeError(`--encryption must be on or off: ${values.encryption}`);
}
const insecure = values.encryption === "off" ? ["--insecure"] : [];
const cwd = values.repo;
// Like `deno task peer` of the measured checkout, unless --v8-flags says otherwise (`--v8-flags=`: none).
const v8FlagsValue = values["v8-flags"] ??
  peerTaskV8Flags(await Deno.readTextFile(`${cwd ?? REPO_ROOT}/deno.json`).catch(() => "{}"));
const v8Flags = v8FlagsValue === undefined || v8FlagsValue === ""
  ? []
  : [`--v8-flags=${v8FlagsValue}`];

/** One run's memory figures of the measured peer, in MiB. */
interface Sample {
  readonly rss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly pss: number;
  readonly heapUsed: number;
}

function positiveInteger(name: "runs" | "idle-seconds"): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`--${name} must be a positive integer: ${values[name]}`);
  }
  return value;
}

function kbField(text: string, name: string, pid: number): number {
  const match = new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, "m").exec(text);
  if (match === null) throw new Error(`No ${name} for process ${pid}`);
  return Number(match[1]);
}

const mib = (kb: number) => Number((kb / 1024).toFixed(1));

function spawn(args: readonly string[], name: string): ChildProcess {
  return new ChildProcess(
    [
      "run",
      ...v8Flags,
      ...MAIN_PERMISSIONS,
      "main.ts",
      ...args,
      "--json",
      "--listen",
      "127.0.0.1:0",
    ],
    { name, ...(cwd === undefined ? {} : { cwd }) },
  );
}

async function ready(child: ChildProcess): Promise<{ id: string; addr: string }> {
  const line = await child.waitFor((l) => l.type === "ready", 60_000, "ready");
  return { id: String(line.id), addr: String(line.addr) };
}

/** Starts the cluster, idles, and measures the first peer. */
async function measure(): Promise<Sample> {
  const children: ChildProcess[] = [];
  try {
    const bootstrap = spawn(["bootstrap", ...insecure], "bootstrap");
    children.push(bootstrap);
    const { addr } = await ready(bootstrap);
    const peers = ["ann", "bob", "cy"].map((nick) =>
      spawn(["peer", "--ephemeral", "--bootstrap", addr, "--nick", nick, ...insecure], nick)
    );
    children.push(...peers);
    const [measured, ...others] = await Promise.all(peers.map(ready));
    await waitUntilConnected(peers[0]!, others.map((o) => o.id), 60_000);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const pid = peers[0]!.pid;
    const stats = await peers[0]!.ask({ type: "stats" }, "stats", 30_000);
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const rollup = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
    void measured;
    return {
      rss: mib(kbField(status, "VmRSS", pid)),
      rssAnon: mib(kbField(status, "RssAnon", pid)),
      rssFile: mib(kbField(status, "RssFile", pid)),
      pss: mib(kbField(rollup, "Pss", pid)),
      heapUsed: Number((Number(stats.heapUsedBytes) / 2 ** 20).toFixed(1)),
    };
  } finally {
    await Promise.all(children.map((child) => child.close()));
  }
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const samples: Sample[] = [];
for (let run = 1; run <= runs; run++) {
  const sample = await measure();
  samples.push(sample);
  console.log(JSON.stringify({ run, ...sample }));
}
const keys = ["rss", "rssAnon", "rssFile", "pss", "heapUsed"] as const;
console.log(JSON.stringify({
  median_of_runs: runs,
  encryption: values.encryption,
  idle_seconds: idleSeconds,
  v8_flags: v8Flags[0]?.slice("--v8-flags=".length) ?? null,
  ...Object.fromEntries(keys.map((k) => [`${k}_mib`, median(samples.map((s) => s[k]))])),
}));
