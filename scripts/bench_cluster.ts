/**
 * The cluster benchmark: the workload of `../shared/bench/WORKLOAD.md` run
 * against p2pchat — a bootstrap and N peer processes on 127.0.0.1; join
 * time, latency at a steady rate with rotating senders, single-sender
 * throughput, CPU seconds, RSS and payload sends per message.
 *
 * Prints one JSON object per run on stdout, and with `--runs K` (K > 1) one
 * more with the median of every figure; progress goes to stderr. Every child
 * process is stopped on exit, on error and on Ctrl-C. See PERFORMANCE.md.
 *
 * ```sh
 * deno task bench:cluster --nodes 10 --runs 3
 * deno task bench:cluster --help
 * ```
 *
 * @module
 */

import { CLUSTER_HELP, type ClusterOptions, parseClusterArgs } from "./_bench/cluster_args.ts";
import { type ClusterEnvironment, NODE_PERMISSIONS, runCluster } from "./_bench/cluster_run.ts";
import { type JsonObject, medianOfRuns } from "./_bench/median_of_runs.ts";
import { killAllNodes, stopAllNodes } from "./_bench/node_process.ts";
import { clockTicksPerSecond, readCpuTicks } from "./_bench/process_metrics.ts";
import { parseCpuModel } from "./_bench/proc_stat.ts";
import { peerTaskV8Flags } from "./node_v8_flags.ts";

const THIS_REPO = decodeURIComponent(new URL("../", import.meta.url).pathname).replace(/\/$/, "");
const ENCODER = new TextEncoder();

/** Writes one line to stdout or stderr, all of it. */
function writeLine(stream: typeof Deno.stdout | typeof Deno.stderr, text: string): void {
  const bytes = ENCODER.encode(text + "\n");
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

function log(line: string): void {
  writeLine(Deno.stderr, `bench_cluster: ${line}`);
}

/** Output of a short command, or `undefined` if it fails. */
async function commandOutput(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command(command, {
      args: [...args],
      cwd,
      stdin: "null",
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The peer flags that give the asked-for encryption, from the peer's help:
 * `--secure` / `--insecure` when it has them.
 *
 * @throws {RangeError} when `on` is asked and the peer cannot encrypt.
 */
function encryptionFlags(
  asked: ClusterOptions["encryption"],
  peerHelp: string,
): { flags: string[]; encryption: boolean } {
  const hasSecure = /(^|\s)--secure\b/m.test(peerHelp);
  const hasInsecure = /(^|\s)--insecure\b/m.test(peerHelp);
  if (asked === "on") {
    if (hasSecure) return { flags: ["--secure"], encryption: true };
    // Secure is the default where --insecure exists.
    if (hasInsecure) return { flags: [], encryption: true };
    throw new RangeError(
      "Cannot run with --encryption on: this p2pchat peer has neither --secure nor --insecure " +
        "(no encryption yet); use --encryption off",
    );
  }
  if (hasInsecure) return { flags: ["--insecure"], encryption: false };
  return { flags: [], encryption: false };
}

async function environment(options: ClusterOptions): Promise<ClusterEnvironment> {
  const repo = (options.repo ?? THIS_REPO).replace(/\/$/, "");
  const runMain = ["run", ...NODE_PERMISSIONS, "main.ts"];
  const [version, peerHelp, commit, dirty, cpuinfo, ticks] = await Promise.all([
    commandOutput(Deno.execPath(), [...runMain, "--version"], repo),
    commandOutput(Deno.execPath(), [...runMain, "peer", "--help"], repo),
    commandOutput("git", ["rev-parse", "--short", "HEAD"], repo),
    commandOutput("git", ["status", "--porcelain", "--", "main.ts", "lib"], repo),
    Deno.readTextFile("/proc/cpuinfo").catch(() => ""),
    clockTicksPerSecond(),
  ]);
  if (version === undefined || peerHelp === undefined) {
    throw new Error(`Cannot run main.ts in ${repo}`);
  }
  if ((await readCpuTicks(Deno.pid)) === undefined || cpuinfo === "") {
    throw new Error("Cannot read /proc: Deno grants it only with --allow-all (-A); Linux only");
  }
  const { flags, encryption } = encryptionFlags(options.encryption, peerHelp);
  // Nodes run as `deno task peer` runs them: with its V8 flags, unless --v8-flags says otherwise.
  const v8Flags = options.v8Flags ??
    peerTaskV8Flags(await Deno.readTextFile(`${repo}/deno.json`).catch(() => "{}"));
  return {
    repoRoot: repo,
    v8Flags: v8Flags === undefined || v8Flags === "" ? undefined : v8Flags,
    clockTicksPerSecond: ticks,
    peerFlags: flags,
    encryption,
    log,
    header: {
      system: "p2pchat",
      versions: {
        deno: Deno.version.deno,
        v8: Deno.version.v8,
        p2pchat: version.replace(/^p2pchat\s+/, ""),
        repo,
        commit: commit ?? null,
        lib_modified: dirty === undefined ? null : dirty !== "",
      },
      cores: navigator.hardwareConcurrency,
      cpu_model: parseCpuModel(cpuinfo) ?? null,
      peer_flags: flags.join(" "),
    },
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let options: ClusterOptions;
  try {
    options = parseClusterArgs(argv);
  } catch (error) {
    log((error as Error).message);
    return 2;
  }
  if (options.help) {
    writeLine(Deno.stdout, CLUSTER_HELP);
    return 0;
  }
  let env: ClusterEnvironment;
  try {
    env = await environment(options);
  } catch (error) {
    log((error as Error).message);
    return 2;
  }
  if (options.cpuProfDir !== undefined) await Deno.mkdir(options.cpuProfDir, { recursive: true });
  const results: JsonObject[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const result = await runCluster(options, env, run);
    writeLine(Deno.stdout, JSON.stringify(result));
    results.push(result);
  }
  if (results.length > 1) {
    const { run: _run, cpu_profile: _profile, ...median } = medianOfRuns(results);
    writeLine(Deno.stdout, JSON.stringify({ ...median, median_of_runs: results.length }));
  }
  return 0;
}

if (import.meta.main) {
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) {
      killAllNodes();
      Deno.exit(130);
    }
    interrupted = true;
    log("interrupted: stopping every node (again to kill at once)");
    stopAllNodes().finally(() => Deno.exit(130));
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    log(`failed: ${(error as Error).stack ?? error}`);
    code = 1;
  } finally {
    await stopAllNodes();
  }
  for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  Deno.exit(code);
}
