/**
 * End to end: every subcommand answers `--help` and `help COMMAND`; user
 * errors exit 2 with one line on stderr and create nothing on disk; `id`
 * never creates an identity it was not asked to; `room-key` refuses an
 * existing file clearly and replaces it only with `--force`.
 */

import assert from "node:assert/strict";
import { HELP } from "../../lib/cli/parse_cli.ts";
import { ChildProcess, MAIN_PERMISSIONS, type RunResult } from "../_helpers/process.ts";

/** Where this process's deno keeps its cache: children given another HOME still use it. */
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("HOME") ?? "/root"}/.cache/deno`;

/**
 * What `deno task` and npx put in the environment, emptied: this suite may run
 * under either, and the hints must then read as for `deno run … main.ts`.
 */
const NOT_UNDER_A_TASK = { INIT_CWD: "", npm_config_user_agent: "", npm_lifecycle_event: "" };

/** Runs `main.ts <args>` to completion with extra environment variables. */
async function run(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const child = new ChildProcess(["run", ...MAIN_PERMISSIONS, "main.ts", ...args], {
    name: `main.ts ${args.join(" ")}`,
    env: { DENO_DIR, ...NOT_UNDER_A_TASK, ...env },
    quitLine: null,
  });
  await child.close();
  const status = await child.status;
  return {
    code: status.code,
    stdout: child.lines.map((l) => l.text + "\n").join(""),
    stderr: child.stderr,
    process: child,
  };
}

/** Asserts exit code 2, nothing on stdout and one `p2pchat:` line on stderr; returns it. */
function oneLineFailure(result: RunResult): string {
  const context = result.process.context();
  assert.equal(result.code, 2, context);
  assert.equal(result.stdout, "", context);
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, context);
  assert.match(lines[0]!, /^p2pchat: \S/, context);
  assert.ok(!/\bat .*:\d+:\d+/.test(result.stderr), `no stack trace: ${context}`);
  return lines[0]!;
}

/** Every entry under `dir`, recursively, as relative paths. */
async function tree(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    found.push(entry.name);
    if (entry.isDirectory) {
      for (const inner of await tree(`${dir}/${entry.name}`)) found.push(`${entry.name}/${inner}`);
    }
  }
  return found.sort();
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "p2pchat-cli-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const TOPICS = ["peer", "bootstrap", "id", "room-key", "help", "version"] as const;

for (const topic of TOPICS) {
  Deno.test(`main.ts help ${topic} and main.ts ${topic} --help print its help and exit 0`, async () => {
    const asFlag = topic === "help" ? ["help", "--help"] : [topic, "--help"];
    for (const args of [["help", topic], asFlag]) {
      const result = await run(args);
      const context = result.process.context();
      assert.equal(result.code, 0, context);
      assert.equal(result.stdout, `${HELP[topic]}\n`, context);
      assert.equal(result.stderr, "", context);
    }
  });
}

Deno.test("main.ts id with bad flags exits 2 with one line and writes nothing", async () => {
  await withTempDir(async (home) => {
    const cases: [string[], RegExp][] = [
      [["id", "--bogus"], /Unknown option '--bogus'/],
      [["id", "--nick", ""], /Invalid --nick/],
      [["id", "--nick", "a", "--data-dir", `${home}/d`], /Cannot combine --nick with --data-dir/],
      [["id", "stray"], /'stray'/],
    ];
    for (const [args, says] of cases) {
      assert.match(oneLineFailure(await run(args, { HOME: home })), says);
    }
    assert.deepEqual(await tree(home), [], "nothing written");
  });
});

Deno.test("main.ts id does not create an identity unless given --create", async () => {
  await withTempDir(async (home) => {
    const line = oneLineFailure(await run(["id", "--nick", "nobody"], { HOME: home }));
    assert.equal(
      line,
      `p2pchat: No identity in ${home}/.p2pchat/nobody: a peer creates one on its first run (or add --create)`,
    );
    assert.deepEqual(await tree(home), [], "no directory for nobody");

    const created = await run(["id", "--nick", "nobody", "--create"], { HOME: home });
    assert.equal(created.code, 0, created.process.context());
    assert.match(created.stdout, /^[0-9a-f]{64}\n$/);
    // Asked again, the same id, and nothing new.
    const again = await run(["id", "--nick", "nobody"], { HOME: home });
    assert.equal(again.stdout, created.stdout, again.process.context());
  });
});

Deno.test("main.ts room-key refuses an existing file, names it, and replaces it only with --force", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/room.key`;
    const first = await run(["room-key", path]);
    assert.equal(first.code, 0, first.process.context());
    const key = await Deno.readTextFile(path);
    assert.match(key, /^[0-9a-f]{64}\n?$/);

    const line = oneLineFailure(await run(["room-key", path]));
    assert.equal(
      line,
      `p2pchat: Cannot write ${path}: the file exists (it may be a room's key in use); choose another path, or add --force to replace it`,
    );
    assert.equal(await Deno.readTextFile(path), key, "the key is untouched");

    await Deno.chmod(path, 0o644);
    const forced = await run(["room-key", "--force", path]);
    assert.equal(forced.code, 0, forced.process.context());
    assert.notEqual(await Deno.readTextFile(path), key, "a new key");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600, "owner-only again");

    assert.match(
      oneLineFailure(await run(["room-key", "--force", dir])),
      /^p2pchat: Cannot write .*: it exists and is not a regular file$/,
    );
    assert.match(
      oneLineFailure(await run(["room-key", `${dir}/missing/room.key`])),
      /: no such directory$/,
    );
    assert.deepEqual(await tree(dir), ["room.key"]);
  });
});

Deno.test("main.ts room-key prints the join command the way it was run", async () => {
  await withTempDir(async (dir) => {
    const result = await run(["room-key", `${dir}/k`]);
    assert.equal(result.code, 0, result.process.context());
    // Run here as `deno run … main.ts` from the repository root (no task).
    assert.match(
      result.stderr,
      new RegExp(
        `who join with: {2}(deno|npx -y deno@[0-9.]+|/\\S*deno) run -A main\\.ts peer --room NAME --key-file ${dir}/k\n`,
      ),
    );
    assert.ok(!result.stderr.includes("deno task"), result.stderr);
  });
});

Deno.test("main.ts peer with a negative number names the value and what is wrong", async () => {
  const line = oneLineFailure(await run(["peer", "--ephemeral", "--max-connections", "-3"]));
  assert.equal(
    line,
    "p2pchat: Invalid --max-connections '-3': a negative number; expected an integer from 1 to 1024",
  );
});

Deno.test("main.ts peer --listen on the default bootstrap port without --bootstrap names the real conflict", async () => {
  const line = oneLineFailure(await run(["peer", "--ephemeral", "--listen", "127.0.0.1:7411"]));
  assert.equal(
    line,
    "p2pchat: Invalid --listen '127.0.0.1:7411': port 7411 is the default bootstrap's, which a peer without --bootstrap uses or serves; choose another port",
  );
});

Deno.test("main.ts peer on a port in use fails before creating its data directory", async () => {
  await withTempDir(async (home) => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = listener.addr.port;
      const args = [
        "peer",
        "--nick",
        "busy",
        "--listen",
        `127.0.0.1:${port}`,
        "--bootstrap",
        "127.0.0.1:9",
      ];
      const line = oneLineFailure(await run(args, { HOME: home }));
      assert.equal(line, `p2pchat: Cannot listen on 127.0.0.1:${port}: address in use`);
      assert.deepEqual(await tree(home), [], "no ~/.p2pchat/busy");
    } finally {
      listener.close();
    }
  });
});
