/**
 * End to end, with real processes and real data directories: a peer killed
 * with SIGKILL right after sending comes back with the same id, delivers
 * exactly what it missed (nothing twice, nothing lost, causally), and the
 * message it had acknowledged reaches everyone. A peer restarted with
 * `--ephemeral` is someone new; a peer restarted while the bootstrap is down
 * rejoins through its address book.
 *
 * Never asserts on timing: every wait polls with a generous deadline.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  type ChildProcess,
  type JsonLine,
  poll,
  type ProcessGroup,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";

/** Catching up may take several anti-entropy rounds on a loaded machine. */
const CATCH_UP_MS = 3 * WAIT_MS;

interface Node {
  readonly name: string;
  readonly process: ChildProcess;
  readonly id: string;
  readonly addr: string;
}

interface Delivery {
  readonly author: string;
  readonly seq: number;
  readonly clock: Record<string, number>;
  readonly text: string;
}

const key = (m: { author: string; seq: number }) => `${m.author}#${m.seq}`;
const short = (k: string) => `${k.slice(0, 8)}${k.slice(k.indexOf("#"))}`;

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "crash_restart_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function startBootstrap(group: ProcessGroup): Promise<Node> {
  const process = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"], {
    name: "bootstrap",
  });
  const ready = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  return { name: "bootstrap", process, id: String(ready.id), addr: String(ready.addr) };
}

/** Starts `main.ts peer --json`; `dataDir` undefined means `--ephemeral`. */
async function startPeer(
  group: ProcessGroup,
  name: string,
  bootstrap: string,
  dataDir: string | undefined,
): Promise<Node> {
  const args = [
    "peer",
    "--json",
    "--bootstrap",
    bootstrap,
    "--listen",
    "127.0.0.1:0",
    "--nick",
    name,
    ...(dataDir === undefined ? ["--ephemeral"] : ["--data-dir", dataDir]),
  ];
  const run = group.children.filter((c) => c.name.startsWith(`peer ${name}`)).length + 1;
  const process = group.spawnMain(args, { name: `peer ${name} (run ${run})` });
  const ready = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  assert.equal(ready.role, "peer");
  return { name, process, id: String(ready.id), addr: String(ready.addr) };
}

/** Every `message` line of a process so far, in delivery order. */
function deliveries(process: ChildProcess): Delivery[] {
  return process.jsonLines.filter((l: JsonLine) => l.type === "message").map((l) => {
    assert.equal(typeof l.author, "string");
    assert.equal(typeof l.seq, "number");
    assert.equal(typeof l.text, "string");
    assert.equal(typeof l.clock, "object");
    return l as unknown as Delivery;
  });
}

/** Sends `text` from `node` and returns its own delivery: the acknowledgement. */
async function say(node: Node, text: string): Promise<Delivery> {
  await node.process.send({ type: "send", text });
  const line = await node.process.waitFor(
    (l) => l.type === "message" && l.text === text && l.author === node.id,
    WAIT_MS,
    `own message '${text}'`,
  );
  return line as unknown as Delivery;
}

/** Waits until `process` has delivered every key in `expected` (it may deliver more). */
async function waitUntilDelivered(
  process: ChildProcess,
  expected: Iterable<string>,
  alsoDelivered: ReadonlySet<string> = new Set(),
  timeoutMs = CATCH_UP_MS,
): Promise<void> {
  const want = [...expected];
  let missing: string[] = want;
  try {
    await poll(
      () => {
        const got = new Set(deliveries(process).map(key));
        missing = want.filter((k) => !got.has(k) && !alsoDelivered.has(k));
        return Promise.resolve(missing.length === 0 ? true : undefined);
      },
      `${process.name} delivers ${want.length} messages`,
      { timeoutMs, intervalMs: 100 },
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; missing ${JSON.stringify(missing.slice(0, 20).map(short))}`,
    );
  }
}

/**
 * Checks a delivery sequence: every key once, each author's run contiguous
 * from 1, every message after what its clock says it depends on, and the
 * whole of `expected` delivered.
 */
function assertExactlyOnceCausal(
  name: string,
  sequence: readonly string[],
  clocks: ReadonlyMap<string, Record<string, number>>,
  expected: ReadonlySet<string>,
): void {
  const delivered = new Map<string, number>();
  const seen = new Set<string>();
  for (const [index, k] of sequence.entries()) {
    const where = `${name}, delivery #${index} (${short(k)})`;
    assert.ok(!seen.has(k), `${where}: delivered twice`);
    seen.add(k);
    const author = k.slice(0, k.indexOf("#"));
    const seq = Number(k.slice(k.indexOf("#") + 1));
    assert.equal(seq, (delivered.get(author) ?? 0) + 1, `${where}: out of order`);
    const clock = clocks.get(k);
    assert.ok(clock !== undefined, `${where}: no clock known`);
    assert.equal(clock[author], seq, `${where}: clock[author] must equal seq`);
    for (const [dep, n] of Object.entries(clock)) {
      if (dep === author) continue;
      assert.ok(
        (delivered.get(dep) ?? 0) >= n,
        `${where}: delivered before its dependency ${dep.slice(0, 8)}#${n}`,
      );
    }
    delivered.set(author, seq);
  }
  const missing = [...expected].filter((k) => !seen.has(k));
  assert.deepEqual(missing.map(short), [], `${name}: messages never delivered`);
  const extra = [...seen].filter((k) => !expected.has(k));
  assert.deepEqual(extra.map(short), [], `${name}: messages nobody sent`);
}

/**
 * What a stopped peer has on disk, in delivery order: the keys of its
 * history window (the whole history here: far below the window size).
 */
function deliveredOnDisk(dataDir: string): string[] {
  // The lobby's store: the only room these peers run in.
  const rooms = [...Deno.readDirSync(`${dataDir}/rooms`)].filter((e) => e.name.endsWith(".db"));
  assert.equal(rooms.length, 1, `one room store in ${dataDir}/rooms`);
  const db = new DatabaseSync(`${dataDir}/rooms/${rooms[0]!.name}`, { readOnly: true });
  try {
    return db.prepare("SELECT author, seq FROM messages ORDER BY id").all().map((row) =>
      key({ author: String(row.author), seq: Number(row.seq) })
    );
  } finally {
    db.close();
  }
}

/** Waits until every node lists every other one as a directly connected peer. */
async function waitForMesh(nodes: readonly Node[]): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      waitUntilConnected(n.process, nodes.filter((o) => o !== n).map((o) => o.id), CATCH_UP_MS)
    ),
  );
}

Deno.test({
  name:
    "main.ts peer --data-dir: a peer killed with SIGKILL right after sending restarts with its id, delivers exactly what it missed, and its last message reaches everyone",
  async fn() {
    await withTempDir(async (root) => {
      await withProcesses(async (group) => {
        const bootstrap = await startBootstrap(group);
        const names = ["ann", "bob", "cat", "dan"];
        const peers = await Promise.all(
          names.map((name) => startPeer(group, name, bootstrap.addr, `${root}/${name}`)),
        );
        const [ann, bob, cat, dan] = peers as [Node, Node, Node, Node];
        await waitForMesh(peers);

        /** Every message acknowledged so far: key → its own delivery at the author. */
        const sent = new Map<string, Delivery>();
        const record = (d: Delivery) => sent.set(key(d), d);

        // A conversation everybody follows.
        for (let round = 1; round <= 2; round++) {
          for (const peer of peers) record(await say(peer, `${peer.name} says ${round}`));
        }
        await Promise.all(peers.map((p) => waitUntilDelivered(p.process, sent.keys())));

        // The others keep chatting while dan sends, is killed, and stays down.
        const others = [ann, bob, cat];
        let chatting = true;
        const chatter = Promise.all(others.map(async (peer) => {
          for (let n = 1; chatting || n <= 6; n++) {
            record(await say(peer, `${peer.name} chats ${n}`));
            await new Promise((resolve) => setTimeout(resolve, 30));
          }
        }));
        await new Promise((resolve) => setTimeout(resolve, 150));
        const lastWords = await say(dan, "dan's last words");
        record(lastWords);
        // Its own delivery line is the acknowledgement: kill at once.
        dan.process.kill("SIGKILL");
        const status = await dan.process.status;
        assert.equal(status.signal, "SIGKILL", "dan was killed, not stopped");
        await new Promise((resolve) => setTimeout(resolve, 500));
        chatting = false;
        await chatter;

        // What dan had delivered before the crash, as its disk says.
        const onDisk = deliveredOnDisk(`${root}/dan`);
        assert.ok(onDisk.includes(key(lastWords)), "an acknowledged message is on disk");
        const printed = deliveries(dan.process).map(key);
        assert.deepEqual(
          printed,
          onDisk.slice(0, printed.length),
          "dan's message lines before the crash are its disk's history, in order",
        );

        // Back with the same data directory: same id, and it catches up.
        const danAgain = await startPeer(group, "dan", bootstrap.addr, `${root}/dan`);
        assert.equal(danAgain.id, dan.id, "a restarted peer keeps its id");
        assert.notEqual(danAgain.addr, "", "it listens again");
        const alreadyDelivered = new Set(onDisk);
        await waitUntilDelivered(danAgain.process, sent.keys(), alreadyDelivered);
        // Nothing acknowledged is lost: dan's last words reach everyone.
        await Promise.all(
          others.map((p) => waitUntilDelivered(p.process, [key(lastWords)])),
        );

        // Its next message follows the last one it sent before the crash.
        const caughtUp: Record<string, number> = {};
        for (const d of sent.values()) {
          caughtUp[d.author] = Math.max(caughtUp[d.author] ?? 0, d.seq);
        }
        const back = await say(danAgain, "dan is back");
        record(back);
        assert.equal(back.seq, lastWords.seq + 1, "the sequence continues after a restart");
        assert.deepEqual(
          back.clock,
          { ...caughtUp, [dan.id]: back.seq },
          "dan's clock after the restart is everything before the crash and everything caught up on",
        );
        await Promise.all([
          ...others.map((p) => waitUntilDelivered(p.process, sent.keys())),
          waitUntilDelivered(danAgain.process, sent.keys(), alreadyDelivered),
        ]);

        // Exactly once, in causal order, everywhere; for dan across both runs.
        const clocks = new Map<string, Record<string, number>>();
        for (const child of group.children) {
          for (const d of deliveries(child)) clocks.set(key(d), d.clock);
        }
        const expected = new Set(sent.keys());
        for (const peer of others) {
          assertExactlyOnceCausal(
            peer.process.name,
            deliveries(peer.process).map(key),
            clocks,
            expected,
          );
        }
        const secondRun = deliveries(danAgain.process).map(key);
        assert.deepEqual(
          secondRun.filter((k) => alreadyDelivered.has(k)).map(short),
          [],
          "after the restart dan delivers nothing it had delivered before",
        );
        assertExactlyOnceCausal("dan (both runs)", [...onDisk, ...secondRun], clocks, expected);
      });
    });
  },
});

Deno.test({
  name:
    "main.ts peer --data-dir: messages a lone peer acknowledged survive its SIGKILL and reach a peer that joins after its restart",
  async fn() {
    await withTempDir(async (root) => {
      await withProcesses(async (group) => {
        const bootstrap = await startBootstrap(group);
        const solo = await startPeer(group, "sol", bootstrap.addr, `${root}/sol`);
        // Nobody to send to: these live only on sol's disk.
        const sent = new Map<string, Delivery>();
        for (let n = 1; n <= 3; n++) {
          const d = await say(solo, `alone ${n}`);
          sent.set(key(d), d);
        }
        solo.process.kill("SIGKILL");
        await solo.process.status;
        const onDisk = deliveredOnDisk(`${root}/sol`);
        assert.deepEqual(onDisk, [...sent.keys()], "every acknowledged message is on disk");

        const soloAgain = await startPeer(group, "sol", bootstrap.addr, `${root}/sol`);
        assert.equal(soloAgain.id, solo.id);
        const late = await startPeer(group, "tim", bootstrap.addr, `${root}/tim`);
        await waitUntilDelivered(late.process, sent.keys());
        const next = await say(soloAgain, "not alone any more");
        assert.equal(next.seq, 4, "the sequence continues after the restart");
        sent.set(key(next), next);
        await waitUntilDelivered(late.process, sent.keys());
        const clocks = new Map([...sent].map(([k, d]) => [k, d.clock]));
        assertExactlyOnceCausal(
          late.process.name,
          deliveries(late.process).map(key),
          clocks,
          new Set(sent.keys()),
        );
        assert.deepEqual(
          deliveries(soloAgain.process).map(key),
          [key(next)],
          "the restarted peer delivers none of its own old messages again",
        );
      });
    });
  },
});

Deno.test({
  name:
    "main.ts peer: restarted with the same --data-dir a peer keeps its id; with --ephemeral it is someone new",
  async fn() {
    await withTempDir(async (root) => {
      await withProcesses(async (group) => {
        const bootstrap = await startBootstrap(group);
        const dataDir = `${root}/eve`;
        const first = await startPeer(group, "eve", bootstrap.addr, dataDir);
        await first.process.close();
        const again = await startPeer(group, "eve", bootstrap.addr, dataDir);
        assert.equal(again.id, first.id);
        await again.process.close();
        const ephemeral = await startPeer(group, "eve", bootstrap.addr, undefined);
        assert.notEqual(ephemeral.id, first.id, "--ephemeral gives a new identity");
        await ephemeral.process.close();
        // And the data directory is left as it was: the next start is eve again.
        const third = await startPeer(group, "eve", bootstrap.addr, dataDir);
        assert.equal(third.id, first.id);
      });
    });
  },
});

Deno.test({
  name:
    "main.ts peer --data-dir: a peer restarted while the bootstrap is down rejoins through its address book",
  async fn() {
    await withTempDir(async (root) => {
      await withProcesses(async (group) => {
        const bootstrap = await startBootstrap(group);
        const names = ["ann", "bob", "cat"];
        const peers = await Promise.all(
          names.map((name) => startPeer(group, name, bootstrap.addr, `${root}/${name}`)),
        );
        const [ann, bob, cat] = peers as [Node, Node, Node];
        await waitForMesh(peers);
        const sent = new Map<string, Delivery>();
        for (const peer of peers) {
          const d = await say(peer, `hello from ${peer.name}`);
          sent.set(key(d), d);
        }
        await Promise.all(peers.map((p) => waitUntilDelivered(p.process, sent.keys())));

        // cat crashes; then the bootstrap goes away for good.
        cat.process.kill("SIGKILL");
        await cat.process.status;
        const bootstrapStatus = await bootstrap.process.close();
        assert.equal(bootstrapStatus.code, 0, "the bootstrap quits");
        const whileAway = await say(ann, "said while cat was away");
        sent.set(key(whileAway), whileAway);

        const firstRun = new Set(deliveredOnDisk(`${root}/cat`));
        // cat has only a dead bootstrap address on its command line.
        const catAgain = await startPeer(group, "cat", bootstrap.addr, `${root}/cat`);
        assert.equal(catAgain.id, cat.id);
        await waitUntilConnected(catAgain.process, [ann.id, bob.id], CATCH_UP_MS);
        const back = await say(catAgain, "cat is back");
        sent.set(key(back), back);
        await Promise.all([
          ...[ann, bob].map((p) => waitUntilDelivered(p.process, sent.keys())),
          waitUntilDelivered(catAgain.process, sent.keys(), firstRun),
        ]);
        const secondRun = deliveries(catAgain.process).map(key);
        assert.deepEqual(
          secondRun.filter((k) => firstRun.has(k)).map(short),
          [],
          "after the restart cat delivers nothing it had delivered before",
        );
        assert.ok(secondRun.includes(key(whileAway)), "cat caught up on what it missed");
      });
    });
  },
});
