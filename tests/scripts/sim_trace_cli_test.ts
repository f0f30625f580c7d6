import assert from "node:assert/strict";
import { openTrace, type TraceEvent } from "../../testing/sim/trace_reader.ts";

const SIM = new URL("../../scripts/sim.ts", import.meta.url).pathname;

async function sim(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", SIM, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("deno task sim --trace FILE.gz writes a trace that reads back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/run.jsonl.gz`;
    const run = await sim(["--scenario", "steady", "--nodes", "5", "--seed", "7", "--trace", file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /sim: trace .*run\.jsonl\.gz: \d+ lines, \d+ bytes/);
    assert.match(run.stdout, /scenario steady: 5 nodes, seed 7/);
    const { header, events } = await openTrace(file);
    assert.deepEqual([header.scenario, header.nodes, header.seed], ["steady", 5, 7]);
    const all: TraceEvent[] = [];
    for await (const e of events) all.push(e);
    assert.equal(all.filter((e) => e.kind === "node" && e.role === "peer").length, 5);
    assert.equal(all.filter((e) => e.kind === "pub").length, 10);
    assert.equal(all.filter((e) => e.kind === "deliver").length, 10 * 4);
    assert.equal(all.at(-1)?.kind, "end");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task sim refuses --trace with --soak, --trace-digest or insider, and an unwritable FILE", async () => {
  const soak = await sim(["--soak", "--trace", "x.jsonl"]);
  assert.equal(soak.code, 2);
  assert.match(soak.stderr, /^sim: --trace goes with a single run/);
  const digest = await sim(["--trace-digest", "--trace", "x.jsonl"]);
  assert.equal(digest.code, 2);
  const insider = await sim(["--scenario", "insider", "--trace", "x.jsonl"]);
  assert.equal(insider.code, 2);
  assert.match(insider.stderr, /^sim: --trace goes with a single run/);
  const bad = await sim(["--nodes", "3", "--trace", "/nonexistent-dir/x.jsonl"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /sim: cannot write trace \/nonexistent-dir\/x\.jsonl: /);
});
