/**
 * Command-line parsing: turns argv into a checked command, or a
 * {@linkcode UsageError} whose message is one line for the user.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseAddress } from "../wire/address.ts";
import { parseListenAddress } from "../runtime/listen.ts";
import { DEFAULT_WIRE_LIMITS } from "../wire/wire_limits.ts";
import { quoteForError } from "../wire/protocol_error.ts";

/** Where a peer looks for a bootstrap when none is named. */
export const DEFAULT_BOOTSTRAP = "127.0.0.1:7411";

/** Bad command-line use; `main.ts` prints the message and exits with code 2. */
export class UsageError extends Error {
  /** Always `"UsageError"`. */
  override name = "UsageError";
}

/** Options every role shares. */
export interface CommonCommand {
  /** `host:port` to listen on. */
  readonly listen: string;
  /** `host:port` to advertise, if not the listen address. */
  readonly advertise: string | undefined;
  /** JSON lines on stdin/stdout instead of the terminal UI. */
  readonly json: boolean;
  /** Log verbosity on stderr. */
  readonly logLevel: "warn" | "info" | "debug";
}

/** `peer`: join or start a chat network. */
export interface PeerCommand extends CommonCommand {
  readonly command: "peer";
  /** Bootstraps named with `--bootstrap`; empty means "try the default, else become it". */
  readonly bootstraps: readonly string[];
  /** Peers to join through (`--join`). */
  readonly joins: readonly string[];
  /** Where identity, history and address book live; `undefined` with `--ephemeral`. */
  readonly dataDir: string | undefined;
  /** Display name. */
  readonly nick: string;
  /** Most open peer connections. */
  readonly connectionsMax: number;
  /** Peer-list pull interval. */
  readonly gossipIntervalMs: number;
  /** Silence after which a neighbour is presumed failed. */
  readonly heartbeatTimeoutMs: number;
}

/** `bootstrap`: run a registry. */
export interface BootstrapCommand extends CommonCommand {
  readonly command: "bootstrap";
  /** Peers per answer. */
  readonly sample: number;
}

/** `help` or `version`. */
export interface InfoCommand {
  readonly command: "help" | "version";
  /** For help: the topic. */
  readonly topic: "main" | "peer" | "bootstrap";
}

/** Any parsed command line. */
export type Command = PeerCommand | BootstrapCommand | InfoCommand;

/** Help texts; kept next to the parser so they cannot drift from it. */
export const HELP = {
  main: `p2pchat — decentralized peer-to-peer chat with causal ordering

Usage:
  main.ts peer [options]        join a chat network (or start one)
  main.ts bootstrap [options]   run a bootstrap registry
  main.ts help [peer|bootstrap] show help
  main.ts --version             print the version

Run 'main.ts peer --help' or 'main.ts bootstrap --help' for their options.`,
  peer: `Usage: main.ts peer [options]

Join a chat network. Without --bootstrap, the peer tries ${DEFAULT_BOOTSTRAP}; if
nothing answers there, it becomes the bootstrap of a new network itself and
prints the command others run to join.

Options:
  --bootstrap HOST:PORT     bootstrap to register with (repeatable)
  --join HOST:PORT          also join through this peer (repeatable); works while bootstraps are down
  --data-dir DIR            identity, history and address book (default ~/.p2pchat/NICK)
  --ephemeral               keep nothing on disk: a new identity and an empty history each run
  --listen HOST:PORT        address to listen on (default 127.0.0.1:0, a free port)
  --advertise HOST:PORT     address others should dial, if not the listen address
  --nick NAME               display name, 1-${DEFAULT_WIRE_LIMITS.nickBytesMax} bytes (default: $USER, else "anon")
  --json                    JSON lines on stdin/stdout (see README) instead of the terminal UI
  --max-connections N       most open peer connections; it dials up to two thirds of them (default 12)
  --gossip-interval MS      pause between peer-list pulls (default 500)
  --heartbeat-timeout MS    silence after which a neighbour is checked (default 5000)
  -v, --verbose             more diagnostics on stderr (twice: debug)
  -h, --help                show this help

In the terminal: type a line to send it; /peers, /clock, /nick NAME, /help, /quit (or exit).`,
  bootstrap: `Usage: main.ts bootstrap [options]

Run a bootstrap registry: peers register with it and get back a random sample
of other live peers.

Options:
  --listen HOST:PORT        address to listen on (default ${DEFAULT_BOOTSTRAP})
  --advertise HOST:PORT     address peers should dial, if not the listen address
  --sample K                peers per answer (default 2)
  --json                    JSON lines on stdout (ready, peer-up, peer-down; stdin: peers, quit)
  -v, --verbose             more diagnostics on stderr (twice: debug)
  -h, --help                show this help`,
} as const;

/** The version printed by `--version`. */
export const VERSION = "0.1.0";

/**
 * Parses argv (without the program name).
 *
 * @throws {UsageError} with a one-line message for anything invalid.
 */
export function parseCli(
  argv: readonly string[],
  env: { user?: string | undefined; home?: string | undefined } = {},
): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "-h":
    case "--help": {
      const topic = rest[0] ?? "main";
      if (topic !== "main" && topic !== "peer" && topic !== "bootstrap") {
        throw new UsageError(
          `Unknown help topic ${quoteForError(topic)}: expected peer or bootstrap`,
        );
      }
      return { command: "help", topic };
    }
    case "--version":
    case "version":
      return { command: "version", topic: "main" };
    case "peer":
      return parsePeer(rest, env);
    case "bootstrap":
      return parseBootstrap(rest);
    default:
      throw new UsageError(
        `Unknown command ${quoteForError(command)}: expected peer or bootstrap (see --help)`,
      );
  }
}

const COMMON_FLAGS = {
  listen: { type: "string" },
  advertise: { type: "string" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", short: "v", multiple: true },
  help: { type: "boolean", short: "h", default: false },
} as const;

function parsePeer(
  argv: readonly string[],
  env: { user?: string | undefined; home?: string | undefined },
): Command {
  const { values } = strictParse(argv, {
    ...COMMON_FLAGS,
    bootstrap: { type: "string", multiple: true },
    join: { type: "string", multiple: true },
    "data-dir": { type: "string" },
    ephemeral: { type: "boolean", default: false },
    nick: { type: "string" },
    "max-connections": { type: "string" },
    "gossip-interval": { type: "string" },
    "heartbeat-timeout": { type: "string" },
  });
  if (values.help) return { command: "help", topic: "peer" };
  const nick = values.nick ?? defaultNick(env.user);
  checkNick(nick);
  return {
    command: "peer",
    ...common(values, "127.0.0.1:0"),
    bootstraps: (values.bootstrap ?? []).map((b: string) => checkAddress("--bootstrap", b)),
    joins: (values.join ?? []).map((j: string) => checkAddress("--join", j)),
    dataDir: dataDirOf(values["data-dir"], values.ephemeral, nick, env.home),
    nick,
    connectionsMax: integer("--max-connections", values["max-connections"], 12, 1, 1024),
    gossipIntervalMs: integer("--gossip-interval", values["gossip-interval"], 500, 10, 3_600_000),
    heartbeatTimeoutMs: integer(
      "--heartbeat-timeout",
      values["heartbeat-timeout"],
      5_000,
      100,
      3_600_000,
    ),
  };
}

function parseBootstrap(argv: readonly string[]): Command {
  const { values } = strictParse(argv, { ...COMMON_FLAGS, sample: { type: "string" } });
  if (values.help) return { command: "help", topic: "bootstrap" };
  return {
    command: "bootstrap",
    ...common(values, DEFAULT_BOOTSTRAP),
    sample: integer("--sample", values.sample, 2, 1, 256),
  };
}

type FlagSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: boolean }
>;

// deno-lint-ignore no-explicit-any
function strictParse(argv: readonly string[], options: FlagSpec): { values: any } {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    // node:util's messages are multi-line and mention internals; keep the first sentence.
    const message = error instanceof Error
      ? error.message.split("\n")[0]!.replace(/\. .*$/, "")
      : String(error);
    throw new UsageError(`${message} (see --help)`);
  }
}

function common(
  values: { listen?: string; advertise?: string; json: boolean; verbose?: boolean[] },
  defaultListen: string,
): CommonCommand {
  const listen = values.listen ?? defaultListen;
  try {
    parseListenAddress(listen);
  } catch (error) {
    throw new UsageError(`Invalid --listen: ${(error as Error).message}`);
  }
  const verbosity = values.verbose?.length ?? 0;
  return {
    listen,
    advertise: values.advertise === undefined
      ? undefined
      : checkAddress("--advertise", values.advertise),
    json: values.json,
    logLevel: verbosity === 0 ? "warn" : verbosity === 1 ? "info" : "debug",
  };
}

/** The data directory: the flag, else one per nick under the home directory; none when ephemeral. */
function dataDirOf(
  flag: string | undefined,
  ephemeral: boolean,
  nick: string,
  home: string | undefined,
): string | undefined {
  if (ephemeral) {
    if (flag !== undefined) throw new UsageError("Cannot combine --data-dir with --ephemeral");
    return undefined;
  }
  if (flag !== undefined) {
    if (flag === "") throw new UsageError("Invalid --data-dir: empty path");
    return flag;
  }
  if (home === undefined || home === "") {
    throw new UsageError("No home directory to keep data in: give --data-dir DIR or --ephemeral");
  }
  // One directory per nick, so that peers in several terminals do not collide.
  const safe = nick.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${home}/.p2pchat/${safe}`;
}

function checkAddress(flag: string, text: string): string {
  try {
    parseAddress(text);
    return text;
  } catch (error) {
    throw new UsageError(`Invalid ${flag}: ${(error as Error).message}`);
  }
}

function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `Invalid ${flag} ${quoteForError(text)}: expected an integer from ${min} to ${max}`,
    );
  }
  return value;
}

/** The nick used when none is given: the login name if it is a valid nick. */
function defaultNick(user: string | undefined): string {
  if (user !== undefined && nickProblem(user) === undefined) return user;
  return "anon";
}

function checkNick(nick: string): void {
  const problem = nickProblem(nick);
  if (problem !== undefined) throw new UsageError(`Invalid --nick: ${problem}`);
}

/** Why `nick` cannot be used, or `undefined` when it can. */
export function nickProblem(nick: string): string | undefined {
  const bytes = new TextEncoder().encode(nick).length;
  if (bytes === 0) return "a nick needs at least one character";
  if (bytes > DEFAULT_WIRE_LIMITS.nickBytesMax) {
    return `${quoteForError(nick)} is ${bytes} bytes, limit ${DEFAULT_WIRE_LIMITS.nickBytesMax}`;
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(nick)) return "a nick cannot contain control characters";
  return undefined;
}
