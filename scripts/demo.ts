/**
 * `deno task demo`: a small chat network on loopback to try p2pchat in one
 * command. It starts a bootstrap and three bot peers as child processes of
 * `main.ts` in `--json` mode, then runs you as one more peer in this
 * terminal. The bots talk: ada asks a question now and then, bob answers it
 * once he has delivered it (so the answer always shows after its question:
 * causal order at work), and cy answers whatever you end with '?'.
 *
 * `/quit`, Ctrl-C, end of input, SIGINT or SIGTERM stop everything: every
 * child is stopped (politely, then by force) and awaited before the demo exits.
 *
 * Permissions: `--allow-run` (children), `--allow-read` (`Deno.execPath()`),
 * `--allow-env` (`$USER`). The children get what `deno task peer` gets
 * (its permissions and V8 flags).
 *
 * @module
 */

import { MAIN_PERMISSIONS } from "./main_permissions.ts";
import { NODE_V8_FLAGS } from "./node_v8_flags.ts";

/** Where `main.ts` lives; children run there so its `deno.json` applies. */
const REPO_ROOT = new URL("../", import.meta.url);
const MAIN_TS = new URL("main.ts", REPO_ROOT).href;

/** How long a child gets for each polite step (quit, then SIGTERM) before the next. */
const STOP_GRACE_MS = 3_000;
/** How long to wait for a child's `ready` line. */
const READY_TIMEOUT_MS = 30_000;
/** How long the bots wait to see each other before they start anyway. */
const MEET_TIMEOUT_MS = 10_000;
/** Pause before ada's first question, and between questions (plus up to the jitter). */
const FIRST_QUESTION_MS = 1_000;
const QUESTION_INTERVAL_MS = 9_000;
const QUESTION_JITTER_MS = 4_000;
/** How long bob or cy "types" before answering. */
const ANSWER_DELAY_MS = [300, 900] as const;
/** Characters of a question quoted in its answer. */
const QUOTE_CHARS_MAX = 32;
/** Stderr characters kept per child, shown if it fails. */
const STDERR_TAIL_CHARS_MAX = 4_000;

const BOTS = { asker: "ada", answerer: "bob", helper: "cy" } as const;

/** ada's questions with bob's answers. */
const QUIZ: readonly (readonly [string, string])[] = [
  ["Why did the vector clock go to therapy?", "Too many unresolved dependencies."],
  ["What is a peer's favourite dance?", "The gossip shuffle."],
  [
    "How many bootstraps does it take to change a light bulb?",
    "None: the bulb finds us by gossip.",
  ],
  ["Tea or coffee?", "Coffee. Causally, it comes before everything else."],
  ["Which came first, the chicken or the egg?", "Check their clocks: they are concurrent."],
  ["Do you want to hear a UDP joke?", "I'd tell you, but you might not get it."],
  ["Pineapple on pizza?", "Only if it is delivered after the cheese."],
  ["What do you call a message that arrives too early?", "Held back, until its causes show up."],
  ["Is anybody out there?", "At least two of us, according to my peer list."],
  ["Why don't peers ever get lonely?", "They keep pinging each other."],
  [
    "What's the best thing about exactly-once delivery?",
    "What's the best thing about exactly-once delivery?",
  ],
  ["Favourite number?", "Seven, the most causally consistent of numbers."],
];

/** cy's answers to your questions. */
const REPLIES: readonly string[] = [
  "Good question! My vector clock says: yes.",
  "Ask me again after anti-entropy has run.",
  "42. It is always 42.",
  "The bootstrap knows, but it only ever tells two peers.",
  "I delivered your question, so this answer comes after it everywhere. Magic? No: causality.",
  "Hmm, my hold-back queue is thinking about it… probably.",
  "Absolutely not. Well, maybe.",
  "That's between you and your peers.",
];

/** One JSON line from a child's stdout. */
type Line = Record<string, unknown>;

/** A `main.ts --json` child: lines in, commands out, stopped politely then by force. */
class JsonChild {
  readonly name: string;
  readonly pid: number;
  readonly status: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #readers: Promise<void>[];
  readonly #cancels: (() => Promise<void>)[] = [];
  #stderr = "";
  #exited = false;
  #stopping: Promise<void> | undefined;

  constructor(name: string, args: readonly string[], onLine: (line: Line) => void) {
    this.name = name;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", `--v8-flags=${NODE_V8_FLAGS}`, ...MAIN_PERMISSIONS, MAIN_TS, ...args],
      cwd: REPO_ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.pid = this.#child.pid;
    this.status = this.#child.status.finally(() => (this.#exited = true));
    this.#writer = this.#child.stdin.getWriter();
    this.#readers = [
      this.#read(this.#child.stdout, (text) => {
        try {
          const value: unknown = JSON.parse(text);
          if (typeof value === "object" && value !== null) onLine(value as Line);
        } catch {
          // Not a JSON line: nothing for the bots in it.
        }
      }),
      this.#read(this.#child.stderr, (text) => {
        this.#stderr = (this.#stderr + text + "\n").slice(-STDERR_TAIL_CHARS_MAX);
      }),
    ];
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** The end of its stderr, for error messages. */
  get stderrTail(): string {
    return this.#stderr.trimEnd();
  }

  /** Sends one command; ignored once the child is gone. */
  async send(command: Line): Promise<void> {
    if (this.#exited || this.#stopping !== undefined) return;
    try {
      await this.#writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
    } catch {
      // It exited meanwhile; stop() reports nothing for it.
    }
  }

  /** Quit, then SIGTERM, then SIGKILL; resolves when it has exited and its pipes are closed. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (!this.#exited) {
        try {
          await this.#writer.write(new TextEncoder().encode('{"type":"quit"}\n'));
        } catch {
          // Gone already.
        }
      }
      try {
        await this.#writer.close();
      } catch {
        // Gone already.
      }
      for (const signal of ["SIGTERM", "SIGKILL"] as const) {
        if (await exitsWithin(this.status, STOP_GRACE_MS)) break;
        try {
          this.#child.kill(signal);
        } catch {
          // It exited in the meantime.
        }
      }
      await this.status;
      // Pipes end with the process; cancel them if something else holds them open.
      if (!(await exitsWithin(Promise.all(this.#readers), 1_000))) {
        await Promise.all(this.#cancels.map((cancel) => cancel()));
        await Promise.all(this.#readers);
      }
    })();
    return this.#stopping;
  }

  async #read(stream: ReadableStream<Uint8Array>, onLine: (text: string) => void): Promise<void> {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    this.#cancels.push(() => reader.cancel().catch(() => {}));
    let buffered = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          onLine(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
        }
      }
    } catch {
      // Cancelled.
    }
  }
}

/** What `promise` resolves to, or `undefined` if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((
    resolve,
  ) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `promise` settles within `ms`. */
async function exitsWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return (await within(promise.then(() => true, () => true), ms)) === true;
}

/** A `main.ts` child with its `ready` line and a way to wait for the lines it prints. */
interface Node {
  readonly child: JsonChild;
  readonly id: string;
  readonly addr: string;
  /** Resolves with the next line `accepts` matches. */
  next(accepts: (line: Line) => boolean): Promise<Line>;
}

/** Starts a `main.ts --json` child and waits for its `ready` line. */
async function startNode(
  name: string,
  args: readonly string[],
  onLine: (node: Node, line: Line) => void,
  children: JsonChild[],
): Promise<Node> {
  const waiters = new Set<{ accepts: (l: Line) => boolean; resolve: (l: Line) => void }>();
  // Set once ready; lines before that (only `ready` itself) are not the bots' business.
  const started: { node?: Node } = {};
  const child = new JsonChild(name, args, (line) => {
    for (const waiter of waiters) {
      if (waiter.accepts(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
        return;
      }
    }
    if (started.node !== undefined) onLine(started.node, line);
  });
  children.push(child);
  const next = (accepts: (line: Line) => boolean) =>
    new Promise<Line>((resolve) => waiters.add({ accepts, resolve }));
  const ready = await within(
    Promise.race([next((l) => l.type === "ready"), child.status.then(() => undefined)]),
    READY_TIMEOUT_MS,
  );
  if (ready === undefined) {
    throw new Error(`${name} did not start${child.stderrTail ? `:\n${child.stderrTail}` : ""}`);
  }
  started.node = { child, id: String(ready.id), addr: String(ready.addr), next };
  return started.node;
}

/** The ids `node` (a peer) is directly connected to; empty if it does not answer within 1 s. */
async function connectedIds(node: Node): Promise<Set<string>> {
  const answer = node.next((l) => l.type === "peers");
  await node.child.send({ type: "peers" });
  const peers = ((await within(answer, 1_000))?.peers ?? []) as {
    id: string;
    connected: boolean;
  }[];
  return new Set(peers.filter((p) => p.connected).map((p) => p.id));
}

/** Stops a `setTimeout` chain and every pending timer of the demo at once. */
class Timers {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;

  after(ms: number, action: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      if (!this.#stopped) action();
    }, ms);
    this.#pending.add(timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}

function between([low, high]: readonly [number, number]): number {
  return low + Math.floor(Math.random() * (high - low));
}

function quote(text: string): string {
  const cut = text.length > QUOTE_CHARS_MAX ? `${text.slice(0, QUOTE_CHARS_MAX - 1)}…` : text;
  return `“${cut}”`;
}

function userNick(): string {
  let user: string | undefined;
  try {
    user = Deno.env.get("USER");
  } catch {
    user = undefined;
  }
  const valid = user !== undefined && /^[\p{L}\p{N}_.-]{1,32}$/u.test(user) &&
    new TextEncoder().encode(user).length <= 32 &&
    !(Object.values(BOTS) as string[]).includes(user);
  return valid ? user! : "you";
}

function say(text: string): void {
  // The demo's own voice: stderr, so stdout stays the chat.
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

/** Runs the demo; resolves with the exit code. */
async function main(): Promise<number> {
  const children: JsonChild[] = [];
  const timers = new Timers();
  let user: Deno.ChildProcess | undefined;
  let userExited = false;
  let stopping: Promise<void> | undefined;

  const stopAll = () => {
    stopping ??= (async () => {
      timers.stop();
      const stopUser = async () => {
        if (user === undefined || userExited) return;
        for (const signal of ["SIGTERM", "SIGKILL"] as const) {
          try {
            user.kill(signal);
          } catch {
            // Exited meanwhile.
          }
          if (await exitsWithin(user.status, STOP_GRACE_MS)) break;
        }
        await user.status;
        // A peer killed while its terminal UI was up leaves the terminal raw: undo that.
        if (Deno.stdin.isTerminal()) {
          try {
            Deno.stdin.setRaw(false);
          } catch {
            // Not ours to fix after all.
          }
        }
      };
      await Promise.all([stopUser(), ...children.map((c) => c.stop())]);
    })();
    return stopping;
  };

  let signalled: string | undefined;
  const onSignal = (signal: Deno.Signal) => () => {
    signalled ??= signal;
    void stopAll();
  };
  const listeners: [Deno.Signal, () => void][] = [];
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const listener = onSignal(signal);
    try {
      Deno.addSignalListener(signal, listener);
      listeners.push([signal, listener]);
    } catch {
      // Not on this platform (Windows has only SIGINT and SIGBREAK).
    }
  }

  try {
    const bootstrap = await startNode(
      "bootstrap",
      ["bootstrap", "--json", "--listen", "127.0.0.1:0"],
      () => {},
      children,
    );
    const peerArgs = (nick: string) => [
      "peer",
      "--json",
      "--bootstrap",
      bootstrap.addr,
      "--listen",
      "127.0.0.1:0",
      "--nick",
      nick,
      // A demo keeps nothing: its bots are new each time, so old history would only confuse them.
      "--ephemeral",
    ];
    const botIds = new Set<string>();
    const asked = new Map<string, string>(QUIZ.map(([q, a]) => [q, a]));
    let repliesGiven = 0;

    // bob answers ada's questions once he has delivered them.
    const answerer = (node: Node, line: Line) => {
      if (line.type !== "message" || line.author === node.id) return;
      const text = String(line.text);
      const answer = asked.get(text);
      if (answer === undefined || !botIds.has(String(line.author))) return;
      timers.after(between(ANSWER_DELAY_MS), () => {
        void node.child.send({ type: "send", text: `${quote(text)} ${answer}` });
      });
    };
    // cy answers anyone who is not a bot and ends a line with '?'.
    const helper = (node: Node, line: Line) => {
      if (line.type !== "message" || botIds.has(String(line.author))) return;
      const text = String(line.text).trim();
      if (!text.endsWith("?")) return;
      const reply = REPLIES[repliesGiven++ % REPLIES.length]!;
      const to = String(line.nick);
      timers.after(between(ANSWER_DELAY_MS), () => {
        void node.child.send({ type: "send", text: `@${to} ${quote(text)} ${reply}` });
      });
    };
    const [ada, bob, cy] = await Promise.all([
      startNode(BOTS.asker, peerArgs(BOTS.asker), () => {}, children),
      startNode(BOTS.answerer, peerArgs(BOTS.answerer), answerer, children),
      startNode(BOTS.helper, peerArgs(BOTS.helper), helper, children),
    ]);
    for (const bot of [ada, bob, cy]) botIds.add(bot.id);
    if (stopping !== undefined) return await finish();
    for (const child of children) {
      void child.status.then((status) => {
        if (stopping !== undefined) return;
        const tail = child.stderrTail === "" ? "" : `:\n${child.stderrTail}`;
        say(`p2pchat demo: ${child.name} exited unexpectedly (code ${status.code})${tail}`);
      });
    }

    // Wait (a little) until ada is connected to bob and cy: a message sent by a peer
    // without neighbours is not delivered elsewhere (there is no anti-entropy yet).
    const deadline = Date.now() + MEET_TIMEOUT_MS;
    while (Date.now() < deadline && stopping === undefined) {
      const linked = await connectedIds(ada);
      if (linked.has(bob.id) && linked.has(cy.id)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (stopping !== undefined) return await finish();

    let round = Math.floor(Math.random() * QUIZ.length);
    const ask = () => {
      const [question] = QUIZ[round++ % QUIZ.length]!;
      void ada.child.send({ type: "send", text: question });
      timers.after(QUESTION_INTERVAL_MS + between([0, QUESTION_JITTER_MS]), ask);
    };
    timers.after(FIRST_QUESTION_MS, ask);

    const nick = userNick();
    const interactive = Deno.stdin.isTerminal();
    say(
      [
        `p2pchat demo: a bootstrap (${bootstrap.addr}) and three bots are chatting on loopback.`,
        `  ${BOTS.asker} asks a question now and then; ${BOTS.answerer} answers only once he has delivered it,`,
        `  so every answer shows after its question (causal order). End a line with '?' and ${BOTS.helper} answers you.`,
        interactive
          ? `  Your nick: ${nick}. /peers, /clock, /help; /quit or Ctrl-C stops everything.`
          : `  Your nick: ${nick}. Stdin is not a terminal: each input line is sent; end of input stops everything.`,
        `  Others can join with:  deno task peer --bootstrap ${bootstrap.addr} --nick NAME`,
      ].join("\n"),
    );
    user = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--v8-flags=${NODE_V8_FLAGS}`,
        ...MAIN_PERMISSIONS,
        MAIN_TS,
        ...peerArgs(nick).filter((a) => a !== "--json"),
      ],
      cwd: REPO_ROOT,
      // Without a terminal, input goes through us so that it waits until the
      // user's peer has a neighbour (a line sent before that would be lost).
      stdin: interactive ? "inherit" : "piped",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    if (!interactive) {
      const input = user.stdin;
      void (async () => {
        const deadline = Date.now() + MEET_TIMEOUT_MS;
        while (Date.now() < deadline && stopping === undefined) {
          const linked = await Promise.all([ada, bob, cy].map(connectedIds));
          if (linked.some((ids) => [...ids].some((id) => !botIds.has(id)))) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // Closes the peer's stdin at our end of input: that quits it, and so the demo.
        await Deno.stdin.readable.pipeTo(input).catch(() => {});
      })();
    }
    const status = await user.status;
    userExited = true;
    // Stopped by a signal, the user's peer may have been killed: that is still a clean stop.
    return await finish(signalled === undefined ? status.code : 0);
  } catch (error) {
    // Stopped during start-up: children exiting then is expected, not an error.
    if (stopping !== undefined) return await finish();
    say(`p2pchat demo: ${error instanceof Error ? error.message : String(error)}`);
    await finish();
    return 1;
  }

  async function finish(code = 0): Promise<number> {
    await stopAll();
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    if (signalled !== undefined) say(`p2pchat demo: stopped (${signalled}).`);
    else say("p2pchat demo: everything stopped. Bye!");
    return code;
  }
}

if (import.meta.main) {
  Deno.exit(await main());
}
