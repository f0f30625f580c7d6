/**
 * Command-line options of `scripts/bench_cluster.ts`, with their defaults
 * and limits.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Whether the nodes encrypt: `on` needs a peer that has a `--secure` flag. */
export type Encryption = "on" | "off";

/** Every option of the cluster benchmark. */
export interface ClusterOptions {
  /** Peer processes (the bootstrap is extra). Default 10. */
  readonly nodes: number;
  /** Messages of the latency phase. Default 500. */
  readonly messages: number;
  /** Send rate of the latency phase, messages per second over all senders. Default 100. */
  readonly rateMsgsS: number;
  /** Text bytes per message. Default 100. */
  readonly payloadBytes: number;
  /** Length of the throughput phase; 0 skips it. Default 10. */
  readonly throughputSeconds: number;
  /** Throughput phase: most messages sent and not yet delivered by every receiver. Default 1000. */
  readonly window: number;
  /** How many times to run everything. Default 1. */
  readonly runs: number;
  /** Encryption. Default `off`. */
  readonly encryption: Encryption;
  /** Idle period after join, for idle CPU and RSS; 0 skips it. Default 5. */
  readonly idleSeconds: number;
  /**
   * After a phase's last send, the drain waits for missing deliveries while
   * they keep arriving: it ends once all are in, once this long passes with
   * none, or at {@linkcode ClusterOptions.drainMaxSeconds}. Default 30: at
   * N=50 encrypted on 2 cores the first delivery of the throughput phase
   * came more than 10 s after its first send.
   */
  readonly drainSeconds: number;
  /** Longest drain of a phase, however steadily deliveries still arrive. Default 120. */
  readonly drainMaxSeconds: number;
  /**
   * V8 flags given to every node (`deno run --v8-flags=…`); `""` for none.
   * Default: those of the checkout's `deno task peer`.
   */
  readonly v8Flags: string | undefined;
  /** Give up waiting for the full mesh after this (the run goes on, `join_s` is null). Default 60. */
  readonly joinTimeoutSeconds: number;
  /** Interval of `peers` polls while joining. Default 25. */
  readonly pollMs: number;
  /** Write CPU profiles of the throughput sender and one receiver here. Default none. */
  readonly cpuProfDir: string | undefined;
  /** The p2pchat checkout whose `main.ts` is benchmarked. Default: this repository. */
  readonly repo: string | undefined;
  /** Peers 0..K−1 run with `--web`, each with a feed open in the harness. Default 0. */
  readonly webPages: number;
  /** V8 flags for nodes 0 and 1 (say `--trace-gc`); their non-JSON output goes to stderr. */
  readonly peerV8Flags: string | undefined;
  /** Write every latency-phase delivery here, one tab-separated line each. Default none. */
  readonly deliveriesOut: string | undefined;
  /** Print the help and exit. */
  readonly help: boolean;
}

/** The `--help` text. */
export const CLUSTER_HELP = `Usage: deno task bench:cluster [options]

Runs the cluster workload of ../shared/bench/WORKLOAD.md: a bootstrap and N peer
processes on 127.0.0.1; join, latency, throughput and cost. Prints one JSON
object per run on stdout (and the medians when --runs > 1); progress on stderr.

Options:
  --nodes N                 peer processes (default 10)
  --messages M              latency phase: messages, sent by node i mod N (default 500)
  --rate R                  latency phase: messages/s over all senders (default 100)
  --payload BYTES           text bytes per message, stamp included (default 100)
  --throughput-seconds S    throughput phase length, 0 skips it (default 10)
  --window W                throughput phase: most messages in flight, i.e. sent and
                            not yet delivered by the slowest receiver (default 1000)
  --runs K                  repeat everything K times and print the medians (default 1)
  --encryption on|off       on passes --secure to the peers, off passes --insecure
                            when the peer has that flag (default off)
  --idle-seconds S          idle period for idle CPU/RSS, starting 1 s after the full
                            mesh; 0 skips it (default 5)
  --drain-seconds S         after a phase, wait for late deliveries until all are in or
                            none has come for S seconds (default 30)
  --drain-max-seconds S     end a phase's drain after S seconds in any case (default 120)
  --v8-flags=FLAGS          run every node with --v8-flags=FLAGS; --v8-flags= for none
                            (default: the flags of the checkout's 'deno task peer')
  --join-timeout-seconds S  stop waiting for the full mesh after S (default 60)
  --poll-ms MS              peers poll interval while joining (default 25)
  --cpu-prof DIR            write V8 CPU profiles of node 0 (the throughput sender) and
                            node 1 to DIR and summarise their idle, latency and throughput phases on stderr
  --web-pages K             peers 0..K-1 run with --web and the harness reads each one's
                            live feed as a page would (figures under "web") (default 0)
  --peer-v8-flags=FLAGS     run nodes 0 and 1 with --v8-flags=FLAGS (say --trace-gc) and
                            copy what they print that is not JSON to stderr, stamped
                            (V8 may splice a trace into a JSON line: that delivery is lost)
  --deliveries-out FILE     write each latency-phase delivery of the last run to FILE,
                            tab-separated: index, sender, receiver, sent_at_ms, at_ms,
                            latency_ms
  --repo DIR                benchmark the main.ts of another checkout (say, an older
                            commit from 'git archive') (default: this repository)
  -h, --help                show this help`;

/**
 * Parses the benchmark's argv.
 *
 * @throws {TypeError} for an unknown option or a missing value.
 * @throws {RangeError} for a value out of its range.
 */
export function parseClusterArgs(argv: readonly string[]): ClusterOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: "string" },
        messages: { type: "string" },
        rate: { type: "string" },
        payload: { type: "string" },
        "throughput-seconds": { type: "string" },
        window: { type: "string" },
        runs: { type: "string" },
        encryption: { type: "string" },
        "idle-seconds": { type: "string" },
        "drain-seconds": { type: "string" },
        "drain-max-seconds": { type: "string" },
        "v8-flags": { type: "string" },
        "join-timeout-seconds": { type: "string" },
        "poll-ms": { type: "string" },
        "cpu-prof": { type: "string" },
        repo: { type: "string" },
        "web-pages": { type: "string" },
        "peer-v8-flags": { type: "string" },
        "deliveries-out": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new TypeError(`Invalid arguments: ${(error as Error).message}`);
  }
  const encryption = values.encryption ?? "off";
  if (encryption !== "on" && encryption !== "off") {
    throw new RangeError(`Invalid --encryption: '${encryption}', expected on or off`);
  }
  const cpuProfDir = values["cpu-prof"];
  const nodes = integer(values, "nodes", 10, 2, 500);
  const webPages = integer(values, "web-pages", 0, 0, 500);
  if (webPages > nodes) {
    throw new RangeError(`Invalid --web-pages: ${webPages} is more than --nodes ${nodes}`);
  }
  return {
    nodes,
    messages: integer(values, "messages", 500, 0, 10_000_000),
    rateMsgsS: decimal(values, "rate", 100, 0.001, 1_000_000),
    payloadBytes: integer(values, "payload", 100, 1, 4096),
    throughputSeconds: decimal(values, "throughput-seconds", 10, 0, 3600),
    window: integer(values, "window", 1000, 1, 10_000_000),
    runs: integer(values, "runs", 1, 1, 1000),
    encryption,
    idleSeconds: decimal(values, "idle-seconds", 5, 0, 3600),
    drainSeconds: decimal(values, "drain-seconds", 30, 0, 3600),
    drainMaxSeconds: decimal(values, "drain-max-seconds", 120, 0, 36_000),
    v8Flags: typeof values["v8-flags"] === "string" ? values["v8-flags"] : undefined,
    joinTimeoutSeconds: decimal(values, "join-timeout-seconds", 60, 0.1, 36_000),
    pollMs: integer(values, "poll-ms", 25, 1, 60_000),
    cpuProfDir: typeof cpuProfDir === "string" ? cpuProfDir : undefined,
    repo: typeof values.repo === "string" ? values.repo : undefined,
    webPages,
    peerV8Flags: optionalString(values["peer-v8-flags"]),
    deliveriesOut: optionalString(values["deliveries-out"]),
    help: values.help === true,
  };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function integer(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = decimal(values, name, fallback, min, max);
  if (!Number.isInteger(value)) {
    throw new RangeError(`Invalid --${name}: '${values[name]}' is not a whole number`);
  }
  return value;
}

function decimal(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = values[name];
  if (typeof raw !== "string") return fallback;
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (Number.isNaN(value)) throw new RangeError(`Invalid --${name}: '${raw}' is not a number`);
  if (value < min || value > max) {
    throw new RangeError(`Invalid --${name}: ${raw} is not in [${min}, ${max}]`);
  }
  return value;
}
