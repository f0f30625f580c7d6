/**
 * Command-line parsing: turns argv into a checked command, or a
 * {@linkcode UsageError} whose message is one line for the user.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_ROOM, roomNameProblem } from "../secure/room_key.ts";
import { parseAddress } from "../wire/address.ts";
import { parseListenAddress } from "../runtime/listen.ts";
import { DEFAULT_WIRE_LIMITS } from "../wire/wire_limits.ts";
import { nickProblem, quoteForError } from "../wire/fields.ts";

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
  /** The room (its name is the Noise prologue and salts its key). */
  readonly room: string;
  /** The room passphrase, if the room is private by passphrase. */
  readonly secret: string | undefined;
  /** A file holding the room key, if the room is private by key file. */
  readonly keyFile: string | undefined;
  /** Plaintext, unsigned: no Noise, no signatures (benchmarks and debugging only). */
  readonly insecure: boolean;
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

/** `id`: print this peer's id (creating its identity if needed). */
export interface IdCommand {
  readonly command: "id";
  /** The data directory whose identity to print. */
  readonly dataDir: string;
}

/** `room-key PATH`: write a new random room key file. */
export interface RoomKeyCommand {
  readonly command: "room-key";
  /** Where to write it (never overwritten). */
  readonly path: string;
}

/** Any parsed command line. */
export type Command = PeerCommand | BootstrapCommand | InfoCommand | IdCommand | RoomKeyCommand;

export { DEFAULT_ROOM } from "../secure/room_key.ts";

/** Help texts; kept next to the parser so they cannot drift from it. */
export const HELP = {
  main: `p2pchat — decentralized peer-to-peer chat with causal ordering

Usage:
  main.ts peer [options]        join a chat network (or start one)
  main.ts bootstrap [options]   run a bootstrap registry
  main.ts id [--nick N | --data-dir DIR]   print this peer's id (its public key)
  main.ts room-key PATH         write a new random room key file for --key-file
  main.ts help [peer|bootstrap] show help
  main.ts --version             print the version

Run 'main.ts peer --help' or 'main.ts bootstrap --help' for their options.`,
  peer: `Usage: main.ts peer [options]

Join a chat network. Without --bootstrap, the peer tries ${DEFAULT_BOOTSTRAP}; if
nothing answers there, it becomes the bootstrap of a new network itself and
prints the command others run to join; it keeps dialling the addresses it
remembers and joins the existing network as soon as one answers. If no peer of
the room accepts the secret, it says so once and exits with code 2.

Options:
  --bootstrap HOST:PORT     bootstrap to register with (repeatable)
  --join HOST:PORT          also join through this peer (repeatable); works while bootstraps are down
  --room NAME               room to join (default "${DEFAULT_ROOM}"); without a secret it is public
  --secret PASSPHRASE       private room: only peers with the same passphrase can join or read
                            (or set P2PCHAT_SECRET, which other users cannot see in the process list)
  --key-file PATH           private room keyed by a file (see 'main.ts room-key')
  --insecure                no encryption, no signatures (benchmarks and debugging only)
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

In the terminal: type a line to send it; /peers, /clock, /msg PEER TEXT,
/nick NAME, /history [N], /search WORDS, /help, /quit (or exit).`,
  bootstrap: `Usage: main.ts bootstrap [options]

Run a bootstrap registry: peers register with it and get back a random sample
of other live peers.

Options:
  --listen HOST:PORT        address to listen on (default ${DEFAULT_BOOTSTRAP})
  --advertise HOST:PORT     address peers should dial, if not the listen address
  --sample K                peers per answer (default 2)
  --room NAME               the room it serves (default "${DEFAULT_ROOM}")
  --secret PASSPHRASE       the room's passphrase (or P2PCHAT_SECRET), for a private room
  --key-file PATH           the room's key file, for a private room
  --insecure                no encryption (only for peers that are --insecure too)
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
  env: Env = {},
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
      return parseBootstrap(rest, env);
    case "id": {
      const { values } = strictParse(rest, {
        nick: { type: "string" },
        "data-dir": { type: "string" },
      });
      const nick = values.nick ?? defaultNick(env.user);
      checkNick(nick);
      return { command: "id", dataDir: dataDirOf(values["data-dir"], false, nick, env.home)! };
    }
    case "room-key": {
      const { positionals } = parseArgs({
        args: [...rest],
        options: {},
        strict: true,
        allowPositionals: true,
      });
      if (positionals.length !== 1) throw new UsageError("Usage: main.ts room-key PATH");
      return { command: "room-key", path: positionals[0]! };
    }
    default:
      throw new UsageError(
        `Unknown command ${quoteForError(command)}: expected peer or bootstrap (see --help)`,
      );
  }
}

/** What the parser reads from the environment. */
export interface Env {
  readonly user?: string | undefined;
  readonly home?: string | undefined;
  /** `P2PCHAT_SECRET`: the room passphrase, kept out of the process list. */
  readonly secret?: string | undefined;
}

const COMMON_FLAGS = {
  listen: { type: "string" },
  advertise: { type: "string" },
  room: { type: "string" },
  secret: { type: "string" },
  "key-file": { type: "string" },
  insecure: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", short: "v", multiple: true },
  help: { type: "boolean", short: "h", default: false },
} as const;

function parsePeer(argv: readonly string[], env: Env): Command {
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
    ...common(values, "127.0.0.1:0", env),
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

function parseBootstrap(argv: readonly string[], env: Env): Command {
  const { values } = strictParse(argv, { ...COMMON_FLAGS, sample: { type: "string" } });
  if (values.help) return { command: "help", topic: "bootstrap" };
  return {
    command: "bootstrap",
    ...common(values, DEFAULT_BOOTSTRAP, env),
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
  values: {
    listen?: string;
    advertise?: string;
    room?: string;
    secret?: string;
    "key-file"?: string;
    insecure: boolean;
    json: boolean;
    verbose?: boolean[];
  },
  defaultListen: string,
  env: Env,
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
    ...roomOf(values, env),
  };
}

/** The room flags, checked: one source of key at most, none with --insecure. */
function roomOf(
  values: { room?: string; secret?: string; "key-file"?: string; insecure: boolean },
  env: Env,
): Pick<CommonCommand, "room" | "secret" | "keyFile" | "insecure"> {
  const room = values.room ?? DEFAULT_ROOM;
  const problem = roomNameProblem(room);
  if (problem !== undefined) throw new UsageError(`Invalid --room: ${problem}`);
  const secret = values.secret ?? (values["key-file"] === undefined ? env.secret : undefined);
  const keyFile = values["key-file"];
  if (secret !== undefined && keyFile !== undefined) {
    throw new UsageError("Cannot combine --secret with --key-file: a room has one key");
  }
  if (secret === "") throw new UsageError("Invalid --secret: empty passphrase");
  if (values.insecure && (values.secret !== undefined || keyFile !== undefined)) {
    throw new UsageError("Cannot combine --insecure with a room secret or key file");
  }
  return { room, secret: values.insecure ? undefined : secret, keyFile, insecure: values.insecure };
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
