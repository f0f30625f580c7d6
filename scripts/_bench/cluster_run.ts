/**
 * One run of the cluster workload (`../shared/bench/WORKLOAD.md`): spawns a
 * bootstrap and N peers, measures join, idle cost, latency, throughput and
 * cost, stops every process, and returns the run's result object with the
 * workload's field names.
 *
 * @module
 */

import { benchText } from "./bench_text.ts";
import type { ClusterOptions } from "./cluster_args.ts";
import { type CpuProfile, summarizeCpuProfile } from "./cpu_profile.ts";
import { DeliveryRecorder, THROUGHPUT_SENDER } from "./delivery_recorder.ts";
import type { JsonObject, JsonValue } from "./median_of_runs.ts";
import { NodeProcess, type NodeReady, wallNowMs } from "./node_process.ts";
import { type LatencySummary, latencySummary, medianMax } from "./percentiles.ts";
import { readMemory, readPssKb, RssSampler, totalTicks } from "./process_metrics.ts";
import { type FeedCounts, WebFeedMeter } from "./web_feed_meter.ts";
import { MAIN_PERMISSIONS } from "../main_permissions.ts";

/** Permissions of every node process: those of `deno task peer`, no more. */
export const NODE_PERMISSIONS: readonly string[] = MAIN_PERMISSIONS;

/** Largest batch of `send` commands the throughput phase writes at once. */
const SEND_BATCH_MAX = 256;

/** Pause between the full mesh and the idle measurement, for the last joins' traffic to settle. */
const IDLE_SETTLE_MS = 1_000;

/** Interval of the RSS sampler. */
const RSS_SAMPLE_MS = 250;

/** What a run needs besides its options. */
export interface ClusterEnvironment {
  /** Where `main.ts` is. */
  readonly repoRoot: string;
  /** `getconf CLK_TCK`. */
  readonly clockTicksPerSecond: number;
  /** Flags added to every peer's command line (`--secure`, `--insecure` or none). */
  readonly peerFlags: readonly string[];
  /** Whether the peers encrypt. */
  readonly encryption: boolean;
  /** `--v8-flags=` of every node (those of the checkout's `deno task peer` by default), if any. */
  readonly v8Flags: string | undefined;
  /** Fields every result starts with (system, versions, machine). */
  readonly header: JsonObject;
  /** Progress output (stderr). */
  readonly log: (line: string) => void;
}

/** Runs the workload once; `run` is its 1-based number. */
export async function runCluster(
  options: ClusterOptions,
  env: ClusterEnvironment,
  run: number,
): Promise<JsonObject> {
  const n = options.nodes;
  const v8Flags = env.v8Flags === undefined ? [] : [`--v8-flags=${env.v8Flags}`];
  const log = (line: string) => env.log(`[run ${run}] ${line}`);
  const ticksToS = (ticks: number) => ticks / env.clockTicksPerSecond;
  const harnessTicksStart = await totalTicks(Deno.pid);
  const loadavgStart = await loadAverage();
  const sampler = new RssSampler(RSS_SAMPLE_MS);
  const recorder = new DeliveryRecorder(n, options.messages);
  const deliveryLines = options.deliveriesOut === undefined ? undefined : [
    "index\tsender\treceiver\tsent_at_ms\tat_ms\tlatency_ms",
  ];
  let wake: (() => void) | undefined;
  const nodes: NodeProcess[] = [];
  const feeds: WebFeedMeter[] = [];
  const cpuOf = () => Promise.all(nodes.map((node) => totalTicks(node.pid)));
  try {
    // ---- join ----
    const startMs = wallNowMs();
    log(`spawning a bootstrap and ${n} peers`);
    const bootstrap = NodeProcess.spawn({
      name: "bootstrap",
      cwd: env.repoRoot,
      args: [
        "run",
        ...v8Flags,
        ...NODE_PERMISSIONS,
        "main.ts",
        "bootstrap",
        "--json",
        "--listen",
        "127.0.0.1:0",
        // The bootstrap speaks the same channel as the peers (--insecure or not).
        ...env.peerFlags.filter((flag) => flag === "--insecure" || flag === "--secure"),
      ],
    });
    nodes.push(bootstrap);
    sampler.add(bootstrap.pid);
    const joinDeadlineMs = startMs + options.joinTimeoutSeconds * 1000;
    // The peers need the bootstrap's address (it listens on port 0), so it starts first.
    const { addr, atMs: bootstrapUpMs } = await before(
      bootstrap.ready,
      joinDeadlineMs,
      "the bootstrap's ready line",
    );
    const peers: NodeProcess[] = [];
    for (let i = 0; i < n; i++) {
      const profile = options.cpuProfDir !== undefined && i < 2
        ? [
          "--cpu-prof",
          `--cpu-prof-dir=${options.cpuProfDir}`,
          `--cpu-prof-name=${profileName(run, i)}`,
        ]
        : [];
      const peer = NodeProcess.spawn({
        name: `node ${i}`,
        cwd: env.repoRoot,
        args: [
          "run",
          ...v8Flags,
          ...NODE_PERMISSIONS,
          ...profile,
          ...(options.peerV8Flags !== undefined && i < 2
            ? [`--v8-flags=${options.peerV8Flags}`]
            : []),
          "main.ts",
          "peer",
          "--json",
          "--listen",
          "127.0.0.1:0",
          "--bootstrap",
          addr,
          "--nick",
          `n${i}`,
          // Like the systems we compare with, nodes keep nothing on disk.
          "--ephemeral",
          ...(i < options.webPages ? ["--web"] : []),
          ...env.peerFlags,
        ],
        onDelivery: (delivery) => {
          recorder.record(i, delivery);
          if (deliveryLines !== undefined && delivery.phase === "L") {
            const { index, sentAtMs, atMs } = delivery;
            deliveryLines.push(
              `${index}\t${index % n}\t${i}\t${sentAtMs}\t${atMs}\t${(atMs - sentAtMs).toFixed(3)}`,
            );
          }
        },
        onOtherLine: (line, atMs) => env.log(`[node ${i} +${atMs.toFixed(1)} ms] ${line}`),
        onChunk: () => wake?.(),
      });
      peers.push(peer);
      nodes.push(peer);
      sampler.add(peer.pid);
    }
    const readies: NodeReady[] = await before(
      Promise.all(peers.map((peer) => peer.ready)),
      joinDeadlineMs,
      "every peer's ready line",
    );
    const upMs = Math.max(...readies.map((ready) => ready.atMs));
    for (const ready of readies.slice(0, options.webPages)) {
      if (ready.web === undefined) throw new Error("a peer started with --web printed no web URL");
      feeds.push(await WebFeedMeter.open(ready.web));
    }
    log(`all ${n} peers up after ${seconds(upMs - startMs)} s; waiting for the full mesh`);
    const meshMs = await waitForMesh(peers, readies, options.pollMs, joinDeadlineMs);
    if (meshMs === undefined) log(`no full mesh within ${options.joinTimeoutSeconds} s; going on`);
    else log(`full mesh after ${seconds(meshMs - startMs)} s`);
    const cpuJoin = await cpuOf();

    // ---- idle ----
    let idleWindow: { fromMs: number; toMs: number } | undefined;
    let idleCpuPct: JsonValue = null;
    let idleRss: JsonValue = null;
    let idlePss: JsonValue = null;
    if (options.idleSeconds > 0) {
      log(`idle for ${options.idleSeconds} s (after ${IDLE_SETTLE_MS} ms to settle)`);
      await sleep(IDLE_SETTLE_MS);
      const idleTicks = await Promise.all(peers.map((peer) => totalTicks(peer.pid)));
      const idleStartMs = wallNowMs();
      await sleep(options.idleSeconds * 1000);
      const after = await Promise.all(peers.map((peer) => totalTicks(peer.pid)));
      idleWindow = { fromMs: idleStartMs, toMs: wallNowMs() };
      const idleS = (idleWindow.toMs - idleStartMs) / 1000;
      idleCpuPct = summary(
        peers.map((_, i) => (100 * ticksToS(after[i]! - idleTicks[i]!)) / idleS),
        2,
      );
      const memory = await Promise.all(peers.map((peer) => readMemory(peer.pid)));
      idleRss = summary(memory.map((m) => (m?.rssKb ?? 0) / 1024), 1);
      const pss = await Promise.all(peers.map((peer) => readPssKb(peer.pid)));
      idlePss = summary(pss.map((kb) => (kb ?? 0) / 1024), 1);
    }
    const cpuIdle = await cpuOf();
    const feedsBeforeLatency = feeds.map((feed) => feed.snapshot());
    const statsBefore = await chatSends(peers);

    // ---- latency ----
    log(`latency: ${options.messages} messages at ${options.rateMsgsS}/s`);
    const lateness: number[] = [];
    const intervalMs = 1000 / options.rateMsgsS;
    const latencyStartMs = wallNowMs() + 20;
    const encoder = new TextEncoder();
    for (let i = 0; i < options.messages; i++) {
      const dueMs = latencyStartMs + i * intervalMs;
      const waitMs = dueMs - wallNowMs();
      if (waitMs >= 1) await sleep(waitMs);
      const sentAtMs = wallNowMs();
      lateness.push(sentAtMs - dueMs);
      const text = benchText({ phase: "L", index: i, sentAtMs }, options.payloadBytes);
      peers[i % n]!.post(encoder.encode(`{"type":"send","text":"${text}"}\n`));
    }
    const latencySentMs = wallNowMs();
    await drain(
      () => recorder.latencyPairs >= recorder.latencyPairsExpected,
      () => recorder.latencyPairs,
      options,
    );
    const latencyDrainS = seconds(wallNowMs() - latencySentMs);
    log(
      `latency: ${recorder.latencyPairs}/${recorder.latencyPairsExpected} deliveries, ` +
        `p50 ${round(latencySummary(recorder.latencies.values())?.p50 ?? NaN, 2)} ms`,
    );
    const latencyEndMs = wallNowMs();
    const cpuLatency = await cpuOf();
    const feedsBeforeThroughput = feeds.map((feed) => feed.snapshot());
    const statsLatency = await chatSends(peers);

    // ---- throughput ----
    let sent = 0;
    let throughputStartMs = wallNowMs();
    let throughputEndMs = throughputStartMs;
    let harnessTicksThroughput = 0;
    let throughputDrainS: number | null = null;
    if (options.throughputSeconds > 0) {
      log(`throughput: node 0 sends for ${options.throughputSeconds} s, window ${options.window}`);
      const sender = peers[THROUGHPUT_SENDER]!;
      const harnessBefore = await totalTicks(Deno.pid);
      throughputStartMs = wallNowMs();
      throughputEndMs = throughputStartMs + options.throughputSeconds * 1000;
      recorder.setThroughputWindow(throughputStartMs, throughputEndMs);
      for (let now = wallNowMs(); now < throughputEndMs; now = wallNowMs()) {
        const room = options.window - (sent - recorder.minThroughputDelivered());
        if (room <= 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, Math.min(50, throughputEndMs - now));
            function done() {
              clearTimeout(timer);
              wake = undefined;
              resolve();
            }
            wake = done;
          });
          continue;
        }
        const count = Math.min(room, SEND_BATCH_MAX);
        const sentAtMs = wallNowMs();
        let lines = "";
        for (let j = 0; j < count; j++) {
          const text = benchText({ phase: "T", index: sent + j, sentAtMs }, options.payloadBytes);
          lines += `{"type":"send","text":"${text}"}\n`;
        }
        sent += count;
        await sender.write(encoder.encode(lines));
      }
      harnessTicksThroughput = (await totalTicks(Deno.pid)) - harnessBefore;
      const throughputSentMs = wallNowMs();
      await drain(
        () => recorder.minThroughputDelivered() >= sent,
        // Any receiver's progress counts: a slow one may be waiting for what others still deliver.
        () => sumOf(recorder.throughputDelivered),
        options,
      );
      throughputDrainS = seconds(wallNowMs() - throughputSentMs);
      log(
        `throughput: sent ${sent}, slowest receiver ${recorder.minThroughputInWindow()} in window, ` +
          `${recorder.minThroughputDelivered()} in all`,
      );
    }
    const cpuThroughput = await cpuOf();
    const feedsEnd = feeds.map((feed) => feed.snapshot());
    const feedsDropped = feeds.filter((feed) => feed.dropped).length;
    const statsEnd = await chatSends(peers);

    // ---- cost, read before anyone exits ----
    await sampler.sample();
    const cpuEnd = await cpuOf();
    const memoryEnd = await Promise.all(nodes.map((node) => readMemory(node.pid)));
    sampler.stop();
    const endMs = wallNowMs();
    log("stopping the nodes");
    await Promise.all(peers.map((peer) => peer.stop()));
    await bootstrap.stop();
    const harnessTicks = (await totalTicks(Deno.pid)) - harnessTicksStart;

    const sumTicks = (ticks: readonly number[], from: readonly number[] = []) =>
      ticks.reduce((total, t, i) => total + t - (from[i] ?? 0), 0);
    const peerPeakMb = peers.map((peer) => sampler.peakKb(peer.pid) / 1024);
    const peerHwmMb = peers.map((_, i) => (memoryEnd[i + 1]?.hwmKb ?? 0) / 1024);
    const throughputS = options.throughputSeconds;
    const minInWindow = recorder.minThroughputInWindow();
    const counters = peers.map((peer) => peer.counters);
    const result: JsonObject = {
      ...env.header,
      run,
      loadavg_start: loadavgStart,
      nodes: n,
      messages: options.messages,
      rate_msgs_s: options.rateMsgsS,
      payload_bytes: options.payloadBytes,
      encryption: env.encryption,
      throughput_seconds: throughputS,
      window: options.window,
      v8_flags: env.v8Flags ?? null,
      join_s: meshMs === undefined ? null : seconds(meshMs - startMs),
      join_complete: meshMs !== undefined,
      bootstrap_up_s: seconds(bootstrapUpMs - startMs),
      processes_up_s: seconds(upMs - startMs),
      join_after_up_s: meshMs === undefined ? null : seconds(meshMs - upMs),
      idle_cpu_pct_per_peer: idleCpuPct,
      idle_rss_mb: idleRss,
      idle_pss_mb: idlePss,
      delivery_ratio: ratio(recorder.latencyPairs, recorder.latencyPairsExpected),
      latency_drain_s: latencyDrainS,
      latency_ms: rounded(latencySummary(recorder.latencies.values()), 3),
      latency_pairs: recorder.latencyPairs,
      duplicate_deliveries: recorder.latencyDuplicates,
      self_delivery_ms: rounded(latencySummary(recorder.selfLatencies.values()), 3),
      send_lateness_ms: rounded(latencySummary(lateness), 3),
      throughput_msgs_s: throughputS > 0 ? round(minInWindow / throughputS, 1) : null,
      throughput_delivery_ratio: throughputS > 0
        ? ratio(recorder.minThroughputDelivered(), sent)
        : null,
      throughput_sent: sent,
      throughput_drain_s: throughputDrainS,
      throughput_delivered_by_receiver: throughputS > 0
        ? receiverSummary(recorder.throughputDelivered)
        : null,
      throughput_sender_msgs_s: throughputS > 0 ? round(sent / throughputS, 1) : null,
      throughput_latency_ms: rounded(latencySummary(recorder.throughputLatencies.values()), 3),
      throughput_out_of_order: recorder.throughputOutOfOrder,
      throughput_cpu_us_per_delivery: sent > 0
        ? round(
          (1e6 * ticksToS(sumTicks(cpuThroughput, cpuLatency))) /
            Math.max(1, sumOf(recorder.throughputDelivered)),
          1,
        )
        : null,
      cpu_s_total: round(ticksToS(sumTicks(cpuEnd)), 2),
      cpu_s_bootstrap: round(ticksToS(cpuEnd[0] ?? 0), 2),
      cpu_s_by_phase: {
        join: round(ticksToS(sumTicks(cpuJoin)), 2),
        idle: round(ticksToS(sumTicks(cpuIdle, cpuJoin)), 2),
        latency: round(ticksToS(sumTicks(cpuLatency, cpuIdle)), 2),
        throughput: round(ticksToS(sumTicks(cpuThroughput, cpuLatency)), 2),
      },
      rss_mb: summary(peerPeakMb, 1),
      rss_hwm_mb: summary(peerHwmMb, 1),
      bootstrap_rss_mb: round(sampler.peakKb(bootstrap.pid) / 1024, 1),
      payload_sends_per_message: perMessage(statsEnd, undefined, options.messages + sent),
      payload_sends_per_message_latency: perMessage(statsLatency, statsBefore, options.messages),
      payload_sends_per_message_throughput: perMessage(statsEnd, statsLatency, sent),
      payload_sends_floor: n - 1,
      ...(typeof statsEnd === "string" ? { stats_error: statsEnd } : {}),
      harness: {
        cpu_s: round(ticksToS(harnessTicks), 2),
        cpu_s_throughput: round(ticksToS(harnessTicksThroughput), 2),
        cpu_pct_of_one_core_throughput: throughputS > 0
          ? round((100 * ticksToS(harnessTicksThroughput)) / throughputS, 1)
          : null,
        stdout_lines: counters.reduce((total, c) => total + c.lines, 0),
        stdout_mb: round(counters.reduce((total, c) => total + c.bytes, 0) / 1e6, 1),
        slow_path_lines: counters.reduce((total, c) => total + c.slowPathLines, 0),
        stray_deliveries: recorder.strays,
      },
      duration_s: seconds(endMs - startMs),
      ...(feeds.length > 0
        ? {
          web: webFeedFigures(feeds, {
            beforeLatency: feedsBeforeLatency,
            beforeThroughput: feedsBeforeThroughput,
            end: feedsEnd,
            dropped: feedsDropped,
            throughputSeconds: throughputS,
            messages: options.messages,
            throughputSent: sent,
            cpuThroughputS: peers.map((_, i) =>
              ticksToS(cpuThroughput[i + 1]! - cpuLatency[i + 1]!)
            ),
          }),
        }
        : {}),
    };
    if (deliveryLines !== undefined) {
      log(
        `latency phase ${latencyStartMs.toFixed(1)}..${
          latencyEndMs.toFixed(1)
        } ms (shared clock); ` +
          `${deliveryLines.length - 1} deliveries written to ${options.deliveriesOut}`,
      );
      await Deno.writeTextFile(options.deliveriesOut!, deliveryLines.join("\n") + "\n");
    }
    if (options.cpuProfDir !== undefined) {
      const windows: Record<string, { fromMs: number; toMs: number }> = {};
      if (idleWindow !== undefined) windows.idle = idleWindow;
      windows.latency = { fromMs: latencyStartMs, toMs: latencyEndMs };
      if (throughputS > 0) {
        windows.throughput = { fromMs: throughputStartMs, toMs: throughputEndMs };
      }
      result.cpu_profile = await profileSummaries(options.cpuProfDir, run, peers, env, windows);
    }
    return result;
  } finally {
    sampler.stop();
    for (const feed of feeds) feed.close();
    await Promise.allSettled(nodes.map((node) => node.stop(2_000)));
  }
}

/** What the web feeds saw, per phase; and the throughput CPU of peers with and without `--web`. */
function webFeedFigures(
  feeds: readonly WebFeedMeter[],
  phase: {
    beforeLatency: readonly FeedCounts[];
    beforeThroughput: readonly FeedCounts[];
    end: readonly FeedCounts[];
    /** Feeds the server closed before the end of the throughput phase (too slow a reader). */
    dropped: number;
    throughputSeconds: number;
    messages: number;
    throughputSent: number;
    cpuThroughputS: readonly number[];
  },
): JsonObject {
  const delta = (to: readonly FeedCounts[], from: readonly FeedCounts[], key: keyof FeedCounts) =>
    to.map((counts, i) => counts[key] - from[i]![key]);
  const web = phase.cpuThroughputS.slice(0, feeds.length);
  const plain = phase.cpuThroughputS.slice(feeds.length);
  const mean = (values: readonly number[]) =>
    values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length, 2);
  const tS = phase.throughputSeconds;
  return {
    pages: feeds.length,
    dropped: phase.dropped,
    latency_deliveries_per_page: summary(
      delta(phase.beforeThroughput, phase.beforeLatency, "deliveries"),
      0,
    ),
    latency_messages: phase.messages,
    latency_feed_delay_ms: rounded(latencySummary(feeds.flatMap((f) => f.delaysMs.L)), 3),
    throughput_deliveries_per_page: summary(
      delta(phase.end, phase.beforeThroughput, "deliveries"),
      0,
    ),
    throughput_sent: phase.throughputSent,
    throughput_objects_per_s_per_page: tS > 0
      ? summary(delta(phase.end, phase.beforeThroughput, "objects").map((n) => n / tS), 1)
      : null,
    throughput_kb_per_s_per_page: tS > 0
      ? summary(delta(phase.end, phase.beforeThroughput, "bytes").map((n) => n / tS / 1000), 1)
      : null,
    throughput_feed_delay_ms: rounded(latencySummary(feeds.flatMap((f) => f.delaysMs.T)), 3),
    throughput_cpu_s_mean_with_web: mean(web),
    throughput_cpu_s_mean_without_web: mean(plain),
  };
}

/** Polls `peers` on every node until each lists all N−1 others; the time of the last answer. */
async function waitForMesh(
  peers: readonly NodeProcess[],
  readies: readonly NodeReady[],
  pollMs: number,
  deadlineMs: number,
): Promise<number | undefined> {
  const ids = readies.map((ready) => ready.id);
  while (wallNowMs() < deadlineMs) {
    const roundStartMs = wallNowMs();
    const answers = await before(
      Promise.all(peers.map((peer) => peer.request("peers"))),
      deadlineMs + 5_000,
      "peers answers",
    );
    const answeredMs = wallNowMs();
    if (answers.every((answer, i) => knowsAllOthers(answer, ids, i))) return answeredMs;
    await sleep(Math.max(0, pollMs - (wallNowMs() - roundStartMs)));
  }
  return undefined;
}

function knowsAllOthers(answer: JsonObject, ids: readonly string[], self: number): boolean {
  const list = answer.peers;
  if (!Array.isArray(list)) return false;
  const known = new Set(
    list.map((
      entry,
    ) => (typeof entry === "object" && entry !== null ? (entry as JsonObject).id : "")),
  );
  return ids.every((id, i) => i === self || known.has(id));
}

/** The sum of `chatSends` over the peers, or the error a peer answered `stats` with. */
async function chatSends(peers: readonly NodeProcess[]): Promise<number | string> {
  const answers = await Promise.all(peers.map((peer) => peer.request("stats")));
  let total = 0;
  for (const answer of answers) {
    if (answer.type !== "stats" || typeof answer.chatSends !== "number") {
      return `stats unavailable: ${String(answer.error ?? JSON.stringify(answer))}`;
    }
    total += answer.chatSends;
  }
  return total;
}

function perMessage(
  end: number | string,
  start: number | string | undefined,
  messages: number,
): number | null {
  if (typeof end !== "number" || typeof start === "string" || messages === 0) return null;
  return round((end - (start ?? 0)) / messages, 3);
}

async function profileSummaries(
  dir: string,
  run: number,
  peers: readonly NodeProcess[],
  env: ClusterEnvironment,
  windows: Record<string, { fromMs: number; toMs: number }>,
): Promise<JsonObject> {
  const out: JsonObject = {};
  for (let i = 0; i < Math.min(2, peers.length); i++) {
    const path = `${dir}/${profileName(run, i)}`;
    const label = i === THROUGHPUT_SENDER ? `node ${i} (throughput sender)` : `node ${i}`;
    let profile: CpuProfile;
    try {
      profile = JSON.parse(await Deno.readTextFile(path)) as CpuProfile;
    } catch (error) {
      out[label] = { file: path, error: (error as Error).message };
      continue;
    }
    const phases: JsonObject = { file: path };
    for (const [phase, window] of Object.entries(windows)) {
      // The profiler starts as the process does: align its clock on the spawn time.
      const spawned = peers[i]!.spawnedAtMs;
      const summary = summarizeCpuProfile(profile, {
        fromMs: window.fromMs - spawned,
        toMs: window.toMs - spawned,
        limit: 15,
        stripUrlPrefix: `file://${env.repoRoot}/`,
      });
      const busyMs = round(summary.windowMs - summary.idleMs, 0);
      env.log(`[run ${run}] ${label}, ${phase} phase: busy ${busyMs} ms of ${summary.windowMs} ms`);
      for (const entry of summary.top) {
        env.log(`  ${entry.percent.toFixed(1).padStart(5)} %  ${entry.function}`);
      }
      phases[phase] = {
        window_ms: summary.windowMs,
        busy_ms: busyMs,
        top: summary.top.map((entry) => ({ ...entry })),
      };
    }
    out[label] = phases;
  }
  return out;
}

function profileName(run: number, node: number): string {
  return `run${run}-node${node}.cpuprofile`;
}

/** The 1-minute load average: how busy the machine was before the run (others share it). */
async function loadAverage(): Promise<number | null> {
  try {
    const value = Number((await Deno.readTextFile("/proc/loadavg")).split(" ")[0]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

function sumOf(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

/** Throughput deliveries of the receivers (the sender excluded): fewest, median, most. */
function receiverSummary(delivered: Int32Array): JsonValue {
  const counts = [...delivered].filter((_, i) => i !== THROUGHPUT_SENDER).sort((a, b) => a - b);
  if (counts.length === 0) return null;
  return {
    min: counts[0]!,
    median: counts[Math.floor((counts.length - 1) / 2)]!,
    max: counts.at(-1)!,
  };
}

function summary(values: readonly number[], digits: number): JsonValue {
  const figures = medianMax(values);
  return figures === undefined
    ? null
    : { median: round(figures.median, digits), max: round(figures.max, digits) };
}

function rounded(figures: LatencySummary | undefined, digits: number): JsonValue {
  if (figures === undefined) return null;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(figures)) out[key] = round(value, digits);
  return out;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : round(part / whole, 4);
}

function seconds(ms: number): number {
  return round(ms / 1000, 3);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until `done()` holds, checking every 10 ms, while deliveries keep
 * coming: it gives up once `progress()` has not moved for `drainSeconds`, or
 * after `drainMaxSeconds`. A saturated cluster (N=50 on 2 cores) delivers a
 * phase's last messages many seconds after the last send; a fixed wait would
 * let them spill into the next phase and be measured there.
 */
async function drain(
  done: () => boolean,
  progress: () => number,
  { drainSeconds, drainMaxSeconds }: { drainSeconds: number; drainMaxSeconds: number },
): Promise<void> {
  const startMs = wallNowMs();
  let last = progress();
  let movedMs = startMs;
  while (!done()) {
    const now = wallNowMs();
    if (now - movedMs >= drainSeconds * 1000 || now - startMs >= drainMaxSeconds * 1000) return;
    await sleep(10);
    const current = progress();
    if (current !== last) {
      last = current;
      movedMs = wallNowMs();
    }
  }
}

/** `promise`, or a rejection naming `what` once the deadline passes. */
async function before<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out waiting for ${what}`)),
      Math.max(0, deadlineMs - wallNowMs()),
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
