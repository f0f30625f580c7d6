/**
 * Measures a real loopback network: a bootstrap and N peers, each a separate
 * `main.ts … --json` process, driven through their JSON lines.
 *
 * (a) Convergence: from spawning the first peer until, in one polling round
 *     (`{"type":"peers"}` to every peer every 50 ms), every peer lists the
 *     N−1 others.
 * (b) Delivery latency: M messages sent round-robin by the peers, one every
 *     `--interval-ms`; each text carries its send time
 *     (`performance.timeOrigin + performance.now()` of this script) and is
 *     timed on arrival of the `message` line from every other peer. Median,
 *     p99 and max are over all (message, receiver) pairs; the delivery ratio
 *     is the share of those pairs delivered. The latency includes the stdin
 *     and stdout pipes of the processes.
 *
 * Prints one JSON object on stdout; progress goes to stderr. Every child is
 * stopped on exit and on error.
 *
 * ```sh
 * deno run --allow-run --allow-read scripts/measure_network.ts [--peers 10] [--messages 100] [--interval-ms 20]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { JsonChild, wallNowMs } from "./_bench/json_child.ts";
import { MAIN_PERMISSIONS } from "./main_permissions.ts";

const REPO = decodeURIComponent(new URL("../", import.meta.url).pathname);
const POLL_INTERVAL_MS = 50;
/** Give up on any one phase after this long. */
const PHASE_TIMEOUT_MS = 60_000;
/** After the last send, wait this long at most for the stragglers. */
const DRAIN_TIMEOUT_MS = 10_000;

function log(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`measure_network: ${text}\n`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `main.ts` with `args`, as a JSON-lines child. */
function spawnMain(name: string, args: readonly string[]): JsonChild {
  return new JsonChild(name, ["run", ...MAIN_PERMISSIONS, "main.ts", ...args], {
    cwd: REPO,
    timeoutMs: PHASE_TIMEOUT_MS,
  });
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

interface PeersAnswer {
  readonly id: string;
  readonly connected: boolean;
}

async function measure(peerCount: number, messageCount: number, intervalMs: number) {
  const nodes: JsonChild[] = [];
  try {
    const bootstrap = spawnMain("bootstrap", ["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
    nodes.push(bootstrap);
    const bootstrapAddr = (await bootstrap.next("ready")).addr as string;
    log(`bootstrap at ${bootstrapAddr}`);

    // (a) Convergence.
    const startedAt = performance.now();
    const peers = Array.from({ length: peerCount }, (_, i) =>
      spawnMain(`peer${i}`, [
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
    const ready = await Promise.all(peers.map((p) => p.next("ready")));
    const ids = ready.map((r) => r.id as string);
    const readyMs = performance.now() - startedAt;
    log(`${peerCount} peers ready after ${round(readyMs)} ms`);
    let convergedMs: number | undefined;
    let meshConnectedMs: number | undefined;
    const deadline = performance.now() + PHASE_TIMEOUT_MS;
    while (convergedMs === undefined || meshConnectedMs === undefined) {
      if (performance.now() > deadline) throw new Error("The peers did not converge in time");
      const roundStart = performance.now();
      const answers = await Promise.all(
        peers.map(async (p) => (await p.ask({ type: "peers" }, "peers")).peers as PeersAnswer[]),
      );
      const at = performance.now() - startedAt;
      const allListed = answers.every((answer, i) => {
        const listed = new Set(answer.map((p) => p.id));
        return ids.every((id, j) => j === i || listed.has(id));
      });
      if (allListed) convergedMs ??= at;
      // Neighbour links form one connected graph: a flood reaches everyone.
      const reached = new Set([ids[0]!]);
      const edges = answers.flatMap((answer, i) =>
        answer.filter((p) => p.connected).map((p) => [ids[i]!, p.id] as const)
      );
      for (let grew = true; grew;) {
        grew = false;
        for (const [a, b] of edges) {
          if (reached.has(a) !== reached.has(b)) {
            reached.add(a);
            reached.add(b);
            grew = true;
          }
        }
      }
      if (reached.size === peerCount) meshConnectedMs ??= at;
      await sleep(Math.max(0, POLL_INTERVAL_MS - (performance.now() - roundStart)));
    }
    log(`every peer lists the others after ${round(convergedMs)} ms`);

    // (b) Delivery latency.
    const latencies: number[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    peers.forEach((peer, receiver) => {
      peer.onMessage = (line, atMs) => {
        let sent: { k: number; t: number };
        try {
          sent = JSON.parse(line.text as string);
        } catch {
          return;
        }
        if (typeof sent.k !== "number" || typeof sent.t !== "number") return;
        if (sent.k % peerCount === receiver) return; // its own message
        const key = `${sent.k}/${receiver}`;
        if (seen.has(key)) {
          duplicates++;
          return;
        }
        seen.add(key);
        latencies.push(atMs - sent.t);
      };
    });
    const expected = messageCount * (peerCount - 1);
    const sendStart = performance.now();
    for (let k = 0; k < messageCount; k++) {
      await sleep(Math.max(0, sendStart + k * intervalMs - performance.now()));
      await peers[k % peerCount]!.send({
        type: "send",
        text: JSON.stringify({ k, t: wallNowMs() }),
      });
    }
    const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (seen.size < expected && performance.now() < drainDeadline) await sleep(20);
    const sorted = latencies.toSorted((a, b) => a - b);
    return {
      peers: peerCount,
      messages: messageCount,
      sendIntervalMs: intervalMs,
      peersReadyMs: round(readyMs),
      convergenceMs: round(convergedMs),
      neighbourGraphConnectedMs: round(meshConnectedMs),
      latencyMs: {
        median: round(percentile(sorted, 0.5)),
        p99: round(percentile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? NaN),
      },
      pairsExpected: expected,
      pairsDelivered: seen.size,
      deliveryRatio: seen.size / expected,
      duplicates,
    };
  } finally {
    await Promise.all(nodes.toReversed().map((node) => node.stop()));
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      peers: { type: "string", default: "10" },
      messages: { type: "string", default: "100" },
      "interval-ms": { type: "string", default: "20" },
    },
    strict: true,
  });
  const result = await measure(
    Number(values.peers),
    Number(values.messages),
    Number(values["interval-ms"]),
  );
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(result) + "\n"));
}
