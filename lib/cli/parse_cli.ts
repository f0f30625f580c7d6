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
  /** `host:port` serving `GET /metrics` (Prometheus text), if `--metrics` was given. */
  readonly metrics?: string;
  /** Carry relayed links for peers that cannot be dialled (`--relay`), under these limits. */
  readonly relay?: RelayFlags;
}

/** The limits `--relay` runs under (PROTOCOL.md § Relays). */
export interface RelayFlags {
  /** `--relay-reservations`: peers holding a reservation at once. */
  readonly reservationsMax: number;
  /** `--relay-links`: relayed links carried at once. */
  readonly linksMax: number;
  /** `--relay-rate`: bytes per second one link may carry each way. */
  readonly linkBytesPerSecondMax: number;
  /** `--relay-link-mib`: bytes one link may carry in all. */
  readonly linkBytesMax: number;
  /** `--relay-link-minutes`: how long one link may last. */
  readonly linkDurationMsMax: number;
  /** `--relay-idle-seconds`: when full, a link idle this long gives way to a new one. */
  readonly linkIdleMs: number;
}

/** How a peer decides whether others can dial it (`--reachability`). */
export type ReachabilityFlag = "auto" | "public" | "private";

/** Where `peer --web` listens: `--web-listen` (default 127.0.0.1:0), `--web-public` to allow non-loopback. */
export interface WebListen {
  /** Address to bind. */
  readonly hostname: string;
  /** Port; 0 for a free one. */
  readonly port: number;
  /** Binding a non-loopback address was allowed with `--web-public`. */
  readonly public: boolean;
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
  /** The web front end (`--web`), if asked for. */
  readonly web?: WebListen | undefined;
  /** `--reachability`: learn by dial-backs (`auto`), or take as given. */
  readonly reachability: ReachabilityFlag;
  /** `--relay-via`: relays to reserve at, before the bootstraps, when it cannot be dialled. */
  readonly relays: readonly string[];
  /** Punch through NATs on relayed links (off with `--no-punch`). */
  readonly punch: boolean;
}

/** `bootstrap`: run a registry. */
export interface BootstrapCommand extends CommonCommand {
  readonly command: "bootstrap";
  /** Peers per answer. */
  readonly sample: number;
}

/** A help text: the overview (`main`) or one subcommand's. */
export type HelpTopic = keyof typeof HELP;

/** `help` or `version`. */
export interface InfoCommand {
  readonly command: "help" | "version";
  /** For help: the topic. */
  readonly topic: HelpTopic;
}

/** `id`: print this peer's id; its identity is created only with `--create`. */
export interface IdCommand {
  readonly command: "id";
  /** The data directory whose identity to print. */
  readonly dataDir: string;
  /** Create the identity when the directory has none (else that is an error). */
  readonly create: boolean;
}

/** `room-key PATH`: write a new random room key file. */
export interface RoomKeyCommand {
  readonly command: "room-key";
  /** Where to write it. */
  readonly path: string;
  /** Replace an existing file at `path` (else an existing file is refused). */
  readonly force: boolean;
}

/** Any parsed command line. */
export type Command = PeerCommand | BootstrapCommand | InfoCommand | IdCommand | RoomKeyCommand;

export { DEFAULT_ROOM } from "../secure/room_key.ts";

/** The `--relay` flags, as both roles' help shows them. */
const RELAY_HELP =
  `  --relay                   carry relayed links for peers others cannot dial (behind a NAT);
                            the relay sees only their encrypted bytes
  --relay-reservations N    peers holding a reservation at once (default 32)
  --relay-links N           relayed links carried at once (default 64)
  --relay-rate BYTES        bytes per second one link may carry each way (default 131072)
  --relay-link-mib N        MiB one link may carry in all (default 64)
  --relay-link-minutes N    how long one link may last; the peers then open another (default 60)
  --relay-idle-seconds N    when every link is taken, one idle this long (a punched link's
                            fallback, say) is closed to make room (default 60)`;

/** Help texts; kept next to the parser so they cannot drift from it. */
export const HELP = {
  main: `p2pchat — decentralized peer-to-peer chat with causal ordering

Usage:
  main.ts peer [options]        join a chat network (or start one)
  main.ts bootstrap [options]   run a bootstrap registry
  main.ts id [options]          print this peer's id (its public key)
  main.ts room-key PATH         write a new random room key file for --key-file
  main.ts help [COMMAND]        show the help of a command
  main.ts --version             print the version

Commands: peer, bootstrap, id, room-key, help, version. Run 'main.ts COMMAND
--help' or 'main.ts help COMMAND' for a command's options.`,
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
  --reachability MODE       auto (default): a bootstrap (or, failing one, a neighbour) dials
                            this peer back to learn whether others can, again when its network
                            changes; public or private: take that as the answer. A private
                            peer reserves at a relay and advertises its relayed address
  --relay-via HOST:PORT     a relay to reserve at when others cannot dial this peer, tried before
                            the bootstraps (repeatable; see README "Behind a NAT")
  --no-punch                keep relayed links on the relay: do not try to open a direct
                            connection through both NATs (hole punching)
${RELAY_HELP}
  --nick NAME               display name, 1-${DEFAULT_WIRE_LIMITS.nickBytesMax} bytes (default: $USER, else "anon")
  --metrics HOST:PORT       serve GET /metrics (Prometheus text) there; loopback unless
                            --metrics-public (see README "Metrics")
  --metrics-public          allow --metrics on a non-loopback address (exposes traffic counters)
  --json                    JSON lines on stdin/stdout instead of the terminal UI (see README;
                            every line is in schema/json-lines.schema.json)
  --web                     also serve a chat page in this process, with a live network view and
                            message view (URL#network, URL#message); prints the URL to open (with
                            its per-run token; in --json the ready line's "web")
  --web-listen HOST:PORT    where --web listens (default 127.0.0.1:0, a free port; implies --web)
  --web-public              allow a non-loopback --web-listen: anyone who can reach it and sees
                            the token can read and write as you, over plain unencrypted HTTP
  --max-connections N       most open peer connections; it dials up to two thirds of them (default 12)
  --gossip-interval MS      pause between peer-list pulls (default 500)
  --heartbeat-timeout MS    silence after which a neighbour is checked (default 5000)
  -v, --verbose             more diagnostics on stderr (twice: debug)
  -h, --help                show this help

In the terminal: type a line to send it; /peers, /clock, /msg PEER TEXT,
/nick NAME, /edit [N] TEXT, /delete [N], /mute NICK, /block NICK (and /unmute,
/unblock), /history [N], /search WORDS, /help, /quit (or exit).

With --allow-ffi (as -A and the tasks give), encryption runs through OpenSSL's
libcrypto where it is installed, much faster; P2PCHAT_LIBCRYPTO=off turns that off.`,
  bootstrap: `Usage: main.ts bootstrap [options]

Run a bootstrap registry: peers register with it and get back a random sample
of other live peers.

Options:
  --listen HOST:PORT        address to listen on (default ${DEFAULT_BOOTSTRAP})
  --advertise HOST:PORT     address peers should dial, if not the listen address
  --sample K                peers per answer (default 2)
${RELAY_HELP}
  --room NAME               the room it serves (default "${DEFAULT_ROOM}")
  --secret PASSPHRASE       the room's passphrase (or P2PCHAT_SECRET), for a private room
  --key-file PATH           the room's key file, for a private room
  --insecure                no encryption (only for peers that are --insecure too)
  --metrics HOST:PORT       serve GET /metrics (Prometheus text) there; loopback unless
                            --metrics-public (see README "Metrics")
  --metrics-public          allow --metrics on a non-loopback address (exposes traffic counters)
  --json                    JSON lines on stdout (ready, peer-up, peer-down; stdin: peers, quit)
  -v, --verbose             more diagnostics on stderr (twice: debug)
  -h, --help                show this help`,
  id: `Usage: main.ts id [--nick NAME | --data-dir DIR] [--create]

Print the id (the public key, 64 hex digits) of the peer whose identity is kept
in DIR (default ~/.p2pchat/NICK, as for 'main.ts peer'). A peer creates its
identity on its first run; without --create, a directory with none is an error
and nothing is written.

Options:
  --nick NAME               read ~/.p2pchat/NAME (default: $USER, else "anon")
  --data-dir DIR            the data directory to read
  --create                  create the identity (and DIR) if there is none yet
  -h, --help                show this help`,
  "room-key": `Usage: main.ts room-key [--force] PATH

Write a new random room key (64 hex digits, mode 0600) to PATH, for
'main.ts peer --key-file PATH'. An existing file is never replaced unless
--force is given: a new key locks out every member who has the old one.

Options:
  --force                   replace an existing file at PATH
  -h, --help                show this help`,
  help: `Usage: main.ts help [COMMAND]

Show the overview, or the help of COMMAND: peer, bootstrap, id, room-key, help
or version. 'main.ts COMMAND --help' shows the same.`,
  version: `Usage: main.ts --version  (or main.ts version)

Print the version of p2pchat.`,
} as const;

/** Subcommands, in the order help lists them. */
const HELP_TOPICS = ["peer", "bootstrap", "id", "room-key", "help", "version"] as const;

function isHelpTopic(text: string): text is HelpTopic {
  return text === "main" || (HELP_TOPICS as readonly string[]).includes(text);
}

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
      const topic = rest[0] === undefined || rest[0] === "-h" || rest[0] === "--help"
        ? (rest[0] === undefined ? "main" : "help")
        : rest[0];
      if (!isHelpTopic(topic)) {
        throw new UsageError(
          `Unknown help topic ${quoteForError(topic)}: expected ${HELP_TOPICS.join(", ")}`,
        );
      }
      if (rest.length > 1) {
        throw new UsageError(
          `Unexpected argument ${quoteForError(rest[1]!)}: help takes one command (see --help)`,
        );
      }
      return { command: "help", topic };
    }
    case "--version":
    case "version": {
      const { values } = strictParse(rest, { help: { type: "boolean", short: "h" } });
      if (values.help) return { command: "help", topic: "version" };
      return { command: "version", topic: "main" };
    }
    case "peer":
      return parsePeer(rest, env);
    case "bootstrap":
      return parseBootstrap(rest, env);
    case "id": {
      const { values } = strictParse(rest, {
        nick: { type: "string" },
        "data-dir": { type: "string" },
        create: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      });
      if (values.help) return { command: "help", topic: "id" };
      if (values.nick !== undefined && values["data-dir"] !== undefined) {
        throw new UsageError("Cannot combine --nick with --data-dir: give one (see --help)");
      }
      const nick = values.nick ?? defaultNick(env.user);
      checkNick(nick);
      return {
        command: "id",
        dataDir: dataDirOf(values["data-dir"], false, nick, env.home)!,
        create: values.create,
      };
    }
    case "room-key": {
      const { values, positionals } = strictParse(rest, {
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      }, { positionals: true });
      if (values.help) return { command: "help", topic: "room-key" };
      if (positionals.length !== 1 || positionals[0] === "") {
        throw new UsageError(
          positionals.length > 1
            ? `Too many arguments: room-key takes one PATH, got ${positionals.length} (see --help)`
            : "Missing PATH: usage: main.ts room-key [--force] PATH",
        );
      }
      return { command: "room-key", path: positionals[0]!, force: values.force };
    }
    default:
      throw new UsageError(
        `Unknown command ${quoteForError(command)}: expected ${
          HELP_TOPICS.join(", ")
        } (see --help)`,
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
  metrics: { type: "string" },
  "metrics-public": { type: "boolean", default: false },
  relay: { type: "boolean", default: false },
  "relay-reservations": { type: "string" },
  "relay-links": { type: "string" },
  "relay-rate": { type: "string" },
  "relay-link-mib": { type: "string" },
  "relay-link-minutes": { type: "string" },
  "relay-idle-seconds": { type: "string" },
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
    web: { type: "boolean", default: false },
    "web-listen": { type: "string" },
    "web-public": { type: "boolean", default: false },
    reachability: { type: "string" },
    "relay-via": { type: "string", multiple: true },
    "no-punch": { type: "boolean", default: false },
  });
  if (values.help) return { command: "help", topic: "peer" };
  const web = webListenOf(values.web, values["web-listen"], values["web-public"]);
  const nick = values.nick ?? defaultNick(env.user);
  checkNick(nick);
  const shared = common(values, "127.0.0.1:0", env);
  const defaultPort = parseAddress(DEFAULT_BOOTSTRAP).port;
  if (values.bootstrap === undefined && parseListenAddress(shared.listen).port === defaultPort) {
    // Without --bootstrap the peer uses (or itself serves) the default bootstrap on that port:
    // the listen error would name this port as busy while the cause is the peer's own bootstrap.
    throw new UsageError(
      `Invalid --listen ${
        quoteForError(shared.listen)
      }: port ${defaultPort} is the default bootstrap's, which a peer without --bootstrap uses or serves; choose another port`,
    );
  }
  return {
    command: "peer",
    ...shared,
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
    ...(web === undefined ? {} : { web }),
    reachability: reachabilityOf(values.reachability),
    relays: (values["relay-via"] ?? []).map((r: string) => checkAddress("--relay-via", r)),
    punch: !values["no-punch"],
  };
}

function reachabilityOf(text: string | undefined): ReachabilityFlag {
  if (text === undefined) return "auto";
  if (text === "auto" || text === "public" || text === "private") return text;
  throw new UsageError(
    `Invalid --reachability ${quoteForError(text)}: expected auto, public or private`,
  );
}

/** The `--relay` limits, or undefined without `--relay` (then its limit flags are errors). */
function relayOf(values: RelayValues): RelayFlags | undefined {
  if (!values.relay) {
    for (const flag of RELAY_LIMIT_FLAGS) {
      if (values[flag] !== undefined) throw new UsageError(`Invalid --${flag}: it needs --relay`);
    }
    return undefined;
  }
  return {
    reservationsMax: integer("--relay-reservations", values["relay-reservations"], 32, 1, 100_000),
    linksMax: integer("--relay-links", values["relay-links"], 64, 1, 100_000),
    linkBytesPerSecondMax: integer("--relay-rate", values["relay-rate"], 131_072, 1_024, 1 << 30),
    linkBytesMax: integer("--relay-link-mib", values["relay-link-mib"], 64, 1, 1 << 20) * 1_048_576,
    linkDurationMsMax:
      integer("--relay-link-minutes", values["relay-link-minutes"], 60, 1, 10_080) *
      60_000,
    linkIdleMs: integer("--relay-idle-seconds", values["relay-idle-seconds"], 60, 0, 86_400) *
      1_000,
  };
}

const RELAY_LIMIT_FLAGS = [
  "relay-reservations",
  "relay-links",
  "relay-rate",
  "relay-link-mib",
  "relay-link-minutes",
  "relay-idle-seconds",
] as const;

/** `--relay` and its limit flags as parsed. */
type RelayValues =
  & { relay: boolean }
  & { [flag in typeof RELAY_LIMIT_FLAGS[number]]?: string };

/** The `--web` listen address, checked: a non-loopback host needs `--web-public`. */
function webListenOf(
  web: boolean,
  listen: string | undefined,
  allowPublic: boolean,
): WebListen | undefined {
  if (!web && listen === undefined) {
    if (allowPublic) throw new UsageError("Invalid --web-public: it needs --web or --web-listen");
    return undefined;
  }
  let address: { hostname: string; port: number };
  try {
    address = parseListenAddress(listen ?? "127.0.0.1:0");
  } catch (error) {
    throw new UsageError(`Invalid --web-listen: ${(error as Error).message}`);
  }
  if (!allowPublic && !isLoopbackHost(address.hostname)) {
    throw new UsageError(
      `Invalid --web-listen ${
        quoteForError(listen ?? "")
      }: not a loopback address; add --web-public to serve the chat page to other machines (plain HTTP, anyone with the token reads and writes as you)`,
    );
  }
  return { hostname: address.hostname, port: address.port, public: allowPublic };
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

/**
 * `node:util` reads `--flag -5` as a flag followed by an unknown option and
 * calls it "ambiguous"; a dash followed by a digit is a (negative) value here,
 * so it is joined to its flag for the value check to say what is wrong.
 */
function joinNegativeValues(argv: readonly string[], options: FlagSpec): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const flag = arg.startsWith("--") ? options[arg.slice(2)] : undefined;
    if (flag?.type === "string" && next !== undefined && /^-[0-9.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function strictParse(
  argv: readonly string[],
  options: FlagSpec,
  { positionals = false }: { positionals?: boolean } = {},
  // deno-lint-ignore no-explicit-any
): { values: any; positionals: string[] } {
  try {
    return parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      strict: true,
      allowPositionals: positionals,
    });
  } catch (error) {
    // node:util's messages are multi-line and mention internals; keep the first sentence.
    const message = error instanceof Error
      ? error.message.split("\n")[0]!.replace(/\. .*$/, "")
      : String(error);
    throw new UsageError(`${message} (see --help)`);
  }
}

/**
 * `--metrics HOST:PORT` (a bare `PORT` means `127.0.0.1:PORT`): a non-loopback host needs
 * `--metrics-public`, since anyone who reaches it reads the node's traffic counters.
 */
function metricsAddressOf(text: string | undefined, isPublic: boolean): string | undefined {
  if (text === undefined) {
    if (isPublic) throw new UsageError("Option --metrics-public needs --metrics HOST:PORT");
    return undefined;
  }
  const address = /^[0-9]+$/.test(text) ? `127.0.0.1:${text}` : text;
  let hostname: string;
  try {
    hostname = parseListenAddress(address).hostname;
  } catch (error) {
    throw new UsageError(`Invalid --metrics: ${(error as Error).message}`);
  }
  if (!isLoopbackHost(hostname) && !isPublic) {
    throw new UsageError(
      `Invalid --metrics ${
        quoteForError(address)
      }: not a loopback address: anyone who reaches it reads this node's traffic counters; add --metrics-public to mean it`,
    );
  }
  return address;
}

/** The `metrics` field, present only when `--metrics` was given (so old callers see no change). */
function metricsOption(address: string | undefined): { metrics?: string } {
  return address === undefined ? {} : { metrics: address };
}

/** Whether `hostname` is a loopback address (only this machine can connect). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || hostname === "[::1]" ||
    /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(hostname);
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
    metrics?: string;
    "metrics-public": boolean;
  } & RelayValues,
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
    ...metricsOption(metricsAddressOf(values.metrics, values["metrics-public"])),
    ...relayOption(relayOf(values)),
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

function relayOption(relay: RelayFlags | undefined): { relay?: RelayFlags } {
  return relay === undefined ? {} : { relay };
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
  const expected = `expected an integer from ${min} to ${max}`;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  // Say what is wrong with the value, then what would be right.
  const why = /^-[0-9]+$/.test(text)
    ? "a negative number; "
    : /^-?[0-9]*\.[0-9]+$/.test(text)
    ? "not a whole number; "
    : /^[0-9]+$/.test(text)
    ? ""
    : "not a number; ";
  throw new UsageError(`Invalid ${flag} ${quoteForError(text)}: ${why}${expected}`);
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
