import assert from "node:assert/strict";
import { ChildProcess, WAIT_MS } from "../_helpers/process.ts";

const SIM = "scripts/sim.ts";
const SIM_VIEW = "scripts/sim_view.ts";

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-net", ...args],
    cwd: new URL("../../", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("deno task sim:view prints a URL that serves the page and timeline with its token, 401 without", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/run.jsonl.gz`;
  const sim = await run([
    SIM,
    "--scenario",
    "chaos",
    "--nodes",
    "10",
    "--seed",
    "2",
    "--trace",
    file,
  ]);
  assert.equal(sim.code, 0, sim.stderr);
  const view = new ChildProcess(["run", "--allow-read", "--allow-net", SIM_VIEW, file], {
    quitLine: null,
  });
  try {
    const line = await view.waitForLine((l) => l.text.startsWith("http://"), WAIT_MS, "the URL");
    const url = new URL(line.text);
    assert.deepStrictEqual(url.hostname, "127.0.0.1");
    assert.match(url.searchParams.get("token") ?? "", /^[A-Za-z0-9_-]{43}$/);
    const page = await fetch(url);
    assert.deepStrictEqual(page.status, 200);
    assert.match(await page.text(), /replay\.js/);
    const token = url.searchParams.get("token")!;
    const timeline = await fetch(new URL("/timeline.json", url), {
      headers: { "x-p2pchat-token": token },
    });
    assert.deepStrictEqual(timeline.status, 200);
    const body = await timeline.json();
    assert.deepStrictEqual([body.scenario, body.initialNodes, body.seed], ["chaos", 10, 2]);
    assert(body.pubs.length > 0 && body.ops.length > 0);
    const bare = await fetch(new URL("/timeline.json", url));
    assert.deepStrictEqual(bare.status, 401);
    await bare.body?.cancel();
    const page2 = await fetch(new URL("/", url));
    assert.deepStrictEqual(page2.status, 401);
    await page2.body?.cancel();
  } finally {
    await view.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task sim:view refuses a missing or foreign file, bad arguments, with one line and exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.jsonl`, '{"format":"something/2"}\n');
    const cases: [string[], RegExp][] = [
      [[`${dir}/missing.jsonl`], /^sim:view: cannot read trace .*missing\.jsonl: no such file\n$/],
      [
        [`${dir}/bad.jsonl`],
        /^sim:view: cannot read trace .*: Trace line 1: format "something\/2"/,
      ],
      [[], /^sim:view: expected one trace FILE/],
      [[`${dir}/bad.jsonl`, "--listen", "nonsense"], /^sim:view: invalid --listen/],
      [[`${dir}/bad.jsonl`, "--listen", "0.0.0.0:0"], /not a loopback address; add --public/],
      [["--bogus"], /^sim:view: .*bogus.* \(see --help\)\n$/],
    ];
    for (const [args, message] of cases) {
      const result = await run([SIM_VIEW, ...args]);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.deepStrictEqual(result.stderr.trim().split("\n").length, 1, result.stderr);
    }
    const help = await run([SIM_VIEW, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: deno task sim:view FILE/);
    assert.match(help.stdout, /--listen HOST:PORT/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
