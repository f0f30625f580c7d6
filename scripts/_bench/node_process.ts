/**
 * One p2pchat node (`main.ts peer|bootstrap --json`) as a child process of
 * the cluster benchmark: stdin takes commands, stdout is scanned line by
 * line — `message` lines on a fast path that neither decodes nor parses them
 * (see `message_line.ts`), every other line as JSON.
 *
 * @module
 */

import { LineScanner } from "./line_scanner.ts";
import {
  type Delivery,
  isMessageLine,
  parseMessageLineJson,
  scanMessageLine,
} from "./message_line.ts";
import type { JsonObject } from "./median_of_runs.ts";

/** The shared clock of every process on the host, in ms. */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Options of {@linkcode NodeProcess.spawn}. */
export interface NodeProcessOptions {
  /** Name in progress and error messages. */
  name: string;
  /** Arguments of `deno` (`run`, permissions, `main.ts`, role, flags). */
  args: readonly string[];
  /** Working directory. */
  cwd: string;
  /** Called for each benchmark delivery on stdout. Default: ignore. */
  onDelivery?: (delivery: Delivery) => void;
  /** Called after each stdout chunk has been scanned. Default: ignore. */
  onChunk?: () => void;
  /**
   * Called with each stdout line that is not JSON (what `--v8-flags=--trace-gc`
   * prints) and when the harness read it (ms, shared clock). Default: ignore.
   */
  onOtherLine?: (line: string, atMs: number) => void;
}

/** What `ready` announced. */
export interface NodeReady {
  /** The node's id. */
  readonly id: string;
  /** Its listening address. */
  readonly addr: string;
  /** The URL of its web page (token included), when it runs with `--web`. */
  readonly web?: string;
  /** When the harness read the line (ms, shared clock). */
  readonly atMs: number;
}

/** Counters of what the harness read from one node. */
export interface ScanCounters {
  /** Stdout lines. */
  lines: number;
  /** Stdout bytes. */
  bytes: number;
  /** `message` lines that needed `JSON.parse` (expected 0). */
  slowPathLines: number;
}

const STDERR_TAIL_CHARS = 8 * 1024;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Every node process not yet reaped, for the exit and signal handlers. */
const LIVE = new Set<NodeProcess>();

/** A running node; see the module documentation. */
export class NodeProcess {
  /** Name in messages. */
  readonly name: string;
  /** OS process id. */
  readonly pid: number;
  /** When it was spawned (ms, shared clock). */
  readonly spawnedAtMs: number;
  /** Resolves when it has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Resolves with its `ready` line; rejects if it exits first. */
  readonly ready: Promise<NodeReady>;
  /** What the harness read. */
  readonly counters: ScanCounters = { lines: 0, bytes: 0, slowPathLines: 0 };
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #onDelivery: (delivery: Delivery) => void;
  readonly #onChunk: () => void;
  readonly #onOtherLine: ((line: string, atMs: number) => void) | undefined;
  readonly #answers: { resolve: (line: JsonObject) => void; reject: (error: Error) => void }[] = [];
  #resolveReady!: (ready: NodeReady) => void;
  #stderrTail = "";
  #writeError: unknown;
  #stdinClosed = false;
  #exited = false;

  private constructor(options: NodeProcessOptions) {
    this.name = options.name;
    this.#onDelivery = options.onDelivery ?? (() => {});
    this.#onChunk = options.onChunk ?? (() => {});
    this.#onOtherLine = options.onOtherLine;
    this.spawnedAtMs = wallNowMs();
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [...options.args],
      cwd: options.cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    LIVE.add(this);
    this.#writer = this.#child.stdin.getWriter();
    const stdoutDone = this.#readStdout();
    const stderrDone = this.#readStderr();
    const child = this.#child;
    const name = options.name;
    this.status = (async () => {
      const status = await child.status;
      await Promise.allSettled([stdoutDone, stderrDone]);
      this.#exited = true;
      LIVE.delete(this);
      const gone = new Error(`${name} exited with code ${status.code}: ${this.stderrTail()}`);
      for (const answer of this.#answers.splice(0)) answer.reject(gone);
      return status;
    })();
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise<NodeReady>((resolve, reject) => {
      this.#resolveReady = resolve;
      rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.status.then((status) =>
      rejectReady(
        new Error(
          `${this.name} exited with code ${status.code} before it was ready: ${this.stderrTail()}`,
        ),
      )
    );
  }

  /** Starts a node. */
  static spawn(options: NodeProcessOptions): NodeProcess {
    return new NodeProcess(options);
  }

  /** Whether it has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** The end of what it wrote on stderr. */
  stderrTail(): string {
    return this.#stderrTail.trim();
  }

  /** Queues bytes for its stdin; resolves when the pipe has taken them. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#writeError !== undefined) throw this.#writeError;
    try {
      await this.#writer.write(bytes);
    } catch (error) {
      this.#writeError ??= error;
      throw new Error(`Cannot write to ${this.name}: ${(error as Error).message}`);
    }
  }

  /** Queues bytes for its stdin without waiting; a failure surfaces at the next `write`. */
  post(bytes: Uint8Array): void {
    if (this.#writeError !== undefined) return;
    this.#writer.write(bytes).catch((error) => (this.#writeError ??= error));
  }

  /**
   * Sends a command that is answered with one line (`peers`, `stats`,
   * `clock`) and resolves with the answer — or with the `error` line the
   * node printed instead.
   */
  request(type: "peers" | "stats" | "clock"): Promise<JsonObject> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} has exited`));
    const answer = new Promise<JsonObject>((resolve, reject) => {
      this.#answers.push({ resolve, reject });
    });
    this.post(ENCODER.encode(`{"type":"${type}"}\n`));
    return answer;
  }

  /**
   * Ends it: `quit` and end of input, then SIGTERM, then SIGKILL, waiting
   * `graceMs` between steps. Resolves once it has exited.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#exited) return;
    try {
      if (this.#writeError === undefined && !this.#stdinClosed) {
        await withTimeout(this.write(ENCODER.encode('{"type":"quit"}\n')), graceMs);
      }
    } catch {
      // Gone already, or not reading: the signals below settle it.
    }
    await this.#closeStdin();
    if (await exitsWithin(this.status, graceMs)) return;
    this.kill("SIGTERM");
    if (await exitsWithin(this.status, graceMs)) return;
    this.kill("SIGKILL");
    await this.status;
  }

  /** Sends a signal, ignoring a process that is already gone. */
  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Already exited.
    }
  }

  async #closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await withTimeout(this.#writer.close(), 1_000);
    } catch {
      // Broken pipe: it is exiting anyway.
    }
  }

  async #readStdout(): Promise<void> {
    const scanner = new LineScanner();
    const onLine = (line: Uint8Array) => this.#onLine(line);
    try {
      for await (const chunk of this.#child.stdout) {
        this.counters.bytes += chunk.length;
        scanner.push(chunk, onLine);
        this.#onChunk();
      }
      scanner.finish(onLine);
    } catch (error) {
      this.#stderrTail += `\n[harness] stdout: ${(error as Error).message}`;
    }
  }

  #onLine(line: Uint8Array): void {
    this.counters.lines++;
    if (isMessageLine(line)) {
      let delivery = scanMessageLine(line);
      if (delivery === undefined) {
        this.counters.slowPathLines++;
        delivery = parseMessageLineJson(DECODER.decode(line));
      }
      if (delivery !== undefined) this.#onDelivery(delivery);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(DECODER.decode(line));
    } catch {
      this.#onOtherLine?.(DECODER.decode(line), wallNowMs());
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    const object = value as JsonObject;
    switch (object.type) {
      case "ready":
        this.#resolveReady({
          id: String(object.id),
          addr: String(object.addr),
          ...(typeof object.web === "string" ? { web: object.web } : {}),
          atMs: wallNowMs(),
        });
        break;
      case "peers":
      case "stats":
      case "clock":
      case "error":
        this.#answers.shift()?.resolve(object);
        break;
    }
  }

  async #readStderr(): Promise<void> {
    try {
      for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
      }
    } catch {
      // The process is gone.
    }
  }
}

/** Stops every node still running (exit paths, signals). */
export async function stopAllNodes(graceMs = 2_000): Promise<void> {
  await Promise.allSettled([...LIVE].map((node) => node.stop(graceMs)));
}

/** Kills every node still running at once, without waiting. */
export function killAllNodes(): void {
  for (const node of LIVE) node.kill("SIGKILL");
}

async function exitsWithin(status: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([status.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
