/**
 * Measures what relaying costs the relay, with real processes: a bootstrap
 * started with `--relay --metrics` and two peers nobody can dial (each
 * advertises a closed port, `--reachability private`, `--no-punch`), so
 * every byte between them runs through the relay.
 *
 * Per run: once the peers hold a relayed link, an idle window measures the
 * background (heartbeats, gossip, `have`s); then M chat messages of the
 * workload's 100-byte text, sent alternately by the two peers at a steady
 * rate, until both delivered all. Over that window it reads the relay's CPU
 * (user+system, `/proc/PID/stat`) and the bytes it forwarded
 * (`p2pchat_relay_bytes_total`, both ways), and the receiving peers' CPU for
 * comparison; background per second is taken off. Prints one JSON object
 * with each run and the medians; progress goes to stderr. Every child is
 * stopped on exit, on error and on Ctrl-C.
 *
 * ```sh
 * deno run -A scripts/measure_relay.ts [--runs 3] [--messages 2000] [--rate 200] [--idle-ms 5000]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { JsonChild, LIVE_CHILDREN } from "./_bench/json_child.ts";
import { MAIN_PERMISSIONS } from "./main_permissions.ts";
import { clockTicksPerSecond, readCpuTicks } from "./_bench/process_metrics.ts";
import { type JsonObject, medianOfRuns } from "./_bench/median_of_runs.ts";
import { median } from "./_bench/percentiles.ts";

const REPO = decodeURIComponent(new URL("../", import.meta.url).pathname);
const MAIN = ["run", ...MAIN_PERMISSIONS, "main.ts"];
/** Give up on any one phase after this long. */
const PHASE_TIMEOUT_MS = 60_000;
/** The workload's message size (WORKLOAD.md). */
const TEXT_BYTES = 100;
const ENCODER = new TextEncoder();

/** One run's figures. */
interface RunFigures {
  /** Messages sent (both peers together). */
  messages: number;
  /** Wall time of the chat window, ms. */
  chatMs: number;
  /** Relay CPU per message, µs, background taken off. */
  relayCpuUsPerMessage: number;
  /** Bytes the relay forwarded per message (both ways), background taken off. */
  relayBytesPerMessage: number;
  /** Relay CPU per forwarded KiB, µs. */
  relayCpuUsPerKib: number;
  /** Each peer's CPU per message it sent or received, µs (median of the two), for comparison. */
  peerCpuUsPerMessage: number;
  /** Relay background while idle: bytes/s and CPU ms/s. */
  idleBytesPerSecond: number;
  idleCpuMsPerSecond: number;
}

function log(text: string): void {
  Deno.stderr.writeSync(ENCODER.encode(`measure_relay: ${text}\n`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function spawnMain(name: string, args: readonly string[]): JsonChild {
  return new JsonChild(name, [...MAIN, ...args], { cwd: REPO, timeoutMs: PHASE_TIMEOUT_MS });
}

/** A port nothing listens on (bound, then closed): what an undialable peer advertises. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Polls `until` every 100 ms; throws with `what` after `timeoutMs`. */
async function waitFor(
  what: string,
  until: () => boolean | Promise<boolean>,
  timeoutMs = PHASE_TIMEOUT_MS,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await until())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** `p2pchat_relay_bytes_total` from the relay's scrape page. */
async function relayBytes(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const match = /^p2pchat_relay_bytes_total (\d+)/m.exec(text);
  if (match === null) throw new Error(`no p2pchat_relay_bytes_total at ${metricsUrl}`);
  return Number(match[1]);
}

/** User+system CPU of `pid`, ms. */
async function cpuMs(pid: number, ticksPerSecond: number): Promise<number> {
  const ticks = await readCpuTicks(pid);
  if (ticks === undefined) throw new Error(`process ${pid} is gone`);
  return (ticks.userTicks + ticks.systemTicks) * 1000 / ticksPerSecond;
}

/** Whether `from` lists `to` as a neighbour reached through the relay. */
async function linkedThroughRelay(from: JsonChild, to: string): Promise<boolean> {
  const answer = await from.ask({ type: "peers" }, "peers");
  const peers = answer.peers as { id: string; connected: boolean; path?: string }[];
  return peers.some((p) => p.id === to && p.connected && p.path === "relayed");
}

async function oneRun(
  options: { messages: number; rate: number; idleMs: number },
  ticksPerSecond: number,
): Promise<RunFigures> {
  const relay = spawnMain("relay", [
    "bootstrap",
    "--listen",
    "127.0.0.1:0",
    "--relay",
    "--metrics",
    "127.0.0.1:0",
    "--json",
  ]);
  const relayReady = await relay.next("ready");
  const metricsUrl = String(relayReady.metrics);
  const peerArgs = (nick: string) => [
    "peer",
    "--json",
    "--ephemeral",
    "--nick",
    nick,
    "--listen",
    "127.0.0.1:0",
    "--advertise",
    `127.0.0.1:${closedPort()}`,
    "--reachability",
    "private",
    "--no-punch",
    "--bootstrap",
    String(relayReady.addr),
  ];
  const ann = spawnMain("ann", peerArgs("ann"));
  const bob = spawnMain("bob", peerArgs("bob"));
  const [annReady, bobReady] = await Promise.all([ann.next("ready"), bob.next("ready")]);
  const annId = String(annReady.id);
  const bobId = String(bobReady.id);
  await waitFor(
    "a relayed link between ann and bob",
    async () => (await linkedThroughRelay(ann, bobId)) && (await linkedThroughRelay(bob, annId)),
  );
  // Warm up (JIT, buffers), then let the warm-up's acknowledgements settle.
  const warmUp = 50;
  for (let i = 0; i < warmUp; i++) {
    await (i % 2 === 0 ? ann : bob).ask({ type: "send", text: "w".repeat(TEXT_BYTES) }, "sent");
  }
  await waitFor(
    "the warm-up",
    () => ann.messages.length >= warmUp && bob.messages.length >= warmUp,
  );
  await sleep(1_000);

  const idleStart = {
    bytes: await relayBytes(metricsUrl),
    cpu: await cpuMs(relay.pid, ticksPerSecond),
    at: performance.now(),
  };
  await sleep(options.idleMs);
  const idleEnd = {
    bytes: await relayBytes(metricsUrl),
    cpu: await cpuMs(relay.pid, ticksPerSecond),
    at: performance.now(),
  };
  const idleSeconds = (idleEnd.at - idleStart.at) / 1000;
  const idleBytesPerSecond = (idleEnd.bytes - idleStart.bytes) / idleSeconds;
  const idleCpuMsPerSecond = (idleEnd.cpu - idleStart.cpu) / idleSeconds;

  const start = {
    bytes: await relayBytes(metricsUrl),
    cpu: await cpuMs(relay.pid, ticksPerSecond),
    ann: await cpuMs(ann.pid, ticksPerSecond),
    bob: await cpuMs(bob.pid, ticksPerSecond),
    at: performance.now(),
  };
  const text = "x".repeat(TEXT_BYTES);
  const interval = 1000 / options.rate;
  for (let i = 0; i < options.messages; i++) {
    const due = start.at + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await (i % 2 === 0 ? ann : bob).send({ type: "send", text });
  }
  const total = warmUp + options.messages;
  await waitFor(
    "both peers to deliver every message",
    () => ann.messages.length >= total && bob.messages.length >= total,
  );
  const end = {
    bytes: await relayBytes(metricsUrl),
    cpu: await cpuMs(relay.pid, ticksPerSecond),
    ann: await cpuMs(ann.pid, ticksPerSecond),
    bob: await cpuMs(bob.pid, ticksPerSecond),
    at: performance.now(),
  };
  await Promise.all([ann.stop(), bob.stop()]);
  await relay.stop();

  const chatMs = end.at - start.at;
  const seconds = chatMs / 1000;
  const bytes = end.bytes - start.bytes - idleBytesPerSecond * seconds;
  const cpu = end.cpu - start.cpu - idleCpuMsPerSecond * seconds;
  const m = options.messages;
  return {
    messages: m,
    chatMs: Math.round(chatMs),
    relayCpuUsPerMessage: round(cpu * 1000 / m),
    relayBytesPerMessage: round(bytes / m),
    relayCpuUsPerKib: round(cpu * 1000 / (bytes / 1024)),
    // Every peer sends half the messages and receives the other half.
    peerCpuUsPerMessage: round(median([end.ann - start.ann, end.bob - start.bob]) * 1000 / m),
    idleBytesPerSecond: round(idleBytesPerSecond),
    idleCpuMsPerSecond: round(idleCpuMsPerSecond),
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

async function stopEveryone(): Promise<void> {
  await Promise.all([...LIVE_CHILDREN].map((c) => c.kill()));
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "3" },
      messages: { type: "string", default: "2000" },
      rate: { type: "string", default: "200" },
      "idle-ms": { type: "string", default: "5000" },
    },
    strict: true,
  });
  const options = {
    messages: Number(values.messages),
    rate: Number(values.rate),
    idleMs: Number(values["idle-ms"]),
  };
  const runs = Number(values.runs);
  for (const [name, value] of Object.entries({ runs, ...options })) {
    if (!Number.isInteger(value) || value < 1) {
      log(`--${name} must be a positive integer`);
      Deno.exit(2);
    }
  }
  Deno.addSignalListener("SIGINT", () => {
    stopEveryone().finally(() => Deno.exit(130));
  });
  const ticksPerSecond = await clockTicksPerSecond();
  const results: RunFigures[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      log(`run ${run} of ${runs}: ${options.messages} messages at ${options.rate}/s`);
      const figures = await oneRun(options, ticksPerSecond);
      log(JSON.stringify(figures));
      results.push(figures);
    }
  } catch (error) {
    await stopEveryone();
    throw error;
  }
  const medians = medianOfRuns(results as unknown as JsonObject[]);
  const result = { textBytes: TEXT_BYTES, ...options, runs: results, median: medians };
  Deno.stdout.writeSync(ENCODER.encode(JSON.stringify(result) + "\n"));
}
