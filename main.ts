/**
 * The p2pchat command line: `peer` and `bootstrap`. The only place that wires
 * real time, real randomness, real sockets and the process's stdio together.
 *
 * @module
 */

import {
  type BootstrapCommand,
  type Command,
  DEFAULT_BOOTSTRAP,
  DEFAULT_ROOM,
  HELP,
  parseCli,
  type PeerCommand,
  UsageError,
  VERSION,
} from "./lib/cli/parse_cli.ts";
import { invocationOf } from "./lib/cli/invocation.ts";
import { ListenError, listenTcp, parseListenAddress } from "./lib/runtime/listen.ts";
import {
  type BootstrapService,
  type PeerEvent,
  type PeerService,
  startBootstrap,
  startPeer,
} from "./lib/runtime/mod.ts";
import {
  COMMAND_LINE_BYTES_MAX,
  errorJson,
  eventJson,
  InvalidCommandError,
  parseJsonCommand,
  type RefCommand,
  runBootstrapCommand,
  runPeerCommand,
} from "./lib/ui/json_front_end.ts";
import { LineWriter, readLines } from "./lib/ui/line_writer.ts";
import { Roster } from "./lib/ui/roster.ts";
import { type JsonHistoryMarkers, jsonHistoryMarkers } from "./lib/ui/json_history.ts";
import { NetworkSearch } from "./lib/ui/network_search.ts";
import type { TerminalSession } from "./lib/ui/terminal_front_end.ts";
import { sanitizeForTerminal } from "./lib/ui/display.ts";
import { plainDeliveryLine } from "./lib/ui/redaction_view.ts";
import { parseAddress } from "./lib/wire/address.ts";
import { IDENTITY_KEY_FILE, loadOrCreateIdentity } from "./lib/identity/identity_store.ts";
import type { Identity } from "./lib/identity/identity.ts";
import type { PeerStore } from "./lib/store/peer_store.ts";
import { StoreError } from "./lib/store/store_error.ts";
import { generateRoomKeyFile, resolveRoomKey, type RoomKey } from "./lib/secure/room_key.ts";
import { roomTagOf } from "./lib/secure/room_tag.ts";
import { withDeadline } from "./lib/runtime/with_deadline.ts";
import type { WebServer } from "./lib/web/web_server.ts";
import type { NetworkFeed } from "./lib/web/network_feed.ts";

const LOG_RANK = { debug: 0, info: 1, warn: 2 } as const;
const stderr = new LineWriter(Deno.stderr);
// A reader that stops reading stdout must not grow the node's memory: past the
// writer's limit lines are dropped, and stderr says how many.
const stdout = new LineWriter(Deno.stdout, {
  onDropped: (lines) =>
    stderr.line(`p2pchat: stdout was not read fast enough: ${lines} lines dropped`),
});

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCli(argv, {
      user: envVar("USER"),
      home: envVar("HOME"),
      secret: envVar("P2PCHAT_SECRET"),
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(error.message);
  }
  try {
    switch (command.command) {
      case "help":
        stdout.line(HELP[command.topic]);
        return 0;
      case "version":
        stdout.line(`p2pchat ${VERSION}`);
        return 0;
      case "peer":
        return await runPeer(command);
      case "bootstrap":
        return await runBootstrap(command);
      case "id": {
        if (!command.create && !(await exists(`${command.dataDir}/${IDENTITY_KEY_FILE}`))) {
          // Never create what was not asked for: a typo in --nick would leave a directory.
          return fail(
            `No identity in ${command.dataDir}: a peer creates one on its first run (or add --create)`,
          );
        }
        const { identity } = await openDataDir(command.dataDir);
        stdout.line(identity!.id);
        return 0;
      }
      case "room-key": {
        await writeRoomKey(command.path, command.force);
        stderr.line(
          `Wrote a new room key to ${command.path} (mode 0600). Share it only with members,`,
        );
        stderr.line(`who join with:  ${run("peer")} --room NAME --key-file ${command.path}`);
        return 0;
      }
    }
  } catch (error) {
    if (
      error instanceof ListenError || error instanceof StoreError || error instanceof SetupError
    ) {
      return fail(error.message);
    }
    throw error;
  }
}

async function runPeer(command: PeerCommand): Promise<number> {
  // Messages written before this moment and delivered now are history.
  const sessionStartMs = Date.now();
  const room = await openRoom(command);
  // A port in use is a user error: say so before the data directory is created.
  await probeListen(command.listen);
  let bootstraps = command.bootstraps;
  let ownBootstrap: BootstrapService | undefined;
  if (bootstraps.length === 0) {
    if (await isListening(DEFAULT_BOOTSTRAP)) {
      bootstraps = [DEFAULT_BOOTSTRAP];
    } else {
      // Nobody home: this peer founds the network and is its bootstrap.
      const host = parseListenAddress(command.listen).hostname;
      const port = parseAddress(DEFAULT_BOOTSTRAP).port;
      const listen = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
      ownBootstrap = await startBootstrap({
        listen,
        onEvent: logTo(command.logLevel, "bootstrap"),
        ...(command.relay === undefined ? {} : { relay: command.relay }),
        ...(room === undefined ? { insecure: true } : { room }),
      }).catch((error) => {
        // Not the --listen address: name the one that failed, and why this peer wanted it.
        if (!(error instanceof ListenError)) throw error;
        throw new SetupError(
          `Cannot start a bootstrap on ${listen} to found a new network (none answered at ${DEFAULT_BOOTSTRAP}): ${
            error.message.replace(`Cannot listen on ${listen}: `, "")
          }; give --bootstrap HOST:PORT to join an existing one`,
        );
      });
      bootstraps = [ownBootstrap.addr];
    }
  }
  let terminal: TerminalSession | undefined;
  /** Set when the peer cannot go on (a wrong secret): it stops, and the exit code is 2. */
  let fatal: PeerEvent | undefined;
  let raiseFatal!: () => void;
  const fatalRaised = new Promise<void>((resolve) => (raiseFatal = resolve));
  let jsonMarkers: JsonHistoryMarkers | undefined;
  const log = logTo(command.logLevel, "peer");
  /** JSON mode: the names peers are known by, for `direct` by nick and nicks in `peers`. */
  // (Events come while the peer starts: the roster asks for its members once it has started.)
  const started: { peer?: PeerService } = {};
  const roster = new Roster(() => started.peer?.peers() ?? []);
  let web: WebServer | undefined;
  /** With --web: the network and message views' feed (overlay, provenance, repair log). */
  let networkFeed: NetworkFeed | undefined;
  const tag = await roomTagOf(room, command.room);
  const { identity, store, newIdentity } = await openDataDir(command.dataDir, { roomTag: tag });
  // A founder keeps looking for the network it knew, through the addresses it remembers.
  const search = ownBootstrap === undefined ? undefined : new NetworkSearch({
    triedBootstrap: DEFAULT_BOOTSTRAP,
    remembered: store?.rememberedAddresses() ?? [],
  });
  const onJoinedNetwork = (addr: string) => {
    const text = search?.onPeerUp(addr);
    if (text === undefined) return;
    jsonMarkers?.joinedNetwork();
    terminal?.joinedNetwork();
    if (command.json) stdout.line(JSON.stringify({ type: "network", state: "joined", via: addr }));
    if (terminal !== undefined) terminal.notice(text);
    else stderr.line(`p2pchat: ${text}`);
  };
  const peer = await startPeer({
    ...(identity === undefined ? {} : { identity }),
    ...(room === undefined ? { insecure: true, plainRoom: command.room } : { room }),
    ...(store === undefined ? {} : { store }),
    joins: command.joins,
    ...(ownBootstrap === undefined ? {} : { selfHostedBootstrapId: ownBootstrap.id }),
    listen: command.listen,
    ...(command.advertise !== undefined ? { advertise: command.advertise } : {}),
    nick: command.nick,
    bootstraps,
    reachability: command.reachability,
    relays: command.relays,
    punch: command.punch,
    ...(command.relay === undefined ? {} : { relay: command.relay }),
    ...(command.web === undefined ? {} : { onTraffic: (t) => networkFeed?.onTraffic(t) }),
    node: {
      newIdentity: newIdentity ?? true,
      addressBookUntilReached: search !== undefined,
      connectionsMax: command.connectionsMax,
      // Room between target and maximum lets newcomers in without evictions.
      connectionsTarget: Math.max(1, Math.ceil((2 * command.connectionsMax) / 3)),
      gossipIntervalMs: command.gossipIntervalMs,
      heartbeatTimeoutMs: command.heartbeatTimeoutMs,
      heartbeatIntervalMs: Math.min(1_000, Math.floor(command.heartbeatTimeoutMs / 3)),
    },
    onEvent: (event) => {
      if (command.json || command.web !== undefined) roster.heardEvent(event);
      if (web !== undefined) {
        const line = eventJson(event);
        if (line !== undefined) web.publish(line);
        networkFeed?.onEvent(event);
      }
      if (event.type === "fatal") {
        if (fatal !== undefined) return;
        fatal = event;
        queueMicrotask(() => {
          raiseFatal();
          terminal?.quit();
        });
      }
      if (event.type === "peer-up") onJoinedNetwork(event.addr);
      if (command.json) {
        if (event.type === "deliver") {
          for (const marker of jsonMarkers?.before(event.message) ?? []) stdout.line(marker);
        }
        const line = eventJson(event);
        if (line !== undefined) stdout.line(line);
        else log(event);
        if (event.type === "deliver") {
          for (const progress of jsonMarkers?.after(event.message) ?? []) stdout.line(progress);
        }
      } else if (terminal !== undefined) {
        terminal.handleEvent(event);
      } else {
        log(event);
      }
    },
  });
  started.peer = peer;
  // One source (and one event-loop lag meter) for every listener that serves this peer's metrics.
  const metricsModules = command.web === undefined && command.metrics === undefined
    ? undefined
    : await loadMetricsModules();
  const metricsSource = metricsModules === undefined
    ? undefined
    : metricsModules.withEventLoopLag(() =>
      metricsModules.peerMetrics(peer.stats(), {
        counts: peer.messageCounts(),
        refusals: peer.refusalCounts(),
        limitDrops: peer.limitDrops(),
        relay: peer.relayStats(),
        // Every member, no held messages: the gauges count them all.
        overlay: peer.overlay({ membersMax: Infinity, heldMax: 0 }),
      })
    );
  if (command.web !== undefined) {
    const { startWebServer } = await import("./lib/web/web_server.ts");
    web = await startWebServer({
      snapshot: () => ({
        self: { id: peer.id, nick: peer.nick },
        peers: peer.peers().map((p) => ({ ...p, nick: p.nick ?? roster.nickOf(p.id) })),
        ...networkFeed?.snapshotFields(),
      }),
      run: (c, out) => runPeerCommand(c, peer, out, { roster, history: store }),
      storedHistory: store,
    }, {
      hostname: command.web.hostname,
      port: command.web.port,
      anyHost: command.web.public,
      metrics: () => metricsModules!.metricsText(metricsSource!.collect()),
    }).catch(async (error) => {
      metricsSource?.stop();
      await peer.stop();
      await ownBootstrap?.stop();
      const { hostname, port } = command.web!;
      throw new SetupError(
        `Cannot serve --web on ${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}: ${
          (error as Error).message
        }`,
      );
    });
  }
  if (web !== undefined) {
    const server = web;
    const { NetworkFeed } = await import("./lib/web/network_feed.ts");
    networkFeed = new NetworkFeed(peer, (json) => server.publish(json), {
      listening: () => server.clientCount > 0,
    });
    networkFeed.start();
  }
  const webNotices = web === undefined ? [] : [
    `Chat page (keep this URL private, it holds the token): ${web.url}`,
    ...(command.web?.public
      ? [
        "Warning: --web-public serves plain HTTP beyond this machine: anyone who can see the URL can read and write as you",
      ]
      : []),
  ];
  const metrics = command.metrics === undefined
    ? undefined
    : await metricsModules!.serveMetrics(command.metrics, metricsSource!.collect);
  if (command.json) {
    jsonMarkers = jsonHistoryMarkers({
      sessionStartMs,
      lastSeenRow: store?.lastSeenRow ?? 0,
      returning: (store?.lastSeenRow ?? 0) > 0,
      backlog: () => peer.backlog(),
      selfId: peer.id,
    });
  }
  const joinHint = [
    roomNotice(command.room, room),
    ...(ownBootstrap === undefined || search === undefined ? [] : [
      search.startText(),
      `Others join with:  ${run("peer")} --bootstrap ${ownBootstrap.addr}${
        roomFlags(command)
      } --nick NAME`,
    ]),
  ];
  const stopAll = async () => {
    networkFeed?.stop();
    await web?.stop();
    await metrics?.stop();
    metricsSource?.stop();
    await peer.stop();
    await ownBootstrap?.stop();
  };
  if (command.json) {
    stdout.line(
      JSON.stringify({
        type: "ready",
        id: peer.id,
        addr: peer.addr,
        nick: peer.nick,
        role: "peer",
        ...roomFields(command.room, room),
        ...(web === undefined ? {} : { web: web.url }),
        ...(metrics === undefined ? {} : { metrics: metrics.url }),
      }),
    );
    if (search !== undefined && ownBootstrap !== undefined) {
      stdout.line(JSON.stringify({
        type: "network",
        state: "new",
        bootstrap: ownBootstrap.addr,
        remembered: search.rememberedCount,
      }));
    }
    for (const line of [...joinHint, ...webNotices]) stderr.line(line);
    await jsonSession(
      (c) => runPeerCommand(c, peer, stdout, { roster, history: store }),
      stopAll,
      { quitAtEndOfInput: true, until: fatalRaised },
    );
  } else if (Deno.stdin.isTerminal()) {
    // Loaded only here: the terminal pulls in Node's readline and streams,
    // which a JSON-mode or scripted peer need not pay for in memory.
    const [{ runTerminal }, { default: process }] = await Promise.all([
      import("./lib/ui/terminal_front_end.ts"),
      import("node:process"),
    ]);
    terminal = runTerminal(peer, {
      input: process.stdin,
      output: process.stdout,
      color: Deno.stdout.isTerminal() && envVar("NO_COLOR") === undefined,
      logLevel: command.logLevel,
      history: store,
      sessionStartMs,
    });
    // Before anything is shown, so that a signal sent on seeing it is handled.
    onSignals(() => terminal?.quit());
    terminal.notice(
      `p2pchat: you are ${peer.nick} (${peer.id.slice(0, 8)}) at ${peer.addr}. /help for commands.`,
    );
    for (const line of [...joinHint, ...webNotices]) terminal.notice(line);
    terminal.showHistory();
    if (fatal !== undefined) terminal.quit();
    await terminal.done;
    networkFeed?.stop();
    await web?.stop();
    await metrics?.stop();
    metricsSource?.stop();
    await ownBootstrap?.stop();
  } else {
    for (const line of [...joinHint, ...webNotices]) stderr.line(line);
    await plainSession(peer, stopAll, fatalRaised);
  }
  await stdout.flush();
  await stderr.flush();
  return fatal === undefined ? 0 : 2;
}

async function runBootstrap(command: BootstrapCommand): Promise<number> {
  const log = logTo(command.logLevel, "bootstrap");
  const room = await openRoom(command);
  const bootstrap = await startBootstrap({
    ...(room === undefined ? { insecure: true } : { room }),
    listen: command.listen,
    ...(command.advertise !== undefined ? { advertise: command.advertise } : {}),
    sampleSize: command.sample,
    ...(command.relay === undefined ? {} : { relay: command.relay }),
    onEvent: (event) => {
      const line = command.json ? eventJson(event) : undefined;
      if (line !== undefined) stdout.line(line);
      else log(event);
    },
  });
  const metricsModules = command.metrics === undefined ? undefined : await loadMetricsModules();
  const metricsSource = metricsModules?.withEventLoopLag(() =>
    metricsModules.bootstrapMetrics(bootstrap)
  );
  const metrics = command.metrics === undefined
    ? undefined
    : await metricsModules!.serveMetrics(command.metrics, metricsSource!.collect);
  const stopMetrics = async () => {
    await metrics?.stop();
    metricsSource?.stop();
  };
  if (command.json) {
    stdout.line(
      JSON.stringify({
        type: "ready",
        id: bootstrap.id,
        addr: bootstrap.addr,
        role: "bootstrap",
        ...roomFields(command.room, room),
        ...(metrics === undefined ? {} : { metrics: metrics.url }),
      }),
    );
    // A bootstrap is a service: it outlives its stdin (started with `&`, say).
    await jsonSession((c) => runBootstrapCommand(c, bootstrap, stdout), async () => {
      await stopMetrics();
      await bootstrap.stop();
    }, {
      quitAtEndOfInput: false,
    });
  } else {
    stderr.line(
      `p2pchat bootstrap ${
        bootstrap.id.slice(0, 8)
      } listening on ${bootstrap.addr}; Ctrl-C stops it.`,
    );
    stderr.line(roomNotice(command.room, room));
    stderr.line(
      `Peers join with:  ${run("peer")} --bootstrap ${bootstrap.addr}${
        roomFlags(command)
      } --nick NAME`,
    );
    await new Promise<void>((resolve) => onSignals(resolve));
    await stopMetrics();
    await bootstrap.stop();
  }
  await stdout.flush();
  await stderr.flush();
  return 0;
}

/**
 * The metrics code, loaded only for `--metrics` or `--web`: a peer without
 * them need not hold these modules in memory (see PERFORMANCE.md, "Memory per peer").
 */
async function loadMetricsModules() {
  const [peerMetrics, metricsServer, prometheusText] = await Promise.all([
    import("./lib/metrics/peer_metrics.ts"),
    import("./lib/metrics/metrics_server.ts"),
    import("./lib/metrics/prometheus_text.ts"),
  ]);
  return {
    bootstrapMetrics: peerMetrics.bootstrapMetrics,
    peerMetrics: peerMetrics.peerMetrics,
    serveMetrics: metricsServer.serveMetrics,
    withEventLoopLag: metricsServer.withEventLoopLag,
    metricsText: prometheusText.metricsText,
  };
}

/** Reads JSON commands from stdin until `quit`, end of input or a signal. */
async function jsonSession(
  run: (command: RefCommand) => Promise<boolean>,
  stop: () => Promise<void>,
  { quitAtEndOfInput, until }: { quitAtEndOfInput: boolean; until?: Promise<void> },
): Promise<void> {
  let stopped = false;
  const stopOnce = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  const signalled = new Promise<void>((resolve) => onSignals(resolve));
  const input = (async () => {
    try {
      const onTooLong = (bytes: number) =>
        stdout.line(
          errorJson(
            `Invalid command: the line is longer than ${COMMAND_LINE_BYTES_MAX} bytes (${bytes})`,
          ),
        );
      for await (
        const line of readLines(Deno.stdin.readable, COMMAND_LINE_BYTES_MAX, { onTooLong })
      ) {
        if (line.trim() === "") continue;
        let command: RefCommand;
        try {
          command = parseJsonCommand(line);
        } catch (error) {
          const ref = error instanceof InvalidCommandError ? error.ref : undefined;
          stdout.line(errorJson((error as Error).message, ref));
          continue;
        }
        let goOn: boolean;
        try {
          goOn = await run(command);
        } catch (error) {
          // A command that cannot be carried out now (sending after a disk failure, say).
          stdout.line(errorJson((error as Error).message, command.ref));
          continue;
        }
        if (!goOn) {
          stopped = true;
          return;
        }
      }
    } catch (error) {
      stderr.line(`p2pchat: ${(error as Error).message}`);
    }
    if (!quitAtEndOfInput && !stopped) await signalled;
  })();
  await Promise.race([input, signalled, ...(until === undefined ? [] : [until])]);
  await stopOnce();
}

/** Without a terminal or --json: every stdin line is a message, deliveries print as plain lines. */
async function plainSession(
  peer: PeerService,
  stop: () => Promise<void>,
  until: Promise<void>,
): Promise<void> {
  const signalled = new Promise<void>((resolve) => onSignals(resolve));
  const input = (async () => {
    const onTooLong = (bytes: number) =>
      stderr.line(
        `p2pchat: line not sent: it is longer than ${COMMAND_LINE_BYTES_MAX} bytes (${bytes})`,
      );
    for await (
      const line of readLines(Deno.stdin.readable, COMMAND_LINE_BYTES_MAX, { onTooLong })
    ) {
      if (line === "exit" || line === "/quit") return;
      if (line.trim() === "") continue;
      const notSent = (error: unknown) => stderr.line(`p2pchat: ${(error as Error).message}`);
      try {
        peer.send(line).catch(notSent);
      } catch (error) {
        notSent(error);
      }
    }
  })();
  await Promise.race([input, signalled, until]);
  await stop();
}

/**
 * Identity and, given a room's tag, that room's store from the data
 * directory, or nothing for an ephemeral peer.
 */
async function openDataDir(
  dataDir: string | undefined,
  { roomTag }: { roomTag?: Uint8Array } = {},
): Promise<{ identity?: Identity; store?: PeerStore; newIdentity?: boolean }> {
  if (dataDir === undefined) return {};
  let identity: Identity;
  // A key made just now has sent nothing: its first send need not wait for neighbours.
  const newIdentity = await Deno.lstat(`${dataDir}/${IDENTITY_KEY_FILE}`).then(
    () => false,
    () => true,
  );
  try {
    identity = (await loadOrCreateIdentity(dataDir)).identity;
  } catch (error) {
    throw new SetupError((error as Error).message);
  }
  if (roomTag === undefined) return { identity };
  // Loaded only with a data directory: --ephemeral peers need no SQLite.
  const { PeerStore } = await import("./lib/store/peer_store.ts");
  const store = await PeerStore.open(dataDir, roomTag, {
    onNotice: (text) => stderr.line(`p2pchat: ${text}`),
  });
  return { identity, store, newIdentity };
}

/** The room key from the flags (PBKDF2 for a passphrase), or nothing with --insecure. */
async function openRoom(
  command: {
    room: string;
    secret: string | undefined;
    keyFile: string | undefined;
    insecure: boolean;
  },
): Promise<RoomKey | undefined> {
  if (command.insecure) return undefined;
  try {
    return await resolveRoomKey(command.room, {
      ...(command.secret === undefined ? {} : { secret: command.secret }),
      ...(command.keyFile === undefined ? {} : { keyFile: command.keyFile }),
    });
  } catch (error) {
    throw new SetupError(
      `Cannot set up room ${JSON.stringify(command.room)}: ${(error as Error).message}`,
    );
  }
}

/** One line saying what kind of room this is. */
function roomNotice(name: string, room: RoomKey | undefined): string {
  if (room === undefined) {
    return `Insecure mode: no encryption, no signatures (room '${name}' is ignored).`;
  }
  if (room.isPublic) {
    return `Room '${name}' is public: anyone who knows its name can join and read it (use --secret or --key-file for a private room).`;
  }
  return `Room '${name}' is private: encrypted, and only peers with its ${
    room.source === "key-file" ? "key file" : "passphrase"
  } can join.`;
}

/** The flags others need to join the same room (never the secret itself). */
function roomFlags(
  command: {
    room: string;
    secret: string | undefined;
    keyFile: string | undefined;
    insecure: boolean;
  },
): string {
  if (command.insecure) return " --insecure";
  const room = command.room === DEFAULT_ROOM ? "" : ` --room ${command.room}`;
  if (command.keyFile !== undefined) return `${room} --key-file ${command.keyFile}`;
  if (command.secret !== undefined) return `${room} --secret '…'`;
  return room;
}

/** The room fields of a `ready` line. */
function roomFields(name: string, room: RoomKey | undefined): Record<string, unknown> {
  return { room: name, secure: room !== undefined, public: room?.isPublic ?? true };
}

/** The command that runs `subcommand` the way this process was started (for hints). */
function run(subcommand: string): string {
  let cwd = "";
  try {
    cwd = Deno.cwd();
  } catch {
    // No read permission: paths are printed in full.
  }
  return invocationOf(subcommand, {
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
    cwd,
    denoVersion: Deno.version.deno,
    path: envVar("PATH"),
    denoOnPath: denoOnPath(),
    initCwd: envVar("INIT_CWD"),
    userAgent: envVar("npm_config_user_agent"),
    npmEvent: envVar("npm_lifecycle_event"),
    parentArgs: parentArgs(),
  });
}

/** Throws the {@linkcode ListenError} listening on `listen` would, without keeping the socket. */
async function probeListen(listen: string): Promise<void> {
  if (parseListenAddress(listen).port === 0) return;
  // An advertised address skips the route lookup: only the bind matters here.
  const { listener } = await listenTcp(listen, { advertise: "127.0.0.1:1" });
  listener.close();
}

/** The parent process's command line, where the system shows it (Linux `/proc`). */
function parentArgs(): string[] | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${Deno.ppid}/cmdline`);
    return text.split("\0").filter((arg, i, all) => arg !== "" || i < all.length - 1);
  } catch {
    return undefined;
  }
}

/** Whether the `deno` that `$PATH` finds is this very executable (perhaps through a symlink). */
function denoOnPath(): boolean {
  try {
    const self = Deno.realPathSync(Deno.execPath());
    for (const dir of (envVar("PATH") ?? "").split(Deno.build.os === "windows" ? ";" : ":")) {
      if (dir === "") continue;
      const name = `${dir}/${Deno.build.os === "windows" ? "deno.exe" : "deno"}`;
      try {
        // The first one found is what the user's shell runs.
        return Deno.realPathSync(name) === self;
      } catch {
        // Not in this directory: look on.
      }
    }
  } catch {
    // No read permission or no such file: say nothing we cannot tell.
  }
  return false;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** Writes a new room key at `path`; an existing file only with `force`. */
async function writeRoomKey(path: string, force: boolean): Promise<void> {
  const existing = await Deno.lstat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile) {
    throw new SetupError(`Cannot write ${path}: it exists and is not a regular file`);
  }
  try {
    // Removed first, so that the new file is created owner-only whatever the old one's mode.
    if (force && existing !== undefined) await Deno.remove(path);
    await generateRoomKeyFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new SetupError(
        `Cannot write ${path}: the file exists (it may be a room's key in use); choose another path, or add --force to replace it`,
      );
    }
    const why = error instanceof Deno.errors.NotFound
      ? "no such directory"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : (error as Error).message;
    throw new SetupError(`Cannot write ${path}: ${why}`);
  }
}

/** Setting up failed for a reason the user can fix; its message says what. */
class SetupError extends Error {
  override name = "SetupError";
}

function logTo(level: "warn" | "info" | "debug", role: string): (event: PeerEvent) => void {
  return (event) => {
    if (event.type === "fatal") {
      stderr.line(`p2pchat: ${sanitizeForTerminal(event.text)}`);
    } else if (event.type === "log" && LOG_RANK[event.level] >= LOG_RANK[level]) {
      // Log text can carry what a remote peer sent (a bye reason, say).
      stderr.line(`[${role}] ${event.level}: ${sanitizeForTerminal(event.text)}`);
    } else if (event.type === "direct-message") {
      stdout.line(
        `${sanitizeForTerminal(event.nick)} (private): ${sanitizeForTerminal(event.text)}`,
      );
    } else if (event.type === "deliver" && role === "peer") {
      const line = plainDeliveryLine(event.message);
      if (line !== undefined) stdout.line(line);
    }
  };
}

async function isListening(addr: string): Promise<boolean> {
  const { hostname, port } = parseAddress(addr);
  try {
    const conn = await withDeadline(
      Deno.connect({ hostname, port }),
      1_000,
      (late) => late.close(),
    );
    conn.close();
    return true;
  } catch {
    return false;
  }
}

function onSignals(handler: () => void): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, handler);
    } catch {
      // Not supported on this platform (SIGTERM on Windows).
    }
  }
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function fail(message: string): number {
  stderr.line(`p2pchat: ${message}`);
  return 2;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  await stdout.flush();
  await stderr.flush();
  Deno.exit(code);
}
