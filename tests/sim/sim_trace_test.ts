import assert from "node:assert/strict";
import { runScenario } from "../../testing/sim/scenarios.ts";
import { TraceDigest } from "../../testing/sim/trace_digest.ts";
import { TRACE_FORMAT, TraceWriter } from "../../testing/sim/trace_writer.ts";
import {
  openTrace,
  readTrace,
  type TraceEvent,
  TraceFormatError,
} from "../../testing/sim/trace_reader.ts";
import { TraceSink } from "../../testing/sim/trace_file.ts";
import type { SimWorld } from "../../testing/sim/sim_world.ts";

function stream(lines: string[]): ReadableStream<Uint8Array> {
  return ReadableStream.from([new TextEncoder().encode(lines.join("\n") + "\n")]);
}

/** Runs a scenario with a trace writer; the lines, the world at the end and the effect digest. */
function traced(scenario: string, nodes: number, seed: number) {
  const lines: string[] = [];
  const writer = new TraceWriter({ write: (l) => lines.push(l) });
  writer.header({ scenario, nodes, seed, options: {} });
  const digest = new TraceDigest();
  let world: SimWorld | undefined;
  runScenario({
    scenario,
    nodes,
    seed,
    observers: [digest, writer],
    onFinish: (w) => (world = w),
  });
  writer.finish(world!.net.nowMs);
  return { lines, digest: digest.digest(), world: world! };
}

function plainDigest(scenario: string, nodes: number, seed: number): string {
  const digest = new TraceDigest();
  runScenario({ scenario, nodes, seed, observers: [digest] });
  return digest.digest();
}

async function collect(lines: string[]) {
  const { header, events } = await readTrace(stream(lines));
  const out: TraceEvent[] = [];
  for await (const e of events) out.push(e);
  return { header, events: out };
}

/**
 * Replays the events into what a viewer would show at the end: per node
 * index, its links and, per author index, the seqs delivered (skips count
 * as delivered up to their seq). Throws on a delivery seen twice.
 */
function replay(events: TraceEvent[]) {
  const links = new Map<number, Set<number>>();
  const delivered = new Map<number, Map<number, Set<number>>>();
  const skipped = new Map<string, number>();
  const ids = new Map<number, string>();
  let lastT = -1;
  const seqs = (node: number, author: number) => {
    let byAuthor = delivered.get(node);
    if (byAuthor === undefined) delivered.set(node, byAuthor = new Map());
    let set = byAuthor.get(author);
    if (set === undefined) byAuthor.set(author, set = new Set());
    return set;
  };
  for (const e of events) {
    assert(e.t >= lastT, `time goes back at ${JSON.stringify(e)}`);
    lastT = e.t;
    switch (e.kind) {
      case "node":
        ids.set(e.node, e.id);
        break;
      case "up":
        for (const p of e.peers) {
          if (!links.has(e.node)) links.set(e.node, new Set());
          links.get(e.node)!.add(p);
        }
        break;
      case "down":
        for (const p of e.peers) links.get(e.node)?.delete(p);
        break;
      case "pub":
      case "deliver": {
        const author = e.kind === "pub" ? e.node : e.author;
        const set = seqs(e.node, author);
        assert(!set.has(e.seq), `delivered twice: ${JSON.stringify(e)}`);
        set.add(e.seq);
        break;
      }
      case "skip": {
        const key = `${e.node}/${e.author}`;
        skipped.set(key, Math.max(skipped.get(key) ?? 0, e.seq));
        break;
      }
    }
  }
  /** The contiguous count delivered at `node` from `author`, as `deliveredSeq` counts it. */
  const deliveredSeq = (node: number, author: number) => {
    const set = delivered.get(node)?.get(author) ?? new Set<number>();
    let n = skipped.get(`${node}/${author}`) ?? 0;
    while (set.has(n + 1)) n++;
    return n;
  };
  return { links, ids, deliveredSeq };
}

/** Checks the replayed end state against the world's own. */
function checkAgainstWorld(events: TraceEvent[], world: SimWorld) {
  const { links, ids, deliveredSeq } = replay(events);
  const indexOf = new Map([...ids].map(([i, id]) => [id, i]));
  let checked = 0;
  for (const peer of world.peers) {
    const index = indexOf.get(peer.id);
    assert(index !== undefined, `peer ${peer.addr} has no node line`);
    const expected = peer.alive
      ? peer.node.actor.neighbourIds().map((id) => indexOf.get(id)!).sort((a, b) => a - b)
      : [];
    assert.deepStrictEqual(
      [...(links.get(index) ?? [])].sort((a, b) => a - b),
      expected,
      `links of ${peer.addr}`,
    );
    if (!peer.alive) continue;
    for (const [author, n] of peer.node.actor.deliveredClock) {
      const a = indexOf.get(author);
      assert(a !== undefined, `author ${author.slice(0, 8)} has no node line`);
      assert.deepStrictEqual(
        deliveredSeq(index, a),
        n,
        `deliveries of ${peer.addr} from node ${a}`,
      );
      checked += n;
    }
  }
  assert(checked > 0);
}

Deno.test("writing a trace changes nothing the simulation does", () => {
  for (const [scenario, nodes] of [["steady", 12], ["chaos", 16]] as const) {
    const { digest } = traced(scenario, nodes, 3);
    assert.deepStrictEqual(digest, plainDigest(scenario, nodes, 3), scenario);
  }
});

Deno.test("a replayed steady trace ends with the simulator's links and deliveries", async () => {
  const { lines, world } = traced("steady", 12, 1);
  const { header, events } = await collect(lines);
  assert.deepStrictEqual(header.format, TRACE_FORMAT);
  assert.deepStrictEqual([header.scenario, header.nodes, header.seed], ["steady", 12, 1]);
  checkAgainstWorld(events, world);
  assert.deepStrictEqual(events.filter((e) => e.kind === "pub").length, 10);
  assert.deepStrictEqual(events.filter((e) => e.kind === "deliver").length, 10 * 11);
  assert.deepStrictEqual(events.at(-1)!.kind, "end");
});

Deno.test("a replayed chaos trace shows crashes, restarts, blocks and heals, and ends right", async () => {
  const { lines, world } = traced("chaos", 16, 2);
  const { events } = await collect(lines);
  checkAgainstWorld(events, world);
  const kinds = new Set(events.map((e) => e.kind));
  for (const kind of ["crash", "heal", "dead", "alive", "tx", "up", "down"] as const) {
    assert(kinds.has(kind), `no ${kind} event`);
  }
  assert(world.stats.crashes > 0);
  assert.deepStrictEqual(
    events.filter((e) => e.kind === "crash").length >= world.stats.crashes,
    true,
  );
});

Deno.test("a trace saved with gzip reads back the same", async () => {
  const { lines } = traced("steady", 6, 4);
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["t.jsonl", "t.jsonl.gz"]) {
      const sink = new TraceSink();
      for (const line of lines) sink.write(line);
      const bytes = await sink.save(`${dir}/${name}`);
      assert.deepStrictEqual((await Deno.stat(`${dir}/${name}`)).size, bytes);
      const { events } = await openTrace(`${dir}/${name}`);
      const read: TraceEvent[] = [];
      for await (const e of events) read.push(e);
      assert.deepStrictEqual(read, (await collect(lines)).events);
    }
    const plain = (await Deno.stat(`${dir}/t.jsonl`)).size;
    const gz = (await Deno.stat(`${dir}/t.jsonl.gz`)).size;
    assert(gz < plain / 3, `gzip ${gz} of ${plain}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a trace of another format or with a broken line is refused with the line named", async () => {
  await assert.rejects(
    () => readTrace(stream(['{"format":"other/9"}'])),
    (e: unknown) => e instanceof TraceFormatError && e.message.includes('format "other/9"'),
  );
  await assert.rejects(
    () => readTrace(stream([])),
    (e: unknown) => e instanceof TraceFormatError && e.message.includes("no header"),
  );
  const bad = await readTrace(
    stream([JSON.stringify({ format: TRACE_FORMAT }), '["t",0]', '["zap",1]']),
  );
  await assert.rejects(async () => {
    for await (const _ of bad.events) { /* drain */ }
  }, (e: unknown) => e instanceof TraceFormatError && e.message.includes("line 3: unknown event"));
});
