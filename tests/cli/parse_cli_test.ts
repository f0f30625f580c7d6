import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type BootstrapCommand,
  DEFAULT_BOOTSTRAP,
  HELP,
  parseCli,
  type PeerCommand,
  UsageError,
  VERSION,
} from "../../lib/cli/parse_cli.ts";
import { nickProblem } from "../../lib/wire/fields.ts";

const HOME = "/home/test";

function peer(argv: string[], env: { user?: string } = {}): PeerCommand {
  const command = parseCli(["peer", ...argv], { home: HOME, ...env });
  assert.equal(command.command, "peer");
  return command as PeerCommand;
}

function bootstrap(argv: string[]): BootstrapCommand {
  const command = parseCli(["bootstrap", ...argv]);
  assert.equal(command.command, "bootstrap");
  return command as BootstrapCommand;
}

/** Asserts `parseCli(argv)` throws a one-line UsageError matching `pattern`; returns the message. */
function usageError(argv: string[], pattern: RegExp): string {
  let message = "";
  assert.throws(() => parseCli(argv, { home: HOME }), (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${error}`);
    message = error.message;
    return true;
  });
  assert.equal(message.includes("\n"), false, `one line: ${JSON.stringify(message)}`);
  assert.match(message, /^[A-Z]/, "sentence case");
  assert.match(message, pattern);
  return message;
}

Deno.test("parseCli() gives a peer its defaults", () => {
  assert.deepEqual(peer([]), {
    command: "peer",
    listen: "127.0.0.1:0",
    advertise: undefined,
    json: false,
    logLevel: "warn",
    room: "lobby",
    secret: undefined,
    keyFile: undefined,
    insecure: false,
    bootstraps: [],
    joins: [],
    dataDir: `${HOME}/.p2pchat/anon`,
    nick: "anon",
    connectionsMax: 12,
    gossipIntervalMs: 500,
    heartbeatTimeoutMs: 5_000,
    reachability: "auto",
    relays: [],
    punch: true,
  });
});

Deno.test("parseCli() gives a bootstrap its defaults", () => {
  assert.deepEqual(bootstrap([]), {
    command: "bootstrap",
    listen: DEFAULT_BOOTSTRAP,
    advertise: undefined,
    json: false,
    logLevel: "warn",
    room: "lobby",
    secret: undefined,
    keyFile: undefined,
    insecure: false,
    sample: 2,
  });
  assert.equal(DEFAULT_BOOTSTRAP, "127.0.0.1:7411");
});

Deno.test("parseCli() reads every peer flag", () => {
  assert.deepEqual(
    peer([
      "--bootstrap",
      "10.0.0.1:7411",
      "--bootstrap=example.org:7000",
      "--bootstrap",
      "[::1]:7411",
      "--listen",
      "0.0.0.0:9000",
      "--advertise",
      "chat.example.org:9000",
      "--nick",
      "Zoë",
      "--json",
      "--max-connections",
      "3",
      "--gossip-interval=250",
      "--heartbeat-timeout",
      "900",
      "--join",
      "10.0.0.2:9000",
      "--data-dir",
      "/var/lib/p2pchat",
      "-v",
      "--reachability",
      "private",
      "--relay-via",
      "203.0.113.5:7411",
      "--relay",
      "--relay-links=8",
      "--no-punch",
    ]),
    {
      command: "peer",
      listen: "0.0.0.0:9000",
      advertise: "chat.example.org:9000",
      json: true,
      logLevel: "info",
      room: "lobby",
      secret: undefined,
      keyFile: undefined,
      insecure: false,
      bootstraps: ["10.0.0.1:7411", "example.org:7000", "[::1]:7411"],
      joins: ["10.0.0.2:9000"],
      dataDir: "/var/lib/p2pchat",
      nick: "Zoë",
      connectionsMax: 3,
      gossipIntervalMs: 250,
      heartbeatTimeoutMs: 900,
      reachability: "private",
      relays: ["203.0.113.5:7411"],
      punch: false,
      relay: {
        reservationsMax: 32,
        linksMax: 8,
        linkBytesPerSecondMax: 131_072,
        linkBytesMax: 64 * 1_048_576,
        linkDurationMsMax: 3_600_000,
        linkIdleMs: 60_000,
      },
    },
  );
});

Deno.test("parseCli() reads the --relay limits of a bootstrap and refuses them without --relay", () => {
  assert.deepEqual(
    bootstrap([
      "--relay",
      "--relay-reservations",
      "4",
      "--relay-rate=4096",
      "--relay-link-mib",
      "2",
      "--relay-link-minutes",
      "5",
      "--relay-idle-seconds",
      "0",
    ]).relay,
    {
      reservationsMax: 4,
      linksMax: 64,
      linkBytesPerSecondMax: 4096,
      linkBytesMax: 2 * 1_048_576,
      linkDurationMsMax: 300_000,
      linkIdleMs: 0,
    },
  );
  assert.equal(bootstrap([]).relay, undefined);
  assert.throws(
    () => bootstrap(["--relay-links", "3"]),
    (e) => e instanceof UsageError && e.message === "Invalid --relay-links: it needs --relay",
  );
  assert.throws(() => bootstrap(["--relay", "--relay-rate", "10"]), UsageError);
  assert.throws(
    () => bootstrap(["--relay-idle-seconds", "5"]),
    (e) =>
      e instanceof UsageError && e.message === "Invalid --relay-idle-seconds: it needs --relay",
  );
  assert.throws(
    () => peer(["--reachability", "maybe"]),
    (e) =>
      e instanceof UsageError &&
      e.message === "Invalid --reachability 'maybe': expected auto, public or private",
  );
  assert.throws(() => peer(["--relay-via", "nowhere"]), /Invalid --relay-via/);
});

Deno.test("parseCli() reads every bootstrap flag", () => {
  assert.deepEqual(
    bootstrap([
      "--listen",
      "[::]:7411",
      "--advertise",
      "203.0.113.5:7411",
      "--sample",
      "5",
      "--json",
      "--verbose",
      "--verbose",
      "--room",
      "team",
      "--key-file",
      "/etc/team.key",
    ]),
    {
      command: "bootstrap",
      listen: "[::]:7411",
      advertise: "203.0.113.5:7411",
      json: true,
      logLevel: "debug",
      room: "team",
      secret: undefined,
      keyFile: "/etc/team.key",
      insecure: false,
      sample: 5,
    },
  );
});

Deno.test("parseCli() maps -v once to info and twice (or more) to debug", () => {
  assert.equal(peer([]).logLevel, "warn");
  assert.equal(peer(["-v"]).logLevel, "info");
  assert.equal(peer(["--verbose"]).logLevel, "info");
  assert.equal(peer(["-v", "-v"]).logLevel, "debug");
  assert.equal(peer(["-vv"]).logLevel, "debug");
  assert.equal(peer(["-vvv"]).logLevel, "debug");
});

Deno.test("parseCli() takes the nick from $USER when it is a valid nick, else 'anon'", () => {
  assert.equal(peer([], { user: "alice" }).nick, "alice");
  assert.equal(peer(["--nick", "bob"], { user: "alice" }).nick, "bob");
  assert.equal(peer([], {}).nick, "anon");
  assert.equal(peer([], { user: "" }).nick, "anon");
  assert.equal(peer([], { user: "x".repeat(33) }).nick, "anon");
  assert.equal(peer([], { user: "bad\nuser" }).nick, "anon");
});

Deno.test("parseCli() accepts integer flags at both ends of their range", () => {
  assert.equal(peer(["--max-connections", "1"]).connectionsMax, 1);
  assert.equal(peer(["--max-connections", "1024"]).connectionsMax, 1024);
  assert.equal(peer(["--gossip-interval", "10"]).gossipIntervalMs, 10);
  assert.equal(peer(["--gossip-interval", "3600000"]).gossipIntervalMs, 3_600_000);
  assert.equal(peer(["--heartbeat-timeout", "100"]).heartbeatTimeoutMs, 100);
  assert.equal(peer(["--heartbeat-timeout", "3600000"]).heartbeatTimeoutMs, 3_600_000);
  assert.equal(bootstrap(["--sample", "1"]).sample, 1);
  assert.equal(bootstrap(["--sample", "256"]).sample, 256);
});

Deno.test("parseCli() rejects integer flags outside their range or not integers", () => {
  const cases: [string, string, string][] = [
    ["--max-connections", "0", "1 to 1024"],
    ["--max-connections", "1025", "1 to 1024"],
    ["--gossip-interval", "9", "10 to 3600000"],
    ["--gossip-interval", "3600001", "10 to 3600000"],
    ["--heartbeat-timeout", "99", "100 to 3600000"],
    ["--heartbeat-timeout", "3600001", "100 to 3600000"],
  ];
  for (const [flag, value, range] of cases) {
    assert.equal(
      usageError(["peer", flag, value], /./),
      `Invalid ${flag} '${value}': expected an integer from ${range}`,
    );
  }
  for (const value of ["", "1.5", "1e3", "0x10", " 5", "5 ", "+5", "many", "9007199254740993"]) {
    usageError(["peer", `--max-connections=${value}`], /^Invalid --max-connections '/);
  }
  assert.equal(
    usageError(["bootstrap", "--sample", "257"], /./),
    "Invalid --sample '257': expected an integer from 1 to 256",
  );
});

Deno.test("parseCli() answers help and version", () => {
  for (const argv of [[], ["help"], ["-h"], ["--help"]]) {
    assert.deepEqual(parseCli(argv), { command: "help", topic: "main" });
  }
  assert.deepEqual(parseCli(["help", "peer"]), { command: "help", topic: "peer" });
  assert.deepEqual(parseCli(["help", "bootstrap"]), { command: "help", topic: "bootstrap" });
  assert.deepEqual(parseCli(["peer", "--help"]), { command: "help", topic: "peer" });
  assert.deepEqual(parseCli(["peer", "--json", "-h"]), { command: "help", topic: "peer" });
  assert.deepEqual(parseCli(["bootstrap", "-h"]), { command: "help", topic: "bootstrap" });
  assert.deepEqual(parseCli(["--version"]), { command: "version", topic: "main" });
  assert.deepEqual(parseCli(["version"]), { command: "version", topic: "main" });
  assert.match(VERSION, /^\d+\.\d+\.\d+$/);
});

Deno.test("parseCli() help texts mention every flag the parser takes", () => {
  for (
    const flag of [
      "--bootstrap",
      "--listen",
      "--advertise",
      "--nick",
      "--json",
      "--max-connections",
      "--gossip-interval",
      "--heartbeat-timeout",
      "--verbose",
      "--help",
    ]
  ) {
    assert.ok(HELP.peer.includes(flag), `peer help lacks ${flag}`);
  }
  for (const flag of ["--listen", "--advertise", "--sample", "--json", "--verbose", "--help"]) {
    assert.ok(HELP.bootstrap.includes(flag), `bootstrap help lacks ${flag}`);
  }
  assert.ok(HELP.bootstrap.includes(DEFAULT_BOOTSTRAP));
});

Deno.test("parseCli() accepts listen addresses with port 0 and IPv6", () => {
  assert.equal(peer(["--listen", "127.0.0.1:0"]).listen, "127.0.0.1:0");
  assert.equal(peer(["--listen", "[::1]:0"]).listen, "[::1]:0");
  assert.equal(peer(["--listen", "localhost:7000"]).listen, "localhost:7000");
  assert.equal(bootstrap(["--listen", "0.0.0.0:0"]).listen, "0.0.0.0:0");
});

Deno.test("parseCli() gives a one-line UsageError for every kind of bad command line", () => {
  usageError(
    ["frobnicate"],
    /^Unknown command 'frobnicate': expected peer, bootstrap, id, room-key, help, version/,
  );
  usageError(["--bogus"], /^Unknown command '--bogus'/);
  usageError(
    ["help", "me"],
    /^Unknown help topic 'me': expected peer, bootstrap, id, room-key, help, version$/,
  );
  usageError(["peer", "--bogus"], /^Unknown option '--bogus' \(see --help\)$/);
  usageError(["peer", "-x"], /^Unknown option '-x' \(see --help\)$/);
  usageError(["bootstrap", "--bootstrap", "a:1"], /^Unknown option '--bootstrap'/);
  usageError(["bootstrap", "--nick", "x"], /^Unknown option '--nick'/);
  usageError(["peer", "--sample", "2"], /^Unknown option '--sample'/);
  usageError(["peer", "stray"], /'stray'.*\(see --help\)$/);
  usageError(["peer", "--nick"], /--nick.*\(see --help\)$/);
  usageError(["peer", "--listen"], /--listen.*\(see --help\)$/);
  usageError(["peer", "--json=yes"], /--json.*\(see --help\)$/);
  usageError(
    ["peer", "--gossip-interval", "-5"],
    /^Invalid --gossip-interval '-5': a negative number; expected an integer from 10 to 3600000$/,
  );
  usageError(["peer", "--listen", "nowhere"], /^Invalid --listen: Invalid address 'nowhere'/);
  usageError(["peer", "--listen", "1.2.3:4"], /^Invalid --listen: /);
  usageError(["peer", "--listen", "::1:0"], /^Invalid --listen: /);
  usageError(["bootstrap", "--listen", "127.0.0.1:65536"], /^Invalid --listen: /);
  usageError(["peer", "--bootstrap", "127.0.0.1:0"], /^Invalid --bootstrap: /);
  usageError(["peer", "--bootstrap", "host"], /^Invalid --bootstrap: .*expected HOST:PORT/);
  usageError(["peer", "--bootstrap", "a:1", "--bootstrap", "b"], /^Invalid --bootstrap: /);
  usageError(["peer", "--advertise", "[::1]"], /^Invalid --advertise: /);
  usageError(["bootstrap", "--advertise", "x:0"], /^Invalid --advertise: /);
  usageError(["peer", "--nick", ""], /^Invalid --nick: a nick needs at least one character$/);
  usageError(["peer", "--nick", "a\u001bb"], /^Invalid --nick: a nick cannot contain control/);
  usageError(["peer", "--nick", "€".repeat(11)], /^Invalid --nick: .* is 33 bytes, limit 32$/);
  // Control characters in the offending text are escaped, not printed.
  usageError(["peer", "--listen", "a\nb:1"], /^Invalid --listen: /);
  usageError(["peer", "--bootstrap", "a\nb:1"], /^Invalid --bootstrap: /);
});

Deno.test({
  name: "parseCli() escapes control characters it quotes from the command line",

  fn() {
    usageError(["frob\nnicate"], /^Unknown command /);
    usageError(["help", "x\ny"], /^Unknown help topic /);
    usageError(["peer", "--max-connections", "1\n2"], /^Invalid --max-connections /);
    usageError(["peer", "--nick", "ab\n".repeat(15)], /^Invalid --nick: /);
    usageError(["\u001b[2Jfrob"], /^Unknown command /);
    for (const argv of [["\u001b[2Jfrob"], ["peer", "--nick", "\u001b]0;x\u0007".repeat(9)]]) {
      assert.throws(() => parseCli(argv), (e: Error) => !e.message.includes("\u001b"));
    }
  },
});

Deno.test("parseCli() never throws anything but a one-line UsageError (random argv)", () => {
  const word = fc.oneof(
    fc.constantFrom(
      "peer",
      "bootstrap",
      "help",
      "--bootstrap",
      "--listen",
      "--advertise",
      "--nick",
      "--json",
      "--max-connections",
      "--gossip-interval",
      "--heartbeat-timeout",
      "--sample",
      "-v",
      "-h",
      "127.0.0.1:0",
      "127.0.0.1:7411",
      "0",
      "8",
    ),
    // Printable text: the one-line property holds for it (see the ignored test above for newlines).
    fc.string({ unit: "grapheme-ascii", maxLength: 12 }),
  );
  fc.assert(
    fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
      try {
        parseCli(argv);
      } catch (error) {
        assert.ok(error instanceof UsageError, `${JSON.stringify(argv)} threw ${error}`);
        assert.ok(!error.message.includes("\n"), `${JSON.stringify(argv)}: ${error.message}`);
      }
    }),
    { numRuns: 2_000 },
  );
});

Deno.test("nickProblem() accepts nicks of 1 to 32 UTF-8 bytes without control characters", () => {
  for (
    const nick of ["a", "ann", "Zoë", "名前", "🦕", "with space", "x".repeat(32), "€".repeat(10)]
  ) {
    assert.equal(nickProblem(nick), undefined, nick);
  }
});

Deno.test("nickProblem() explains what is wrong, in one line", () => {
  assert.equal(nickProblem(""), "a nick needs at least one character");
  assert.equal(nickProblem("x".repeat(33)), `'${"x".repeat(33)}' is 33 bytes, limit 32`);
  assert.equal(nickProblem("🦕".repeat(9)), `'${"🦕".repeat(9)}' is 36 bytes, limit 32`);
  const long = nickProblem("y".repeat(1_000))!;
  assert.ok(long.length < 100, `a long nick is cut in the message: ${long}`);
  assert.match(long, /is 1000 bytes, limit 32$/);
  for (const control of ["\u0000", "\t", "\n", "\r", "\u001b", "\u007f", "\u0085", "\u009b"]) {
    assert.equal(
      nickProblem(`a${control}b`),
      "a nick cannot contain control characters",
      JSON.stringify(control),
    );
  }
});

Deno.test("nickProblem() accepts exactly the nicks parseCli() accepts", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 40 }), (nick) => {
      const problem = nickProblem(nick);
      let accepted = true;
      try {
        parseCli(["peer", "--nick", nick], { home: HOME });
      } catch {
        accepted = false;
      }
      assert.equal(accepted, problem === undefined);
      if (problem === undefined) {
        const bytes = new TextEncoder().encode(nick).length;
        assert.ok(bytes >= 1 && bytes <= 32);
        // deno-lint-ignore no-control-regex
        assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(nick));
      }
    }),
    { numRuns: 1_000 },
  );
});

Deno.test("parseCli() reads --join, --data-dir and --ephemeral, and keeps one data directory per nick", () => {
  const command = peer(["--join", "10.0.0.1:9000", "--join", "[::1]:9001", "--nick", "Zoë ann"]);
  assert.deepEqual(command.joins, ["10.0.0.1:9000", "[::1]:9001"]);
  assert.equal(command.dataDir, `${HOME}/.p2pchat/Zo__ann`);
  assert.equal(peer(["--data-dir", "/tmp/x"]).dataDir, "/tmp/x");
  assert.equal(peer(["--ephemeral"]).dataDir, undefined);
  usageError(
    ["peer", "--ephemeral", "--data-dir", "/tmp/x"],
    /^Cannot combine --data-dir with --ephemeral/,
  );
  usageError(["peer", "--join", "nowhere"], /^Invalid --join: /);
  assert.throws(() => parseCli(["peer"], {}), /give --data-dir DIR or --ephemeral/);
});

Deno.test("parseCli() reads the room flags: secret from a flag or P2PCHAT_SECRET, one key source, none when insecure", () => {
  assert.equal(peer(["--room", "ops", "--secret", "hunter22"]).secret, "hunter22");
  assert.equal(
    (parseCli(["peer", "--room", "ops"], { home: HOME, secret: "from env" }) as PeerCommand).secret,
    "from env",
  );
  assert.equal(peer(["--insecure"]).insecure, true);
  usageError(
    ["peer", "--secret", "a", "--key-file", "k"],
    /^Cannot combine --secret with --key-file/,
  );
  usageError(
    ["peer", "--insecure", "--secret", "a"],
    /^Cannot combine --insecure with a room secret/,
  );
  usageError(["peer", "--secret", ""], /^Invalid --secret: empty passphrase/);
  usageError(["peer", "--room", ""], /^Invalid --room: /);
  usageError(["peer", "--room", "x".repeat(65)], /^Invalid --room: /);
});

Deno.test("parseCli() reads the id and room-key commands", () => {
  assert.deepEqual(parseCli(["id", "--nick", "ann"], { home: HOME }), {
    command: "id",
    dataDir: `${HOME}/.p2pchat/ann`,
    create: false,
  });
  assert.deepEqual(parseCli(["id", "--data-dir", "/d", "--create"], { home: HOME }), {
    command: "id",
    dataDir: "/d",
    create: true,
  });
  assert.deepEqual(parseCli(["room-key", "/tmp/k"], {}), {
    command: "room-key",
    path: "/tmp/k",
    force: false,
  });
  assert.deepEqual(parseCli(["room-key", "--force", "/tmp/k"], {}), {
    command: "room-key",
    path: "/tmp/k",
    force: true,
  });
  usageError(["room-key"], /^Missing PATH: usage: main.ts room-key \[--force\] PATH$/);
  usageError(["room-key", "a", "b"], /^Too many arguments: room-key takes one PATH, got 2/);
  usageError(["room-key", "--bogus", "k"], /^Unknown option '--bogus' \(see --help\)$/);
  usageError(["id", "--bogus"], /^Unknown option '--bogus' \(see --help\)$/);
  usageError(["id", "stray"], /'stray'.*\(see --help\)$/);
  usageError(["id", "--nick", "a", "--data-dir", "/d"], /^Cannot combine --nick with --data-dir/);
});

Deno.test("parseCli() answers --help and help COMMAND for every subcommand", () => {
  for (const topic of ["peer", "bootstrap", "id", "room-key", "help", "version"] as const) {
    assert.deepEqual(parseCli(["help", topic]), { command: "help", topic });
    assert.ok(HELP[topic].startsWith("Usage: "), `${topic} help starts with its usage`);
    assert.ok(HELP.main.includes(topic), `the overview names ${topic}`);
  }
  for (const command of ["peer", "bootstrap", "id", "room-key", "version"]) {
    for (const flag of ["--help", "-h"]) {
      assert.deepEqual(parseCli([command, flag], { home: HOME }), {
        command: "help",
        topic: command,
      });
    }
  }
  // Help wins over what else is wrong: a user asking for help gets it.
  assert.deepEqual(parseCli(["room-key", "--help", "a", "b"]), {
    command: "help",
    topic: "room-key",
  });
  assert.deepEqual(parseCli(["help", "--help"]), { command: "help", topic: "help" });
  assert.deepEqual(parseCli(["help", "-h"]), { command: "help", topic: "help" });
  usageError(["help", "peer", "extra"], /^Unexpected argument 'extra'/);
  assert.ok(HELP.id.includes("--create"));
  assert.ok(HELP["room-key"].includes("--force"));
});

Deno.test("parseCli() refuses a peer listening on the default bootstrap port unless it names a bootstrap", () => {
  for (const listen of ["127.0.0.1:7411", "0.0.0.0:7411", "[::1]:7411"]) {
    usageError(
      ["peer", "--listen", listen],
      /^Invalid --listen '.*': port 7411 is the default bootstrap's, .*; choose another port$/,
    );
    assert.equal(peer(["--listen", listen, "--bootstrap", "10.0.0.1:7411"]).listen, listen);
  }
  assert.equal(peer(["--listen", "127.0.0.1:7412"]).listen, "127.0.0.1:7412");
});

Deno.test("parseCli() says what is wrong with a numeric value, negative ones included", () => {
  const cases: [string[], string][] = [
    [["peer", "--max-connections", "-1"], "Invalid --max-connections '-1': a negative number;"],
    [["peer", "--max-connections=-1"], "Invalid --max-connections '-1': a negative number;"],
    [["peer", "--heartbeat-timeout", "-0.5"], "Invalid --heartbeat-timeout '-0.5': not a whole"],
    [["peer", "--heartbeat-timeout", "2.5"], "Invalid --heartbeat-timeout '2.5': not a whole"],
    [["bootstrap", "--sample", "-3"], "Invalid --sample '-3': a negative number;"],
    [["bootstrap", "--sample", "lots"], "Invalid --sample 'lots': not a number;"],
  ];
  for (const [argv, start] of cases) {
    const message = usageError(argv, /expected an integer from \d+ to \d+$/);
    assert.ok(message.startsWith(start), `${argv.join(" ")}: ${message}`);
    assert.ok(!message.includes("ambiguous"), message);
  }
  // A dash and a digit after a flag that takes no value is still an unknown option.
  usageError(["peer", "--json", "-5"], /^Unknown option '-5'/);
});

Deno.test("parseCli() --metrics: loopback by default, a bare port, public only when asked", () => {
  assert.equal(peer([]).metrics, undefined);
  assert.equal(peer(["--metrics", "127.0.0.1:9464"]).metrics, "127.0.0.1:9464");
  assert.equal(peer(["--metrics", "9464"]).metrics, "127.0.0.1:9464");
  assert.equal(bootstrap(["--metrics", "localhost:0"]).metrics, "localhost:0");
  assert.equal(
    peer(["--metrics", "0.0.0.0:9464", "--metrics-public"]).metrics,
    "0.0.0.0:9464",
  );
  usageError(["peer", "--metrics", "0.0.0.0:9464"], /not a loopback address.*--metrics-public/);
  usageError(["bootstrap", "--metrics", "10.0.0.1:9464"], /--metrics-public/);
  usageError(["peer", "--metrics-public"], /needs --metrics/);
  usageError(["peer", "--metrics", "nonsense"], /Invalid --metrics/);
});
