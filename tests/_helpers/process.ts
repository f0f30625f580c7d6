/**
 * Test helper: `main.ts` (or another script of this repository) as a child
 * process, driven through its stdin and read through its stdout lines.
 *
 * Every stdout line goes into a queue; {@linkcode ChildProcess.waitFor}
 * takes the first queued line a predicate accepts (lines it does not accept
 * stay queued for later waits), so a test can wait for `peers` answers while
 * `message` lines keep arriving. Stderr is collected for failure messages.
 * {@linkcode ChildProcess.close} always ends the process and releases its
 * pipes, so Deno's test sanitizers pass.
 *
 * @module
 */

import { assertOutputLine } from "./json_schema.ts";

/** The repository root: children run here, so `main.ts` resolves. */
export const REPO_ROOT: string = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/** What `main.ts` needs and nothing more (no `--allow-run`). */
export const MAIN_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-ffi",
];

/** How long a test waits for something that should happen quickly. Machines are slow sometimes. */
export const WAIT_MS = 30_000;

/** How long `close()` waits for each polite step (quit, then SIGTERM) before the next. */
export const GRACE_MS = 5_000;

/** Characters of stderr kept for failure messages. */
const STDERR_CHARS_MAX = 64 * 1024;

/** Stdout lines kept for `lines` and failure messages. */
const LINES_MAX = 100_000;

/** A JSON object printed on stdout. */
export type JsonLine = Record<string, unknown>;

/** One stdout line: its text, and the object when the text is a JSON object. */
export interface OutputLine {
  /** The line without its newline. */
  readonly text: string;
  /** The parsed line when it is a JSON object, else `undefined`. */
  readonly json: JsonLine | undefined;
}

/** Options of {@linkcode ChildProcess}. */
export interface SpawnOptions {
  /** Name used in failure messages. Default: the script arguments. */
  name?: string;
  /** Extra environment variables. Default none. */
  env?: Record<string, string>;
  /** Line `close()` writes to stdin first; `null` writes none. Default `{"type":"quit"}`. */
  quitLine?: string | null;
  /** How long `close()` waits after each polite step. Default {@linkcode GRACE_MS}. */
  graceMs?: number;
  /** The program to run with the arguments. Default `Deno.execPath()`. */
  program?: string;
  /** The working directory. Default {@linkcode REPO_ROOT}. */
  cwd?: string;
  /**
   * Check every JSON object on stdout against `schema/json-lines.schema.json`
   * (commands are not checked: tests send invalid ones on purpose); violations fail the test at
   * {@linkcode withProcesses}' end (or {@linkcode runMain}'s). Default: on
   * for `main.ts … --json` started by {@linkcode spawnMain}, else off.
   */
  schema?: boolean;
}

interface Waiter {
  readonly accepts: (line: OutputLine) => boolean;
  readonly resolve: (line: OutputLine) => void;
  readonly reject: (error: Error) => void;
}

/** A running child `deno` process with piped stdio. */
export class ChildProcess {
  /** Name used in failure messages. */
  readonly name: string;
  /** The OS process id. */
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #quitLine: string | null;
  readonly #graceMs: number;
  readonly #schema: boolean;
  readonly #schemaViolations: string[] = [];
  readonly #queue: OutputLine[] = [];
  readonly #lines: OutputLine[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #stdoutDone: Promise<void>;
  readonly #stderrDone: Promise<void>;
  readonly #readers: ReadableStreamDefaultReader<string>[] = [];
  #stderr = "";
  #stdoutEnded = false;
  #stdinClosed = false;
  #exit: Deno.CommandStatus | undefined;
  #closing: Promise<Deno.CommandStatus> | undefined;

  /** Starts `deno <denoArgs>` (or `options.program`) in the repository root. */
  constructor(denoArgs: readonly string[], options: SpawnOptions = {}) {
    this.name = options.name ?? denoArgs.filter((a) => !a.startsWith("--allow-")).join(" ");
    this.#quitLine = options.quitLine === undefined ? '{"type":"quit"}' : options.quitLine;
    this.#graceMs = options.graceMs ?? GRACE_MS;
    this.#schema = options.schema ?? false;
    this.#child = new Deno.Command(options.program ?? Deno.execPath(), {
      args: [...denoArgs],
      cwd: options.cwd ?? REPO_ROOT,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    this.status = this.#child.status.then((status) => (this.#exit = status));
    this.#writer = this.#child.stdin.getWriter();
    this.#stdoutDone = this.#readLines(this.#child.stdout, (text) => this.#onLine(text)).finally(
      () => this.#onStdoutEnd(),
    );
    this.#stderrDone = this.#readLines(this.#child.stderr, (text) => {
      this.#stderr = (this.#stderr + text + "\n").slice(-STDERR_CHARS_MAX);
    });
  }

  /** Every stdout line so far, in order (consumed by `waitFor` or not). */
  get lines(): readonly OutputLine[] {
    return this.#lines;
  }

  /** Every stdout line so far that is a JSON object, in order. */
  get jsonLines(): JsonLine[] {
    return this.#lines.flatMap((line) => (line.json === undefined ? [] : [line.json]));
  }

  /** Lines that broke the JSON Schema (when checked), with why: empty when all were valid. */
  get schemaViolations(): readonly string[] {
    return this.#schemaViolations;
  }

  /** Throws when any line broke the JSON Schema (see `SpawnOptions.schema`). */
  assertSchemaValid(): void {
    if (this.#schemaViolations.length === 0) return;
    throw new Error(
      `${this.name} broke schema/json-lines.schema.json ${this.#schemaViolations.length} times:\n${
        this.#schemaViolations.slice(0, 5).join("\n")
      }`,
    );
  }

  /** Stderr so far (its last 64 KiB). */
  get stderr(): string {
    return this.#stderr;
  }

  /** The exit status once the process has exited, else `undefined`. */
  get exitStatus(): Deno.CommandStatus | undefined {
    return this.#exit;
  }

  /** Writes one line (a newline is added) to stdin. */
  async writeLine(text: string): Promise<void> {
    if (this.#stdinClosed) throw new TypeError(`Cannot write to ${this.name}: stdin is closed`);
    await this.#writer.write(new TextEncoder().encode(text + "\n"));
  }

  /** Writes a command as one JSON line to stdin. */
  async send(command: unknown): Promise<void> {
    await this.writeLine(JSON.stringify(command));
  }

  /** Sends `command` and waits for the next queued line of type `answerType`. */
  async ask(command: JsonLine, answerType: string, timeoutMs = WAIT_MS): Promise<JsonLine> {
    await this.send(command);
    return await this.waitFor(
      (line) => line.type === answerType,
      timeoutMs,
      `a ${answerType} line`,
    );
  }

  /** Closes stdin (end of input for the child). Idempotent; never throws. */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#writer.close();
    } catch {
      // The child is gone already (broken pipe); its end is closed either way.
    }
  }

  /**
   * Takes the first queued JSON line `accepts` matches, waiting up to
   * `timeoutMs` for it; throws naming the process if it does not come (use `withProcesses`
   * for the stderr tails).
   */
  async waitFor(
    accepts: (line: JsonLine) => boolean,
    timeoutMs = WAIT_MS,
    what = "a matching line",
  ): Promise<JsonLine> {
    const line = await this.waitForLine(
      (l) => l.json !== undefined && accepts(l.json),
      timeoutMs,
      what,
    );
    return line.json!;
  }

  /** Like `waitFor`, for any stdout line (JSON or not). */
  waitForLine(
    accepts: (line: OutputLine) => boolean,
    timeoutMs = WAIT_MS,
    what = "a matching line",
  ): Promise<OutputLine> {
    const index = this.#queue.findIndex(accepts);
    if (index >= 0) return Promise.resolve(this.#queue.splice(index, 1)[0]!);
    return new Promise<OutputLine>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const waiter: Waiter = {
        accepts,
        resolve: (line) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(error);
        },
      };
      if (this.#stdoutEnded) {
        this.#rejectLater(waiter, `stdout ended before ${what} arrived`);
        return;
      }
      timer = setTimeout(
        () => waiter.reject(new Error(`${what} did not arrive within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.add(waiter);
    }).catch((error: Error) => {
      // The full context comes from withProcesses(), once every child has been closed.
      throw new Error(`${this.name}: ${error.message}`);
    });
  }

  /** Waits until stderr contains `text`. */
  async waitForStderr(text: string, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#stderr.includes(text)) {
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name}: stderr did not show ${JSON.stringify(text)} within ${timeoutMs} ms`,
        );
      }
      if (this.#exit !== undefined) {
        await this.#drainOutput();
        if (this.#stderr.includes(text)) return;
        throw new Error(`${this.name}: exited before stderr showed ${JSON.stringify(text)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits up to `timeoutMs` for the process to exit by itself; throws if it does not. */
  async waitForExit(timeoutMs = WAIT_MS): Promise<Deno.CommandStatus> {
    const status = await this.#exitWithin(timeoutMs);
    if (status === undefined) {
      throw new Error(`${this.name}: did not exit within ${timeoutMs} ms`);
    }
    await this.#drainOutput();
    return status;
  }

  /**
   * Ends the process and releases everything: writes the quit line and
   * closes stdin, then SIGTERM, then SIGKILL, each after the grace period;
   * always awaits the exit status and the end of both output pipes.
   * Idempotent; never throws.
   */
  close(): Promise<Deno.CommandStatus> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Sends a signal unless the process has exited; never throws. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    if (this.#exit !== undefined) return;
    try {
      this.#child.kill(signal);
    } catch {
      // It exited in the meantime.
    }
  }

  /** A description for failure messages: exit status, stderr tail, last stdout lines. */
  context(stderrLines = 30, stdoutLines = 8): string {
    const state = this.#exit === undefined
      ? "running"
      : `exited with code ${this.#exit.code}${
        this.#exit.signal === null ? "" : ` (signal ${this.#exit.signal})`
      }`;
    const tail = (text: string, n: number) => text.trimEnd().split("\n").slice(-n).join("\n");
    const cut = (text: string) => (text.length > 240 ? `${text.slice(0, 240)}…` : text);
    const out = this.#lines.slice(-stdoutLines).map((l) => cut(l.text)).join("\n");
    return [
      `--- ${this.name} (pid ${this.pid}, ${state})`,
      `stderr (last ${stderrLines} lines):`,
      indent(tail(this.#stderr, stderrLines) || "(empty)"),
      `stdout (last ${stdoutLines} lines):`,
      indent(out || "(empty)"),
    ].join("\n");
  }

  async #close(): Promise<Deno.CommandStatus> {
    if (this.#exit === undefined && this.#quitLine !== null && !this.#stdinClosed) {
      try {
        await this.writeLine(this.#quitLine);
      } catch {
        // Exited already, or stopped reading: the signals below take over.
      }
    }
    await this.closeStdin();
    let status = await this.#exitWithin(this.#graceMs);
    if (status === undefined) {
      this.kill("SIGTERM");
      status = await this.#exitWithin(this.#graceMs);
    }
    if (status === undefined) {
      this.kill("SIGKILL");
      status = await this.status;
    }
    await this.#drainOutput();
    return status;
  }

  /** Waits for both output pipes to end; a grandchild may hold them open, so cancel after a while. */
  async #drainOutput(): Promise<void> {
    const ended = Promise.all([this.#stdoutDone, this.#stderrDone]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(resolve, 2_000, "late")));
    try {
      if ((await Promise.race([ended, late])) === "late") {
        await Promise.all(this.#readers.map((r) => r.cancel().catch(() => {})));
        await ended;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #exitWithin(ms: number): Promise<Deno.CommandStatus | undefined> {
    if (this.#exit !== undefined) return this.#exit;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((
      resolve,
    ) => (timer = setTimeout(() => resolve(undefined), ms)));
    try {
      return await Promise.race([this.status, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #readLines(stream: ReadableStream<Uint8Array>, onLine: (text: string) => void) {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    this.#readers.push(reader);
    let buffered = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          onLine(buffered.slice(0, newline).replace(/\r$/, ""));
          buffered = buffered.slice(newline + 1);
        }
      }
    } catch {
      // Cancelled by #drainOutput.
    } finally {
      if (buffered !== "") onLine(buffered);
      reader.releaseLock();
    }
  }

  #onLine(text: string): void {
    const line: OutputLine = { text, json: parseObject(text) };
    if (this.#schema && line.json !== undefined) {
      this.#checkSchema(() => assertOutputLine(line.json));
    }
    if (this.#lines.length < LINES_MAX) this.#lines.push(line);
    for (const waiter of this.#waiters) {
      if (waiter.accepts(line)) {
        waiter.resolve(line);
        return;
      }
    }
    this.#queue.push(line);
  }

  #checkSchema(check: () => void): void {
    if (this.#schemaViolations.length >= 100) return;
    try {
      check();
    } catch (error) {
      this.#schemaViolations.push((error as Error).message);
    }
  }

  #onStdoutEnd(): void {
    this.#stdoutEnded = true;
    for (const waiter of this.#waiters) this.#rejectLater(waiter, "stdout ended before it arrived");
  }

  /** Rejects once stderr has been read (briefly), so the message shows why the child ended. */
  #rejectLater(waiter: Waiter, why: string): void {
    this.#waiters.delete(waiter);
    void this.#exitWithin(2_000).then(() => waiter.reject(new Error(why)));
  }
}

/**
 * Test peers keep nothing on disk (and never touch the home directory)
 * unless a test gives them a `--data-dir`.
 */
export function withEphemeral(args: readonly string[]): readonly string[] {
  if (args[0] !== "peer" || args.includes("--data-dir") || args.includes("--ephemeral")) {
    return args;
  }
  if (args.includes("--help") || args.includes("-h")) return args;
  return [...args, "--ephemeral"];
}

/** Spawns `main.ts <args>` with {@linkcode MAIN_PERMISSIONS}. */
export function spawnMain(args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  args = withEphemeral(args);
  return new ChildProcess(["run", ...MAIN_PERMISSIONS, "main.ts", ...args], {
    name: `main.ts ${args.join(" ")}`,
    schema: args.includes("--json"),
    ...options,
  });
}

/** The result of {@linkcode runMain}. */
export interface RunResult {
  /** The exit code. */
  readonly code: number;
  /** All of stdout. */
  readonly stdout: string;
  /** All of stderr. */
  readonly stderr: string;
  /** The process, for `context()` in failure messages. */
  readonly process: ChildProcess;
}

/**
 * Runs `main.ts <args>` to completion with `input` on stdin (then end of
 * input); kills it if it has not exited within `timeoutMs`.
 */
export async function runMain(
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawnMain(args, { quitLine: null, graceMs: options.timeoutMs ?? WAIT_MS });
  try {
    if (options.input !== undefined) await child.writeLine(options.input).catch(() => {});
  } finally {
    await child.close();
  }
  const status = await child.status;
  child.assertSchemaValid();
  return {
    code: status.code,
    stdout: child.lines.map((l) => l.text + "\n").join(""),
    stderr: child.stderr,
    process: child,
  };
}

/** A set of children closed together; failures carry all their contexts. */
export class ProcessGroup {
  readonly #children: ChildProcess[] = [];

  /** Every child spawned so far. */
  get children(): readonly ChildProcess[] {
    return this.#children;
  }

  /** Spawns `main.ts <args>` into the group. */
  spawnMain(args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return this.add(spawnMain(args, options));
  }

  /** Adds a child so that it is closed with the group. */
  add(child: ChildProcess): ChildProcess {
    this.#children.push(child);
    return child;
  }

  /** Closes every child (concurrently) and waits for all of them. */
  async closeAll(): Promise<void> {
    await Promise.all(this.#children.map((c) => c.close()));
  }

  /** The contexts of every child. */
  context(): string {
    return this.#children.map((c) => c.context()).join("\n");
  }
}

/**
 * Runs `body` with a fresh {@linkcode ProcessGroup}; always closes every
 * child, and on failure rethrows with every child's stderr tail attached.
 */
export async function withProcesses(body: (group: ProcessGroup) => Promise<void>): Promise<void> {
  const group = new ProcessGroup();
  try {
    await body(group);
    // Every JSON line the children printed kept to the documented contract.
    await group.closeAll();
    for (const child of group.children) child.assertSchemaValid();
  } catch (error) {
    await group.closeAll();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n\n=== child processes ===\n${group.context()}`, { cause: error });
  } finally {
    await group.closeAll();
  }
}

/** Polls `probe` every `intervalMs` until it returns a value other than `undefined`. */
export async function poll<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = WAIT_MS, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits until a `main.ts peer --json` child lists every id in `ids` as a
 * directly connected peer (polling `{"type":"peers"}`).
 *
 * Tests wait for this before sending: until the peer has anti-entropy, a chat
 * message sent while it has no connected neighbour is never delivered
 * elsewhere (see the ignored catch-up test in tests/e2e/cli_chat_test.ts).
 */
export async function waitUntilConnected(
  peer: ChildProcess,
  ids: readonly string[],
  timeoutMs = WAIT_MS,
): Promise<void> {
  let last: unknown = undefined;
  try {
    await poll(
      async () => {
        const answer = await peer.ask({ type: "peers" }, "peers", timeoutMs);
        last = answer.peers;
        const connected = new Set(
          (answer.peers as { id: string; connected: boolean }[]).filter((p) => p.connected)
            .map((p) => p.id),
        );
        return ids.every((id) => connected.has(id)) ? true : undefined;
      },
      `${peer.name} is connected to ${ids.length} peer(s)`,
      { timeoutMs, intervalMs: 100 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last peers answer ${JSON.stringify(last)}`);
  }
}

/** Whether a process with this pid exists and is not a zombie: /proc on Linux, else `kill -0`. */
export async function processAlive(pid: number): Promise<boolean> {
  let procfs = true;
  try {
    await Deno.stat("/proc/self/stat");
  } catch {
    procfs = false;
  }
  if (procfs) {
    try {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      // The field after "(command)" is the state; Z (zombie) and X (dead) count as gone.
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      return state !== "Z" && state !== "X";
    } catch {
      return false;
    }
  }
  const { code } = await new Deno.Command("kill", {
    args: ["-0", String(pid)],
    stdout: "null",
    stderr: "null",
  }).output();
  return code === 0;
}

/** The pids of every descendant of `pid` (children, their children, …) running now. */
export async function descendants(pid: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
        // "pid (comm) state ppid …": comm may hold spaces and parentheses.
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        parentOf.set(Number(entry.name), ppid);
      } catch {
        // Exited while we looked.
      }
    }
  } catch {
    // No /proc (macOS): ask ps.
    const { stdout } = await new Deno.Command("ps", { args: ["-A", "-o", "pid=", "-o", "ppid="] })
      .output();
    for (const line of new TextDecoder().decode(stdout).trim().split("\n")) {
      const [p, pp] = line.trim().split(/\s+/).map(Number);
      if (p !== undefined && pp !== undefined) parentOf.set(p, pp);
    }
  }
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

function parseObject(text: string): JsonLine | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as JsonLine
      : undefined;
  } catch {
    return undefined;
  }
}

function indent(text: string): string {
  return text.split("\n").map((line) => `  ${line}`).join("\n");
}

/** A node started with `--json`: its process, and its id and address from its `ready` line. */
export interface ReadyNode {
  /** The running process. */
  readonly process: ChildProcess;
  /** Its peer id. */
  readonly id: string;
  /** The address it listens on. */
  readonly addr: string;
}

/**
 * Starts `main.ts <args> --json --listen 127.0.0.1:0 <extra>` in `group` and
 * waits for its `ready` line.
 */
export async function startReady(
  group: ProcessGroup,
  args: readonly string[],
  name: string,
  extra: readonly string[] = [],
): Promise<ReadyNode> {
  const process = group.spawnMain([...args, "--json", "--listen", "127.0.0.1:0", ...extra], {
    name,
  });
  const line = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  return { process, id: String(line.id), addr: String(line.addr) };
}

/** The port of a `host:port` address. */
export function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(":") + 1));
}
