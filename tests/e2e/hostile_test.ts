/**
 * End to end, hostile input: a bootstrap and honest peers run as `main.ts`
 * processes in a private room and chat without pause (each sends a numbered
 * message every 100 ms), while a raw TCP client attacks one of them, the
 * victim: garbage, bad length prefixes, frames cut off mid-way, slow-loris
 * senders, floods of connections, a replayed frame, wrong room keys and an
 * insider forging chat. Each attack checks what the victim does with that
 * connection (from the client's side and from the victim's log) and that the
 * honest chat keeps flowing; at the end every honest message has been
 * delivered exactly once, in causal order, at every honest peer, the forged
 * ones nowhere, and the victim is alive and still accepts peers.
 *
 * The honest peers all connect from 127.0.0.1. Attacks aimed at per-address
 * limits come from other loopback addresses (127.0.0.2 and up), so they test
 * the limit without shutting the honest peers out; where such addresses
 * cannot be used (not Linux) those parts are skipped with a note.
 */

import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { signChat } from "../../lib/secure/chat_signature.ts";
import { roomTag } from "../../lib/secure/room_tag.ts";
import { decodeRejection, HandshakeError } from "../../lib/secure/noise_handshake.ts";
import { deriveRoomKey, type RoomKey } from "../../lib/secure/room_key.ts";
import { encodeFrame } from "../../lib/wire/frame_codec.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";
import { encodeChatBody } from "../../lib/wire/message_encode.ts";
import {
  type ChildProcess,
  poll,
  processAlive,
  type ProcessGroup,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { assertCausalOrder } from "../_helpers/causal_order.ts";
import { canConnectFrom, RawConnection, type RawEnd, RawPeer } from "../_helpers/raw_client.ts";

const ROOM = "test";
const SECRET = "hostile input: correct horse battery staple";
/** The honest peers started at first; the first one is the victim. */
const NICKS = ["vic", "bob", "cat"] as const;
/** Each honest peer sends one message this often. */
const CHAT_INTERVAL_MS = 100;
/** The runtime's defaults, which its log lines quote. */
const HANDSHAKE_TIMEOUT_MS = 5_000;
const CONNECTIONS_PER_ADDRESS_MAX = 64;
const CONNECTIONS_MAX = 1_024;
const FRAME_BYTES_MAX = 65_535;
/** Bytes sent after each 4 GiB length prefix (16 connections): 64 MiB in all. */
const BIG_BODY_BYTES = 4 * 1024 * 1024;
/** How much the victim's resident memory may grow while it is sent: half of that. */
const RSS_GROWTH_KIB_MAX = 32 * 1024;

interface Node {
  readonly process: ChildProcess;
  readonly id: string;
  readonly addr: string;
  readonly port: number;
  readonly nick: string;
}

interface Delivered {
  readonly author: string;
  readonly seq: number;
  readonly clock: Record<string, number>;
  readonly text: string;
}

// ---------------------------------------------------------------------------
// The honest network

function roomFlags(room = ROOM, secret = SECRET): string[] {
  return ["--room", room, "--secret", secret];
}

async function ready(process: ChildProcess, nick: string): Promise<Node> {
  const line = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  const addr = String(line.addr);
  return { process, id: String(line.id), addr, port: portOf(addr), nick };
}

function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(":") + 1));
}

function startBootstrap(group: ProcessGroup): Promise<Node> {
  const process = group.spawnMain(
    ["bootstrap", "--json", "--listen", "127.0.0.1:0", ...roomFlags()],
    { name: "bootstrap" },
  );
  return ready(process, "bootstrap");
}

function startPeer(
  group: ProcessGroup,
  nick: string,
  bootstrap: Node,
  extra: readonly string[] = [],
): Promise<Node> {
  const process = group.spawnMain([
    "peer",
    "--json",
    "--ephemeral",
    "--bootstrap",
    bootstrap.addr,
    "--listen",
    "127.0.0.1:0",
    "--nick",
    nick,
    ...roomFlags(),
    ...extra,
  ], { name: `peer ${nick}` });
  return ready(process, nick);
}

/** Every chat message a peer has delivered, read incrementally from its stdout. */
class DeliveryLog {
  readonly list: Delivered[] = [];
  readonly #counts = new Map<string, number>();
  readonly #process: ChildProcess;
  #scanned = 0;

  constructor(process: ChildProcess) {
    this.#process = process;
  }

  /** Reads the lines that arrived since the last call. */
  update(): this {
    const lines = this.#process.lines;
    for (; this.#scanned < lines.length; this.#scanned++) {
      const json = lines[this.#scanned]!.json;
      if (json?.type !== "message") continue;
      const delivered = json as unknown as Delivered;
      this.list.push(delivered);
      this.#counts.set(delivered.text, (this.#counts.get(delivered.text) ?? 0) + 1);
    }
    return this;
  }

  has(text: string): boolean {
    return this.#counts.has(text);
  }

  count(text: string): number {
    return this.#counts.get(text) ?? 0;
  }
}

/** Makes every honest peer send a numbered message every `CHAT_INTERVAL_MS` until stopped. */
class Chatter {
  /** Every text sent so far, by author id. */
  readonly sent = new Map<string, string[]>();
  readonly #loops: Promise<void>[] = [];
  readonly #wakers = new Set<() => void>();
  readonly #errors: unknown[] = [];
  #stopped = false;

  start(node: Node): void {
    this.sent.set(node.id, []);
    this.#loops.push(this.#run(node));
  }

  /** The last text each author has sent so far. */
  latest(): string[] {
    return [...this.sent.values()].flatMap((texts) => texts.slice(-1));
  }

  /** Every text sent so far. */
  all(): string[] {
    return [...this.sent.values()].flat();
  }

  /** Stops every loop; throws if one of them failed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const wake of [...this.#wakers]) wake();
    await Promise.all(this.#loops);
    if (this.#errors.length > 0) {
      throw new Error(`Chatting failed: ${this.#errors.map(String).join("; ")}`);
    }
  }

  async #run(node: Node): Promise<void> {
    const sent = this.sent.get(node.id)!;
    for (let n = 1; !this.#stopped; n++) {
      const text = `${node.nick} #${n}`;
      try {
        await node.process.send({ type: "send", text });
      } catch (error) {
        this.#errors.push(error);
        return;
      }
      sent.push(text);
      await this.#sleep(CHAT_INTERVAL_MS);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }
}

/** The honest network under test. */
interface Network {
  readonly victim: Node;
  /** Every honest peer, the victim first. */
  readonly honest: Node[];
  readonly logs: Map<string, DeliveryLog>;
  readonly chatter: Chatter;
}

/** Adds a running honest peer to the network: its deliveries are checked, and it chats. */
function enlist(network: Network, node: Node): void {
  network.honest.push(node);
  network.logs.set(node.id, new DeliveryLog(node.process));
  network.chatter.start(node);
}

/**
 * Waits until every honest peer has delivered the latest message of every
 * honest author (so the chat is still flowing everywhere), and checks that
 * the victim is still running.
 */
async function assertChatFlows(network: Network, when: string): Promise<void> {
  await assertAlive(network.victim);
  const texts = network.chatter.latest();
  let missing: string[] = [];
  try {
    await poll(
      () => {
        missing = network.honest.flatMap((node) => {
          const log = network.logs.get(node.id)!.update();
          return texts.filter((t) => !log.has(t)).map((t) => `${node.nick} lacks '${t}'`);
        });
        return Promise.resolve(missing.length === 0 ? true : undefined);
      },
      `the honest chat flows ${when}`,
      { timeoutMs: WAIT_MS, intervalMs: 50 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${missing.join(", ")}`);
  }
}

async function assertAlive(node: Node): Promise<void> {
  assert.equal(node.process.exitStatus, undefined, `${node.process.name} exited`);
  assert.ok(await processAlive(node.process.pid), `${node.process.name} is gone`);
}

// ---------------------------------------------------------------------------
// The victim's log

/** Whether `line` names the connection from `addr` (and not one whose port merely starts so). */
function mentions(line: string, addr: string): boolean {
  const at = line.indexOf(addr);
  return at >= 0 && !/[0-9]/.test(line.charAt(at + addr.length));
}

/** Waits until the victim's stderr has a line about `addr` matching `pattern`; returns it. */
async function waitForLog(node: Node, addr: string, pattern: RegExp): Promise<string> {
  let found: string | undefined;
  try {
    await poll(
      () => {
        found = node.process.stderr.split("\n").find((l) => mentions(l, addr) && pattern.test(l));
        return Promise.resolve(found === undefined ? undefined : true);
      },
      `${node.process.name} logs ${pattern} for ${addr}`,
      { intervalMs: 50 },
    );
  } catch (error) {
    const about = node.process.stderr.split("\n").filter((l) => mentions(l, addr));
    throw new Error(`${(error as Error).message}; its lines about ${addr}: ${about.join(" | ")}`);
  }
  return found!;
}

/** Waits until `connection` ends from the victim's side (not closed by us); returns how. */
async function waitForHangUp(connection: RawConnection, what: string): Promise<RawEnd> {
  const end = await withTimeout(connection.ended, WAIT_MS, `${what}: the victim hangs up`);
  assert.notEqual(end, "local", `${what}: closed by the test, not by the victim`);
  return end;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not so within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------
// Odds and ends

/** Deterministic bytes (mulberry32), so that a failure replays. */
function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

function prefix(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Resolves after `ms`, or as soon as `cut` settles; clears its timer either way. */
function sleepUnless(ms: number, cut: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    cut.then(() => {}, () => {}),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Resident memory of `pid` in KiB: VmRSS from /proc (which Deno lets only
 * `--allow-all` read), else from `ps`; `undefined` where neither works.
 */
async function residentKiB(pid: number): Promise<number | undefined> {
  const status = await readProcFile(`/proc/${pid}/status`);
  const match = status === undefined ? null : /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (match !== null) return Number(match[1]);
  const rss = Number((await commandOutput("ps", ["-o", "rss=", "-p", String(pid)]))?.trim());
  return Number.isInteger(rss) && rss > 0 ? rss : undefined;
}

/** Open sockets of `pid` (listing /proc/PID/fd, through `ls` if need be), or `undefined`. */
async function socketCount(pid: number): Promise<number | undefined> {
  const listing = await commandOutput("ls", ["-l", `/proc/${pid}/fd`]);
  return listing?.split("\n").filter((line) => line.includes("socket:")).length;
}

/** The soft limit on open files of this process (as a child inherits it), or `undefined`. */
async function openFilesLimit(): Promise<number | undefined> {
  const text = (await commandOutput("sh", ["-c", "ulimit -n"]))?.trim();
  if (text === "unlimited") return Infinity;
  const limit = Number(text);
  return Number.isInteger(limit) && limit > 0 ? limit : undefined;
}

async function readProcFile(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/** Stdout of a command that succeeded, else `undefined` (not found, not permitted, failed). */
async function commandOutput(program: string, args: string[]): Promise<string | undefined> {
  try {
    const { code, stdout } = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return code === 0 ? new TextDecoder().decode(stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** Opens `count` raw connections, `batch` at a time (a burst larger than the backlog stalls). */
async function openMany(
  port: number,
  count: number,
  from: (index: number) => string | undefined,
  batch = 64,
): Promise<RawConnection[]> {
  const opened: RawConnection[] = [];
  try {
    for (let start = 0; start < count; start += batch) {
      const indexes = Array.from({ length: Math.min(batch, count - start) }, (_, i) => start + i);
      opened.push(
        ...await Promise.all(indexes.map((i) => {
          const source = from(i);
          return RawConnection.open(port, source === undefined ? {} : { from: source });
        })),
      );
    }
  } catch (error) {
    await Promise.all(opened.map((c) => c.close()));
    throw error;
  }
  return opened;
}

async function closeAll(connections: readonly (RawConnection | RawPeer)[]): Promise<void> {
  await Promise.all(connections.map((c) => c.close()));
}

/**
 * Completes an honest handshake (the right room key, from 127.0.0.1) with the
 * node at `port` and closes it again; throws if that takes over `ms` (a node
 * that stopped accepting leaves the connection waiting in its backlog).
 */
async function honestJoinWithin(port: number, roomKey: RoomKey, ms = WAIT_MS): Promise<void> {
  await (await RawPeer.join(port, { roomKey, timeoutMs: ms })).close();
}

/** A forged or altered chat message from an insider, as a wire message. */
function chat(message: ChatMessage): { type: "chat"; message: ChatMessage } {
  return { type: "chat", message };
}

// ---------------------------------------------------------------------------
// The test

Deno.test({
  name: "main.ts peer under attack from a raw TCP client: honest peers keep chatting, lose nothing",
  async fn(t) {
    const roomKey: RoomKey = {
      room: ROOM,
      psk: await deriveRoomKey(ROOM, SECRET),
      isPublic: false,
      source: "secret",
    };
    const aliases = await canConnectFrom("127.0.0.2");
    const aliasNote = aliases ? "" : " (SKIPPED: no second loopback address here)";

    await withProcesses(async (group) => {
      const bootstrap = await startBootstrap(group);
      // The victim logs at info level (-v): handshake failures are logged there.
      const peers = await Promise.all(
        NICKS.map((nick, i) => startPeer(group, nick, bootstrap, i === 0 ? ["-v"] : [])),
      );
      const network: Network = {
        victim: peers[0]!,
        honest: [],
        logs: new Map(),
        chatter: new Chatter(),
      };
      const { victim } = network;
      await Promise.all(
        peers.map((p) =>
          waitUntilConnected(p.process, peers.filter((q) => q !== p).map((q) => q.id))
        ),
      );
      for (const peer of peers) enlist(network, peer);
      await assertChatFlows(network, "before the attacks");

      /**
       * Runs one attack as a step; a failure carries every process's stderr tail. The
       * chat and the processes run across steps, so the sanitizers check the whole test
       * rather than each step.
       */
      const attack = async (
        name: string,
        fn: () => Promise<void>,
        options: { ignore?: boolean } = {},
      ): Promise<void> => {
        await t.step({
          name,
          ignore: options.ignore ?? false,
          sanitizeOps: false,
          sanitizeResources: false,
          fn: async () => {
            try {
              await fn();
              await assertChatFlows(network, `after: ${name}`);
            } catch (error) {
              throw new Error(
                `${(error as Error).message}\n\n=== child processes ===\n${group.context()}`,
                { cause: error },
              );
            }
          },
        });
      };

      try {
        await attack(
          "garbage: random bytes, an HTTP request, a bogus handshake message",
          async () => {
            const cases = [
              new TextEncoder().encode(
                "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: hostile_test\r\n\r\n",
              ),
              ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => seededBytes(seed, 4096)),
            ];
            const connections = await openMany(victim.port, cases.length, () => undefined);
            // A well-formed frame of 48 random bytes where Noise message 1 belongs.
            const bogus = await RawConnection.open(victim.port);
            // Garbage from an insider, after a complete handshake.
            const insider = await RawPeer.join(victim.port, { roomKey });
            try {
              await Promise.all(connections.map((c, i) => c.tryWrite(cases[i]!)));
              await bogus.writeFrame(seededBytes(99, 48));
              await insider.connection.write(seededBytes(100, 1024));
              await Promise.all(connections.map((c) => waitForHangUp(c, "garbage")));
              await waitForLog(
                victim,
                connections[0]!.localAddr,
                /Handshake with .* failed: .*Cannot decode frame: length 1195725856 exceeds 65535/,
              );
              for (const c of connections) await waitForLog(victim, c.localAddr, /Handshake with/);
              assert.equal(
                decodeRejection(
                  (await withTimeout(bogus.readFrame(), WAIT_MS, "a rejection frame"))!,
                ),
                "different-room",
              );
              await waitForHangUp(bogus, "bogus message 1");
              await waitForLog(
                victim,
                bogus.localAddr,
                /Handshake failed: the remote is in a different room/,
              );
              await waitForHangUp(insider.connection, "insider garbage");
              await waitForLog(
                victim,
                insider.connection.localAddr,
                /Closing connection to .*: Cannot/,
              );
            } finally {
              await closeAll([...connections, bogus, insider]);
            }
          },
        );

        let rss: { before: number; after: number } | undefined;
        await attack("length prefixes of 4 GiB and of 65 536 are refused at once", async () => {
          const lengths = [0xffff_ffff, FRAME_BYTES_MAX + 1, 0];
          const perLength = 16;
          // After a 4 GiB prefix, 4 MiB of body: a victim that buffered it would show in VmRSS.
          const bigBody = seededBytes(7, BIG_BODY_BYTES);
          const body = bigBody.subarray(0, 64 * 1024);
          const connections = await openMany(
            victim.port,
            lengths.length * perLength,
            () => undefined,
          );
          // The prefix one byte at a time, too: it is checked once its 4 bytes are in.
          const dribbled = await RawConnection.open(victim.port);
          const insider = await RawPeer.join(victim.port, { roomKey });
          try {
            const before = await residentKiB(victim.process.pid);
            await Promise.all(connections.map(async (c, i) => {
              const length = lengths[Math.floor(i / perLength)]!;
              if (await c.tryWrite(prefix(length))) {
                await c.tryWrite(length === 0xffff_ffff ? bigBody : body);
              }
            }));
            const after = await residentKiB(victim.process.pid);
            if (before !== undefined && after !== undefined) rss = { before, after };
            for (const byte of prefix(0xffff_ffff)) {
              await dribbled.write(Uint8Array.of(byte));
              await sleepUnless(20, dribbled.ended);
            }
            await insider.connection.tryWrite(concat(prefix(0xffff_ffff), body));
            await Promise.all(connections.map((c) => waitForHangUp(c, "bad length")));
            for (const [i, c] of connections.entries()) {
              const length = lengths[Math.floor(i / perLength)]!;
              const reason = length === 0
                ? "length 0, a frame carries at least 1 byte"
                : `length ${length} exceeds ${FRAME_BYTES_MAX}`;
              // Refused at the prefix: not by the handshake timeout, not after buffering a body.
              await waitForLog(victim, c.localAddr, new RegExp(`Cannot decode frame: ${reason}`));
            }
            await waitForHangUp(dribbled, "dribbled length");
            await waitForLog(victim, dribbled.localAddr, /length 4294967295 exceeds 65535/);
            await waitForHangUp(insider.connection, "insider length");
            await waitForLog(
              victim,
              insider.connection.localAddr,
              /Closing connection to .*: Cannot decode frame: length 4294967295 exceeds 65535/,
            );
          } finally {
            await closeAll([...connections, dribbled, insider]);
          }
        });
        await attack(
          `the victim's resident memory stays flat under bad lengths${
            rss === undefined ? " (SKIPPED: neither /proc/PID/status nor ps readable)" : ""
          }`,
          () => {
            const growth = rss!.after - rss!.before;
            assert.ok(
              growth < RSS_GROWTH_KIB_MAX,
              `VmRSS grew by ${growth} KiB (from ${rss!.before} to ${rss!.after})`,
            );
            return Promise.resolve();
          },
          { ignore: rss === undefined },
        );

        await attack(
          "a frame cut off mid-way: closed at end of stream, or by the timeouts in silence",
          async () => {
            const frame = encodeFrame(seededBytes(11, 48));
            const [cutBody, cutPrefix, silent] = await openMany(victim.port, 3, () => undefined);
            const insiders = [
              await RawPeer.join(victim.port, { roomKey }),
              await RawPeer.join(victim.port, { roomKey }),
            ];
            try {
              const ping = await insiders[0]!.seal([{ type: "ping", nonce: 1 }]);
              const half = ping.subarray(0, Math.floor(ping.length / 2));
              await cutBody!.write(frame.subarray(0, 24));
              await cutBody!.closeWrite();
              await cutPrefix!.write(frame.subarray(0, 2));
              await cutPrefix!.closeWrite();
              await silent!.write(frame.subarray(0, 24));
              await insiders[0]!.connection.write(half);
              await insiders[0]!.connection.closeWrite();
              await insiders[1]!.connection.write(half);

              await waitForHangUp(cutBody!, "cut body, then EOF");
              await waitForLog(
                victim,
                cutBody!.localAddr,
                /Cannot decode frame: truncated frame at end of stream, 20 of 48 bytes/,
              );
              await waitForHangUp(cutPrefix!, "cut prefix, then EOF");
              await waitForLog(
                victim,
                cutPrefix!.localAddr,
                /Cannot decode frame: truncated length prefix at end of stream, 2 of 4 bytes/,
              );
              await waitForHangUp(insiders[0]!.connection, "insider cut, then EOF");
              await waitForLog(
                victim,
                insiders[0]!.connection.localAddr,
                /Closing connection to .*: Cannot decode frame: truncated frame at end of stream/,
              );
              // In silence: the handshake timeout, and for an insider the heartbeat timeout.
              await waitForHangUp(silent!, "cut body, then silence");
              await waitForLog(
                victim,
                silent!.localAddr,
                new RegExp(`handshake timed out after ${HANDSHAKE_TIMEOUT_MS} ms`),
              );
              await waitForHangUp(insiders[1]!.connection, "insider cut, then silence");
            } finally {
              await closeAll([cutBody!, cutPrefix!, silent!, ...insiders]);
            }
          },
        );

        await attack(
          `slow-loris: 100 connections dribbling a byte a second${aliasNote}`,
          async () => {
            const attackers = 100;
            const sources = ["127.0.0.2", "127.0.0.3"];
            const frame = encodeFrame(seededBytes(12, 48));
            const stop = new AbortController();
            const stopped = new Promise<void>((resolve) =>
              stop.signal.addEventListener("abort", () => resolve())
            );
            const hungUp: RawConnection[] = [];
            const live = new Set<RawConnection>();
            /** How many times the victim hung up on each attacker. */
            const rounds = new Array<number>(attackers).fill(0);
            const loris = async (index: number) => {
              // Like a real attacker, reconnect as soon as the victim hangs up.
              while (!stop.signal.aborted) {
                let connection: RawConnection;
                try {
                  connection = await RawConnection.open(victim.port, {
                    from: sources[index % sources.length]!,
                    signal: stop.signal,
                  });
                } catch (error) {
                  if (stop.signal.aborted) return;
                  throw error;
                }
                live.add(connection);
                for (let i = 0; i < frame.length && connection.end === undefined; i++) {
                  if (stop.signal.aborted) break;
                  if (!(await connection.tryWrite(frame.subarray(i, i + 1)))) break;
                  await sleepUnless(1_000, Promise.race([connection.ended, stopped]));
                }
                if (connection.end !== undefined && connection.end !== "local") {
                  hungUp.push(connection);
                  rounds[index]!++;
                }
                await connection.close();
                live.delete(connection);
              }
            };
            const lorises = Array.from({ length: attackers }, (_, i) => loris(i));
            let insider: RawPeer | undefined;
            try {
              // An insider dribbling a transport message is closed by the heartbeat timeout.
              const dribbler = insider = await RawPeer.join(victim.port, { roomKey });
              const ping = await dribbler.seal([{ type: "ping", nonce: 2 }]);
              const dribbling = (async () => {
                for (const byte of ping) {
                  if (!(await dribbler.connection.tryWrite(Uint8Array.of(byte)))) return;
                  await sleepUnless(1_000, dribbler.connection.ended);
                  if (dribbler.connection.end !== undefined) return;
                }
              })();
              await poll(
                () => Promise.resolve(live.size >= attackers ? true : undefined),
                "every slow-loris connection is open",
              );
              // While they dribble, an honest handshake and a new honest peer get in.
              await honestJoinWithin(victim.port, roomKey);
              const newcomer = await startPeer(group, "dee", bootstrap, ["--join", victim.addr]);
              await waitUntilConnected(newcomer.process, [victim.id]);
              enlist(network, newcomer);
              await waitForHangUp(dribbler.connection, "insider slow-loris");
              await dribbling;
              // Every attacker has been cut off at least once, by the handshake timeout.
              await poll(
                () => Promise.resolve(rounds.every((n) => n >= 1) ? true : undefined),
                "the victim hangs up on every slow-loris connection",
              );
            } finally {
              stop.abort();
              await Promise.all(lorises);
              await insider?.close();
            }
            for (const connection of hungUp) {
              await waitForLog(
                victim,
                connection.localAddr,
                new RegExp(`handshake timed out after ${HANDSHAKE_TIMEOUT_MS} ms`),
              );
            }
          },
          { ignore: !aliases },
        );

        await attack(`a flood of 300 connections from one address${aliasNote}`, async () => {
          const source = "127.0.0.4";
          const total = 300;
          const connections = await openMany(victim.port, total, () => source, 100);
          // Every third one goes at once (a quick connect); the others stay, silent.
          const quick = connections.filter((_, i) => i % 3 === 0);
          const held = connections.filter((_, i) => i % 3 !== 0);
          try {
            await closeAll(quick);
            // Meanwhile, honest peers from 127.0.0.1 still get in.
            await honestJoinWithin(victim.port, roomKey);
            await Promise.all(held.map((c) => waitForHangUp(c, "flood")));
            // One line per connection: refused at once, or a failed handshake.
            const lines = () =>
              victim.process.stderr.split("\n").filter((l) =>
                l.includes(`from ${source}:`) || l.includes(`with ${source}:`)
              );
            await poll(
              () => Promise.resolve(lines().length >= total ? true : undefined),
              `the victim logs all ${total} flood connections`,
            );
            const timedOut = held.filter((c) =>
              lines().some((l) => mentions(l, c.localAddr) && /handshake timed out/.test(l))
            );
            const refused = lines().filter((l) => /Refused a connection from/.test(l));
            assert.ok(
              timedOut.length <= CONNECTIONS_PER_ADDRESS_MAX,
              `${timedOut.length} held connections from ${source} at once, limit ${CONNECTIONS_PER_ADDRESS_MAX}`,
            );
            assert.ok(
              refused.length >= held.length - CONNECTIONS_PER_ADDRESS_MAX,
              `only ${refused.length} of ${held.length} held connections refused`,
            );
            assert.ok(
              refused.every((l) => l.includes(`${CONNECTIONS_PER_ADDRESS_MAX} open from there`)),
            );
          } finally {
            await closeAll(connections);
          }
        }, { ignore: !aliases });

        const fileLimit = await openFilesLimit();
        const canFlood = aliases && fileLimit !== undefined && fileLimit >= 4 * CONNECTIONS_MAX;
        await attack(
          `a flood past the total limit of ${CONNECTIONS_MAX} connections${
            canFlood ? "" : " (SKIPPED: no second loopback address or too few file descriptors)"
          }`,
          async () => {
            const perSource = CONNECTIONS_PER_ADDRESS_MAX - 4;
            const count = CONNECTIONS_MAX + 64;
            const socketsBefore = await socketCount(victim.process.pid);
            const connections = await openMany(
              victim.port,
              count,
              (i) => `127.0.0.${10 + Math.floor(i / perSource)}`,
              128,
            );
            try {
              await poll(
                () =>
                  Promise.resolve(
                    victim.process.stderr.includes(
                        `Refused a connection: ${CONNECTIONS_MAX} connections open`,
                      )
                      ? true
                      : undefined,
                  ),
                "the victim refuses connections past its total limit",
              );
              const sockets = await socketCount(victim.process.pid);
              if (sockets !== undefined && socketsBefore !== undefined) {
                assert.ok(
                  sockets <= socketsBefore + CONNECTIONS_MAX,
                  `the victim holds ${sockets} sockets (${socketsBefore} before the flood)`,
                );
              }
              // The victim is full, yet its established links keep carrying the chat.
              await assertChatFlows(network, "while the victim is full");
            } finally {
              await closeAll(connections);
            }
            // Once the flood is gone, honest peers get in again.
            await poll(
              () => honestJoinWithin(victim.port, roomKey, 5_000).then(() => true, () => undefined),
              "an honest handshake succeeds after the flood",
            );
          },
          { ignore: !canFlood },
        );

        await attack(
          "a replayed frame closes the connection; a replayed handshake fails",
          async () => {
            const insider = await RawPeer.join(victim.port, { roomKey });
            const replay = await RawConnection.open(victim.port);
            try {
              const bytes = await insider.seal([{ type: "ping", nonce: 77 }]);
              await insider.connection.write(bytes);
              await poll(
                () =>
                  Promise.resolve(
                    insider.messages.some((m) => m.type === "pong" && m.nonce === 77)
                      ? true
                      : undefined,
                  ),
                "the victim answers the first copy",
              );
              await insider.connection.tryWrite(bytes);
              await waitForHangUp(insider.connection, "replayed frame");
              await waitForLog(
                victim,
                insider.connection.localAddr,
                /Closing connection to .*: Cannot open frame/,
              );
              // The whole initiator side of that session, replayed on a new connection.
              const [message1, message3] = insider.transcript.sent;
              await replay.writeFrame(message1!);
              const message2 = await withTimeout(replay.readFrame(), WAIT_MS, "Noise message 2");
              assert.ok(message2 !== undefined, "no Noise message 2");
              await replay.writeFrame(message3!);
              await replay.tryWrite(bytes);
              assert.equal(
                decodeRejection((await withTimeout(replay.readFrame(), WAIT_MS, "a rejection"))!),
                "wrong-secret",
              );
              await waitForHangUp(replay, "replayed handshake");
              await waitForLog(
                victim,
                replay.localAddr,
                /Handshake failed: the remote used a different room secret/,
              );
            } finally {
              await closeAll([insider, replay]);
            }
          },
        );

        await attack("a wrong room key: the initiator learns why, the victim logs it", async () => {
          const cases = [
            {
              key: { room: ROOM, psk: await deriveRoomKey(ROOM, "wrong secret") },
              failure: "wrong-secret",
              ours: "Cannot join: the remote rejected our room secret",
              theirs: /Handshake failed: the remote used a different room secret/,
            },
            {
              key: { room: "other", psk: roomKey.psk },
              failure: "different-room",
              ours:
                "Cannot join: the remote is in a different room or speaks another protocol version",
              theirs: /Handshake failed: the remote is in a different room or speaks another/,
            },
          ];
          for (const { key, failure, ours, theirs } of cases) {
            const connection = await RawConnection.open(victim.port);
            const error = await RawPeer.handshake(connection, { roomKey: key }).then(
              async (peer) => {
                await peer.close();
                return undefined;
              },
              (e: unknown) => e,
            );
            assert.ok(error instanceof HandshakeError, `expected a HandshakeError, got ${error}`);
            assert.equal(error.failure, failure);
            assert.equal(error.message, ours);
            await waitForLog(victim, connection.localAddr, theirs);
          }
          // The same, with main.ts processes as the initiators.
          const outsiders = await Promise.all([
            group.spawnMain([
              "peer",
              "--json",
              "--ephemeral",
              "--bootstrap",
              victim.addr,
              "--listen",
              "127.0.0.1:0",
              "--nick",
              "eve",
              ...roomFlags(ROOM, "wrong secret"),
            ], { name: "outsider eve (wrong secret)" }),
            group.spawnMain([
              "peer",
              "--json",
              "--ephemeral",
              "--bootstrap",
              victim.addr,
              "--listen",
              "127.0.0.1:0",
              "--nick",
              "mal",
              ...roomFlags("other"),
            ], { name: "outsider mal (other room)" }),
          ]);
          try {
            await outsiders[0]!.waitForStderr("Cannot join: the remote rejected our room secret");
            await outsiders[1]!.waitForStderr(
              "Cannot join: the remote is in a different room or speaks another protocol version",
            );
            for (const outsider of outsiders) {
              const answer = await outsider.ask({ type: "peers" }, "peers");
              assert.deepEqual(answer.peers, [], `${outsider.name} got in`);
            }
          } finally {
            await Promise.all(outsiders.map((o) => o.close()));
          }
        });

        await attack(
          "forged chat from an insider: dropped, disconnected after 3 offences",
          async () => {
            const forger = await generateIdentity();
            const insider = await RawPeer.join(victim.port, { roomKey, identity: forger });
            try {
              const bob = network.honest[1]!;
              const bobSeq = network.chatter.sent.get(bob.id)!.length + 200;
              const fields = {
                author: forger.id,
                seq: 1,
                clock: new Map([[forger.id, 1]]),
                nick: "raw",
                text: "FORGED: signed, then altered",
                ts: Date.now(),
              };
              const signature = await signChat(forger, {
                roomTag: await roomTag(roomKey),
                body: encodeChatBody(fields),
              });
              const altered = { ...fields, text: "FORGED: altered" };
              const asBob = {
                author: bob.id,
                seq: bobSeq,
                clock: new Map([[bob.id, bobSeq]]),
                nick: bob.nick,
                text: "FORGED: in bob's name",
                ts: Date.now(),
              };
              const forgeries: ChatMessage[] = [
                { ...altered, body: encodeChatBody(altered), signature },
                {
                  ...asBob,
                  signature: await signChat(forger, {
                    roomTag: await roomTag(roomKey),
                    body: encodeChatBody(asBob),
                  }),
                },
                { ...fields, text: "FORGED: unsigned", signature: new Uint8Array() },
              ];
              for (const [i, forgery] of forgeries.entries()) {
                await insider.connection.tryWrite(await insider.seal([chat(forgery)]));
                if (i < forgeries.length - 1) {
                  await waitForLog(
                    victim,
                    insider.connection.localAddr,
                    /Dropped a chat message with a bad signature/,
                  );
                }
              }
              await waitForHangUp(insider.connection, "forger");
              await waitForLog(
                victim,
                insider.connection.localAddr,
                /Closing connection to .*: Forged or altered messages: 3 failed their signature check/,
              );
              const stats = await victim.process.ask({ type: "stats" }, "stats");
              assert.ok(Number(stats.forgeries) >= 3, `stats: ${JSON.stringify(stats)}`);
            } finally {
              await insider.close();
            }
          },
        );

        // Found by this test: a client that resets before the victim accepts it made
        // `listener.accept()` throw NotConnected, and the accept loop backed off (5 ms doubling to
        // 1 s) as if out of file descriptors, so a trickle of such clients locked honest peers out.
        await attack(
          `connections reset before they are accepted do not stop the victim accepting${aliasNote}`,
          async () => {
            const stop = new AbortController();
            const stopped = new Promise<void>((resolve) =>
              stop.signal.addEventListener("abort", () => resolve())
            );
            let resets = 0;
            const storm = (async () => {
              while (!stop.signal.aborted) {
                await Promise.all(Array.from({ length: 5 }, async () => {
                  try {
                    const connection = await RawConnection.open(victim.port, {
                      from: "127.0.0.5",
                      signal: stop.signal,
                    });
                    await connection.reset();
                    resets++;
                  } catch (error) {
                    if (!stop.signal.aborted) throw error;
                  }
                }));
                await sleepUnless(100, stopped);
              }
            })();
            try {
              await poll(
                () => Promise.resolve(resets >= 50 ? true : undefined),
                "the resets are under way",
              );
              for (let i = 0; i < 3; i++) await honestJoinWithin(victim.port, roomKey);
            } finally {
              stop.abort();
              await storm;
            }
            const backoffs = victim.process.stderr.split("\n").filter((l) =>
              /Accept failed/.test(l)
            );
            assert.deepEqual(backoffs, [], "a reset connection paused the accept loop");
          },
          { ignore: !aliases },
        );
      } finally {
        await network.chatter.stop();
      }

      // Every honest message, delivered exactly once, in causal order, everywhere; nothing else.
      const sent = network.chatter.all();
      assert.ok(sent.length > 0, "the honest peers sent nothing");
      const sentSet = new Set(sent);
      assert.equal(sentSet.size, sent.length, "honest texts must be unique");
      for (const node of network.honest) {
        const log = network.logs.get(node.id)!;
        let missing: string[] = [];
        await poll(() => {
          log.update();
          missing = sent.filter((text) => !log.has(text));
          return Promise.resolve(missing.length === 0 ? true : undefined);
        }, `${node.nick} delivers all ${sent.length} honest messages`).catch((error: Error) => {
          throw new Error(`${error.message}; missing ${missing.slice(0, 20).join(", ")}…`);
        });
        const foreign = log.list.filter((m) => !sentSet.has(m.text)).map((m) => m.text);
        assert.deepEqual(foreign, [], `${node.nick} delivered messages nobody honest sent`);
        const twice = sent.filter((text) => log.count(text) !== 1);
        assert.deepEqual(twice, [], `${node.nick} delivered these more than once`);
        assertCausalOrder(node.nick, log.list);
      }
      for (const node of network.honest.slice(1)) {
        const stats = await node.process.ask({ type: "stats" }, "stats");
        assert.equal(stats.protocolErrors, 0, `${node.nick} saw protocol errors`);
      }

      // The victim is alive and still accepts peers.
      await assertAlive(victim);
      const last = await RawPeer.join(victim.port, { roomKey });
      try {
        await last.send([{ type: "ping", nonce: 99 }]);
        await poll(
          () =>
            Promise.resolve(
              last.messages.some((m) => m.type === "pong" && m.nonce === 99) ? true : undefined,
            ),
          "the victim answers a new honest connection",
        );
      } finally {
        await last.close();
      }
    });
  },
});
