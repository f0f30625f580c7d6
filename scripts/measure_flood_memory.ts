/**
 * Measures what a chat flood leaves in the memory of the peers that receive
 * it, with real processes: a bootstrap and N peers (`main.ts peer --json
 * --ephemeral`) join; then one of them, the flooder, sends M messages of T
 * bytes as fast as its stdin takes them. The other peers' resident memory
 * (VmRSS) is sampled every 250 ms: its median over them before the flood
 * (baseline), its peak during it, and once every peer has delivered the
 * whole flood and a quiet period has passed (final).
 *
 * `--repo DIR` runs another checkout's `main.ts` (for before/after figures
 * measured the same way).
 *
 * ```sh
 * deno run --allow-run --allow-read --allow-write --allow-env scripts/measure_flood_memory.ts \
 *   [--peers 4] [--messages 20000] [--text-bytes 2000] [--quiet-seconds 20] [--repo DIR]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { JsonChild } from "./_bench/json_child.ts";
import { readMemory, RssSampler } from "./_bench/process_metrics.ts";

const MAIN_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-ffi",
];
/** Give up on any one phase after this long. */
const PHASE_TIMEOUT_MS = 120_000;
const ENCODER = new TextEncoder();

function log(text: string): void {
  Deno.stderr.writeSync(ENCODER.encode(`measure_flood_memory: ${text}\n`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const mb = (kb: number) => Math.round(kb / 1024 * 10) / 10;

/** The options of one measurement. */
export interface FloodOptions {
  readonly repo: string;
  readonly peers: number;
  readonly messages: number;
  readonly textBytes: number;
  readonly quietSeconds: number;
}

/** Runs one measurement; see the module documentation. */
export async function measureFlood(options: FloodOptions): Promise<Record<string, unknown>> {
  const spawn = (name: string, args: readonly string[]) =>
    new JsonChild(name, [
      "run",
      ...MAIN_PERMISSIONS,
      "main.ts",
      ...args,
      ...(Deno.env.get("FLOOD_DEBUG") ? ["-v"] : []),
    ], {
      cwd: options.repo,
      timeoutMs: PHASE_TIMEOUT_MS,
    });
  const nodes: JsonChild[] = [];
  const sampler = new RssSampler(250);
  try {
    const bootstrap = spawn("bootstrap", ["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
    nodes.push(bootstrap);
    const bootstrapAddr = (await bootstrap.next("ready")).addr as string;
    const peers = Array.from({ length: options.peers }, (_, i) =>
      spawn(`peer${i}`, [
        "peer",
        "--json",
        "--listen",
        "127.0.0.1:0",
        "--bootstrap",
        bootstrapAddr,
        "--nick",
        `peer${i}`,
        "--ephemeral",
      ]));
    nodes.push(...peers);
    await Promise.all(peers.map((p) => p.next("ready")));
    const [flooder, ...receivers] = peers as [JsonChild, ...JsonChild[]];
    // Joined: each receiver delivers a hello from the flooder.
    const hello = receivers.map((r) => r.next((l) => l.type === "message" && l.text === "hello"));
    await flooder.send({ type: "send", text: "hello" });
    await Promise.all(hello);
    await sleep(2_000);
    const pids = receivers.map((r) => r.pid);
    const baseline = await Promise.all(pids.map(async (pid) => (await readMemory(pid))!.rssKb));
    const statsOf = () => Promise.all(receivers.map((r) => r.ask({ type: "stats" }, "stats")));
    const statsBefore = await statsOf();
    for (const pid of pids) sampler.add(pid);
    log(`baseline RSS ${mb(median(baseline))} MB (median of ${pids.length}); flooding`);

    const filler = "x".repeat(Math.max(0, options.textBytes - 12));
    const floodStart = performance.now();
    for (let k = 0; k < options.messages; k++) {
      await flooder.send({ type: "send", text: `${String(k).padStart(10, "0")} ${filler}` });
    }
    const expected = options.messages + 1;
    const deadline = performance.now() + PHASE_TIMEOUT_MS;
    const deliveredBy = (r: JsonChild) => r.messages.filter((m) => m.type === "message").length;
    while (receivers.some((r) => deliveredBy(r) < expected) && performance.now() < deadline) {
      await sleep(250);
    }
    const floodMs = performance.now() - floodStart;
    if (Deno.env.get("FLOOD_DEBUG")) {
      for (const r of [flooder, ...receivers]) {
        log(`${r.name} stderr:\n${r.stderr}`);
        log(`${r.name} stats: ${JSON.stringify(await r.ask({ type: "stats" }, "stats"))}`);
      }
    }
    const delivered = receivers.map(deliveredBy);
    log(`flood delivered in ${Math.round(floodMs)} ms (${delivered.join(", ")} of ${expected})`);
    const statsEnd = await statsOf();
    const peak = pids.map((pid) => sampler.peakKb(pid));
    await sleep(options.quietSeconds * 1_000);
    const final = await Promise.all(pids.map(async (pid) => (await readMemory(pid))!.rssKb));
    const statsFinal = await statsOf();
    /** The median over the receivers of a stats figure, in MB. */
    const statMb = (stats: Record<string, unknown>[], key: string) =>
      typeof stats[0]?.[key] === "number"
        ? mb(median(stats.map((s) => s[key] as number)) / 1024)
        : null;
    return {
      peers: options.peers,
      messages: options.messages,
      text_bytes: options.textBytes,
      flood_ms: Math.round(floodMs),
      delivered_ratio: Math.round(median(delivered) / expected * 10_000) / 10_000,
      rss_mb: { baseline: mb(median(baseline)), peak: mb(median(peak)), final: mb(median(final)) },
      final_over_baseline: Math.round(median(final) / median(baseline) * 100) / 100,
      // From the peers' own stats (absent in versions that do not report them).
      heap_used_mb: {
        baseline: statMb(statsBefore, "heapUsedBytes"),
        end: statMb(statsEnd, "heapUsedBytes"),
        final: statMb(statsFinal, "heapUsedBytes"),
      },
      history_mb: statMb(statsFinal, "historyBytes"),
      quiet_s: options.quietSeconds,
    };
  } finally {
    sampler.stop();
    await Promise.all(nodes.toReversed().map((node) => node.stop()));
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      peers: { type: "string", default: "4" },
      messages: { type: "string", default: "20000" },
      "text-bytes": { type: "string", default: "2000" },
      "quiet-seconds": { type: "string", default: "20" },
      repo: {
        type: "string",
        default: decodeURIComponent(new URL("../", import.meta.url).pathname),
      },
    },
    strict: true,
  });
  const count = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) {
      log(`--${name} must be an integer >= ${min}, got ${value}`);
      Deno.exit(2);
    }
    return n;
  };
  const result = await measureFlood({
    repo: values.repo,
    peers: count("peers", values.peers, 2),
    messages: count("messages", values.messages, 1),
    textBytes: count("text-bytes", values["text-bytes"], 16),
    quietSeconds: count("quiet-seconds", values["quiet-seconds"], 0),
  });
  Deno.stdout.writeSync(ENCODER.encode(JSON.stringify(result) + "\n"));
}
