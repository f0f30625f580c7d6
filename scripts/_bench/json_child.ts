/**
 * A `main.ts` child process driven through its JSON lines: commands on
 * stdin, one object per stdout line, stderr kept (its tail) for failure
 * messages. The measurement scripts (`measure_network.ts`,
 * `measure_crash_restart.ts`) spawn their nodes with it.
 *
 * @module
 */

/** One JSON line, as read or written. */
export type JsonLine = Record<string, unknown>;

/** Options of {@linkcode JsonChild}. */
export interface JsonChildOptions {
  /** Working directory. */
  readonly cwd: string;
  /** How long `next()` waits by default, in ms. Default 60 000. */
  readonly timeoutMs?: number;
}

/** Every child not yet reaped, for the cleanup paths (signals, failures). */
export const LIVE_CHILDREN = new Set<JsonChild>();

const STDERR_TAIL_CHARS = 8_000;
const ENCODER = new TextEncoder();

/** The host's shared clock (the one `at` in message lines uses), in ms. */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A `deno` child with JSON lines on stdin and stdout. */
export class JsonChild {
  /** Name in error messages. */
  readonly name: string;
  /** When it was spawned (shared clock). */
  readonly spawnedAtMs = wallNowMs();
  /** Resolves when it has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Every `message` line, in order. */
  readonly messages: JsonLine[] = [];
  /** Called for every `message` line, with the time it was read (shared clock). */
  onMessage: (line: JsonLine, atMs: number) => void = () => {};
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #done: Promise<void>;
  readonly #timeoutMs: number;
  /** Waiters in the order they came; a line goes to the first that accepts it. */
  readonly #waiters = new Set<
    { accepts: (l: JsonLine) => boolean; resolve: (l: JsonLine) => void }
  >();
  #stderr = "";
  #exited = false;

  /** Spawns `deno` with `args` (`run`, permissions, `main.ts`, role, flags). */
  constructor(name: string, args: readonly string[], options: JsonChildOptions) {
    this.name = name;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [...args],
      cwd: options.cwd,
      env: { NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    LIVE_CHILDREN.add(this);
    this.status = this.#child.status.then((status) => {
      this.#exited = true;
      LIVE_CHILDREN.delete(this);
      return status;
    });
    this.#writer = this.#child.stdin.getWriter();
    this.#done = Promise.all([
      readLines(this.#child.stdout, (text) => this.#onLine(text)),
      readLines(this.#child.stderr, (text) => {
        this.#stderr = (this.#stderr + text + "\n").slice(-STDERR_TAIL_CHARS);
      }),
    ]).then(() => {});
  }

  /** Stderr so far (its tail), for failure messages. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Its OS process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Writes one command line. */
  async send(command: JsonLine): Promise<void> {
    await this.#writer.write(ENCODER.encode(JSON.stringify(command) + "\n"));
  }

  /**
   * The next line of type `accepts`, or that `accepts` matches; lines nobody
   * waits for are dropped (`message` lines are kept in `messages`).
   */
  next(
    accepts: string | ((line: JsonLine) => boolean),
    timeoutMs = this.#timeoutMs,
  ): Promise<JsonLine> {
    const what = typeof accepts === "string" ? `${accepts} line` : "matching line";
    const test = typeof accepts === "string" ? (l: JsonLine) => l.type === accepts : accepts;
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new Promise<JsonLine>((resolve, reject) => {
      const waiter = {
        accepts: test,
        resolve: (line: JsonLine) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(line);
        },
      };
      this.#waiters.add(waiter);
      timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.#stderr}`));
      }, timeoutMs);
    });
  }

  /** Sends `command` and waits for the line of type `answer`. */
  async ask(command: JsonLine, answer: string): Promise<JsonLine> {
    const line = this.next(answer);
    await this.send(command);
    return await line;
  }

  /** A crash: SIGKILL, then reap it. */
  async kill(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    await this.status;
    await this.#done;
  }

  /** Asks it to quit, then escalates to SIGTERM and SIGKILL; always reaps it. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        await this.send({ type: "quit" });
        await this.#writer.close();
      } catch {
        // Gone already.
      }
    }
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      if (await this.#exitedWithin(3_000)) break;
      try {
        this.#child.kill(signal);
      } catch {
        // Exited in the meantime.
      }
    }
    await this.status;
    await this.#done;
  }

  async #exitedWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
    try {
      return await Promise.race([this.status.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #onLine(text: string): void {
    const at = wallNowMs();
    let line: JsonLine;
    try {
      const value = JSON.parse(text);
      if (typeof value !== "object" || value === null) return;
      line = value as JsonLine;
    } catch {
      return;
    }
    if (line.type === "message") {
      this.messages.push(line);
      this.onMessage(line, at);
    }
    for (const waiter of this.#waiters) {
      if (waiter.accepts(line)) {
        waiter.resolve(line);
        break;
      }
    }
  }
}

/** Calls `onLine` with each line of `stream` until it ends or fails. */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (text: string) => void,
): Promise<void> {
  let buffered = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    }
  } catch {
    // The child went away.
  }
  if (buffered !== "") onLine(buffered);
}
