/**
 * Measures crash recovery with real processes: a bootstrap and N peers, each
 * a `main.ts peer --json --data-dir …` process, hold a conversation at a
 * steady rate from rotating senders; K of them are killed with SIGKILL
 * mid-conversation and restarted with the same data directory after a pause,
 * while the others keep talking.
 *
 * For each restarted peer it reports the time from the restart (spawning the
 * process) until it has delivered every message acknowledged by then — what
 * it delivered before the crash is read from its database while it is down;
 * the rest must come after the restart. At the end it checks that nobody,
 * restarted or not, delivered any (author, seq) twice or out of causal
 * order, and that everyone delivered everything.
 *
 * A message is acknowledged when its author prints the `message` line for
 * it (the store has committed it by then). Message lines a killed peer had
 * committed but not yet printed count as delivered before the crash (they are
 * in its database), as they would for its user after a restart.
 *
 * Prints one JSON object on stdout; progress goes to stderr. Every child is
 * stopped and the data directories removed on exit, on error and on Ctrl-C.
 *
 * ```sh
 * deno run --allow-run --allow-read --allow-write --allow-env scripts/measure_crash_restart.ts \
 *   [--peers 10] [--kill 2] [--rate 20] [--before-ms 5000] [--down-ms 3000] [--after-ms 5000]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { JsonChild, LIVE_CHILDREN, wallNowMs } from "./_bench/json_child.ts";

const REPO = decodeURIComponent(new URL("../", import.meta.url).pathname);
const MAIN_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-ffi",
];
/** Give up on any one phase after this long. */
const PHASE_TIMEOUT_MS = 60_000;
/** After the last send, wait this long at most for everyone to deliver everything. */
const DRAIN_TIMEOUT_MS = 120_000;

interface Delivery {
  readonly author: string;
  readonly seq: number;
  readonly clock: Record<string, number>;
  readonly text: string;
  /** When the node delivered it (ms since the epoch, the host's shared clock). */
  readonly at: number;
}

const ENCODER = new TextEncoder();

function log(text: string): void {
  Deno.stderr.writeSync(ENCODER.encode(`measure_crash_restart: ${text}\n`));
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

/** The `message` lines a node printed, as deliveries. */
function deliveriesOf(node: JsonChild): Delivery[] {
  return node.messages as unknown as Delivery[];
}

const key = (m: { author: string; seq: number }) => `${m.author}#${m.seq}`;
const round = (ms: number) => Math.round(ms);

/** The data directories' parent, removed on every way out. */
let workDir: string | undefined;

/** What a stopped peer had delivered, in delivery order, from its database (one room's store). */
function deliveredOnDisk(dataDir: string): string[] {
  const room = [...Deno.readDirSync(`${dataDir}/rooms`)].find((e) => e.name.endsWith(".db"));
  if (room === undefined) throw new Error(`No room store in ${dataDir}/rooms`);
  const db = new DatabaseSync(`${dataDir}/rooms/${room.name}`, { readOnly: true });
  try {
    return db.prepare("SELECT author, seq FROM messages ORDER BY id").all().map((row) =>
      key({ author: String(row.author), seq: Number(row.seq) })
    );
  } finally {
    db.close();
  }
}

/** One peer slot: its data directory and the processes that ran it. */
interface Slot {
  readonly name: string;
  readonly dataDir: string;
  id: string;
  node: JsonChild;
  /** Runs before the current one. */
  readonly past: JsonChild[];
  /** For a restarted peer: what its database held while it was down. */
  preCrash: string[] | undefined;
  alive: boolean;
}

interface Options {
  peers: number;
  kill: number;
  rate: number;
  beforeMs: number;
  downMs: number;
  afterMs: number;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      peers: { type: "string", default: "10" },
      kill: { type: "string", default: "2" },
      rate: { type: "string", default: "20" },
      "before-ms": { type: "string", default: "5000" },
      "down-ms": { type: "string", default: "3000" },
      "after-ms": { type: "string", default: "5000" },
    },
    strict: true,
  });
  const int = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new RangeError(`Invalid --${name}: '${text}', expected an integer of at least ${min}`);
    }
    return n;
  };
  const options = {
    peers: int("peers", values.peers, 2),
    kill: int("kill", values.kill, 1),
    rate: int("rate", values.rate, 1),
    beforeMs: int("before-ms", values["before-ms"], 0),
    downMs: int("down-ms", values["down-ms"], 0),
    afterMs: int("after-ms", values["after-ms"], 0),
  };
  if (options.kill >= options.peers) {
    throw new RangeError(`Invalid --kill: ${options.kill}, must be below --peers ${options.peers}`);
  }
  return options;
}

function peerArgs(bootstrap: string, slot: Slot): string[] {
  return [
    "peer",
    "--json",
    "--bootstrap",
    bootstrap,
    "--listen",
    "127.0.0.1:0",
    "--nick",
    slot.name,
    "--data-dir",
    slot.dataDir,
  ];
}

/**
 * Checks one peer's whole delivery sequence; returns the counts of
 * duplicates, causal violations and messages of `universe` never delivered.
 */
function audit(
  sequence: readonly string[],
  clocks: ReadonlyMap<string, Record<string, number>>,
  universe: ReadonlySet<string>,
): { duplicates: number; causalViolations: number; missing: number } {
  const seen = new Set<string>();
  const delivered = new Map<string, number>();
  let duplicates = 0;
  let causalViolations = 0;
  for (const k of sequence) {
    if (seen.has(k)) {
      duplicates++;
      continue;
    }
    seen.add(k);
    const author = k.slice(0, k.indexOf("#"));
    const seq = Number(k.slice(k.indexOf("#") + 1));
    const clock = clocks.get(k) ?? {};
    let ok = seq === (delivered.get(author) ?? 0) + 1 && clock[author] === seq;
    for (const [dep, n] of Object.entries(clock)) {
      if (dep !== author && (delivered.get(dep) ?? 0) < n) ok = false;
    }
    if (!ok) causalViolations++;
    delivered.set(author, Math.max(seq, delivered.get(author) ?? 0));
  }
  let missing = 0;
  for (const k of universe) if (!seen.has(k)) missing++;
  return { duplicates, causalViolations, missing };
}

/** A slot's deliveries over all its runs: from disk before a crash, then the printed lines. */
function fullSequence(slot: Slot): string[] {
  const current = deliveriesOf(slot.node).map(key);
  return slot.preCrash === undefined ? current : [...slot.preCrash, ...current];
}

async function measure(options: Options): Promise<Record<string, unknown>> {
  const root = await Deno.makeTempDir({ prefix: "measure_crash_restart_" });
  workDir = root;
  const nodes: JsonChild[] = [];
  try {
    const bootstrap = spawnMain("bootstrap", ["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
    nodes.push(bootstrap);
    const bootstrapAddr = String((await bootstrap.next("ready")).addr);

    /** Acknowledged messages: key → when the author acknowledged it. */
    const acknowledged = new Map<string, number>();
    const clocks = new Map<string, Record<string, number>>();
    const slots: Slot[] = [];
    const watch = (slot: Slot, node: JsonChild) => {
      node.onMessage = (line) => {
        const d = line as unknown as Delivery;
        clocks.set(key(d), d.clock);
        if (d.author === slot.id && !acknowledged.has(key(d))) acknowledged.set(key(d), d.at);
      };
    };
    for (let i = 0; i < options.peers; i++) {
      const name = `p${i}`;
      const slot: Slot = {
        name,
        dataDir: `${root}/${name}`,
        id: "",
        node: undefined as unknown as JsonChild,
        past: [],
        preCrash: undefined,
        alive: true,
      };
      slot.node = spawnMain(name, peerArgs(bootstrapAddr, slot));
      nodes.push(slot.node);
      slots.push(slot);
    }
    await Promise.all(slots.map(async (slot) => {
      slot.id = String((await slot.node.next("ready")).id);
      watch(slot, slot.node);
    }));
    log(`${options.peers} peers ready; waiting until each knows the others`);
    const deadline = wallNowMs() + PHASE_TIMEOUT_MS;
    for (;;) {
      const counts = await Promise.all(
        slots.map(async (s) =>
          ((await s.node.ask({ type: "peers" }, "peers")).peers as unknown[]).length
        ),
      );
      if (counts.every((n) => n >= options.peers - 1)) break;
      if (wallNowMs() > deadline) {
        throw new Error(`Membership did not converge: ${counts.join(", ")}`);
      }
      await sleep(100);
    }

    // The conversation: one message every 1000/rate ms, senders rotating over the live peers.
    const intervalMs = 1000 / options.rate;
    let sendCommands = 0;
    let talking = true;
    const conversation = (async () => {
      let next = wallNowMs();
      for (let k = 0; talking; k++) {
        const live = slots.filter((s) => s.alive);
        const sender = live[k % live.length]!;
        sendCommands++;
        sender.node.send({ type: "send", text: `m${k} from ${sender.name}` }).catch(() => {});
        next += intervalMs;
        await sleep(Math.max(0, next - wallNowMs()));
      }
    })();

    await sleep(options.beforeMs);
    const victims = Array.from(
      { length: options.kill },
      (_, i) => slots[Math.floor(((i + 0.5) * options.peers) / options.kill)]!,
    );
    log(`killing ${victims.map((v) => v.name).join(", ")} with SIGKILL`);
    const killedAtMs = wallNowMs();
    await Promise.all(victims.map(async (v) => {
      v.alive = false;
      await v.node.kill();
    }));
    await sleep(Math.max(0, killedAtMs + options.downMs - wallNowMs()));

    const restarts = victims.map((v) => {
      const onDisk = deliveredOnDisk(v.dataDir);
      const onDiskSet = new Set(onDisk);
      const printed = deliveriesOf(v.node).map(key);
      const printedIsPrefix = printed.every((k, i) => onDisk[i] === k);
      v.preCrash = onDisk;
      v.past.push(v.node);
      const restartAtMs = wallNowMs();
      // Everything acknowledged so far that it had not delivered before the crash.
      const target = new Set([...acknowledged.keys()].filter((k) => !onDiskSet.has(k)));
      const node = spawnMain(`${v.name} (restarted)`, peerArgs(bootstrapAddr, v));
      nodes.push(node);
      v.node = node;
      const result = {
        name: v.name,
        restartAtMs,
        readyAtMs: NaN,
        caughtUpAtMs: target.size === 0 ? restartAtMs : NaN,
        missedWhileDown: target.size,
        deliveredBeforeCrash: onDisk.length,
        unprintedBeforeCrash: onDisk.length - printed.length,
        printedIsPrefix,
        sameId: false,
      };
      const remaining = new Set(target);
      node.onMessage = (line) => {
        const d = line as unknown as Delivery;
        clocks.set(key(d), d.clock);
        if (d.author === v.id && !acknowledged.has(key(d))) acknowledged.set(key(d), d.at);
        if (remaining.delete(key(d)) && remaining.size === 0) result.caughtUpAtMs = d.at;
      };
      return { slot: v, node, result };
    });
    log(`restarted ${victims.map((v) => v.name).join(", ")}`);
    await Promise.all(restarts.map(async ({ slot, node, result }) => {
      const ready = await node.next("ready");
      result.readyAtMs = wallNowMs();
      result.sameId = ready.id === slot.id;
      slot.alive = true;
    }));

    await sleep(options.afterMs);
    talking = false;
    await conversation;
    const lastSendAtMs = wallNowMs();
    log(`${sendCommands} sends; waiting until everyone has delivered everything`);

    const universe = () => {
      const all = new Set(acknowledged.keys());
      for (const slot of slots) for (const k of fullSequence(slot)) all.add(k);
      for (const node of nodes) for (const d of deliveriesOf(node)) all.add(key(d));
      return all;
    };
    let converged = false;
    const drainDeadline = wallNowMs() + DRAIN_TIMEOUT_MS;
    while (wallNowMs() < drainDeadline) {
      const all = universe();
      if (slots.every((s) => audit(fullSequence(s), clocks, all).missing === 0)) {
        converged = true;
        break;
      }
      await sleep(100);
    }
    const convergedAtMs = wallNowMs();
    const all = universe();
    const audits = slots.map((s) => ({ name: s.name, ...audit(fullSequence(s), clocks, all) }));
    const sum = (f: (a: (typeof audits)[number]) => number) => audits.reduce((n, a) => n + f(a), 0);
    return {
      peers: options.peers,
      killed: options.kill,
      rate_msgs_per_s: options.rate,
      down_ms: round(restarts[0]!.result.restartAtMs - killedAtMs),
      send_commands: sendCommands,
      messages_acknowledged: acknowledged.size,
      messages_delivered_anywhere: all.size,
      restarted: restarts.map(({ result }) => ({
        name: result.name,
        same_id: result.sameId,
        delivered_before_crash: result.deliveredBeforeCrash,
        committed_but_unprinted_at_crash: result.unprintedBeforeCrash,
        printed_lines_match_disk: result.printedIsPrefix,
        missed_while_down: result.missedWhileDown,
        ready_ms: round(result.readyAtMs - result.restartAtMs),
        caught_up_ms: Number.isNaN(result.caughtUpAtMs)
          ? null
          : round(result.caughtUpAtMs - result.restartAtMs),
      })),
      duplicates: sum((a) => a.duplicates),
      causal_violations: sum((a) => a.causalViolations),
      missing_at_end: sum((a) => a.missing),
      everyone_delivered_everything: converged && sum((a) => a.missing) === 0,
      drain_after_last_send_ms: round(convergedAtMs - lastSendAtMs),
      per_peer: audits.filter((a) => a.duplicates + a.causalViolations + a.missing > 0),
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  let options: Options;
  try {
    options = parseOptions(Deno.args);
  } catch (error) {
    log((error as Error).message);
    Deno.exit(2);
  }
  const onSignal = () => {
    log("interrupted; stopping every child");
    for (const node of LIVE_CHILDREN) node.kill().catch(() => {});
    if (workDir !== undefined) Deno.removeSync(workDir, { recursive: true });
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const result = await measure(options);
    Deno.stdout.writeSync(ENCODER.encode(JSON.stringify(result) + "\n"));
  } catch (error) {
    log(`failed: ${(error as Error).stack ?? error}`);
    for (const node of LIVE_CHILDREN) await node.stop();
    Deno.exit(1);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}
