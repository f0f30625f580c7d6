/**
 * `PeerStore`: what a peer keeps on disk (history window, delivered clock,
 * incarnation, address book), checked through `restore()` after reopening,
 * against crashes of a child process that held it, corrupt files and a
 * second opener.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { PeerRestore } from "../../lib/peer/peer_node_options.ts";
import { seededRandom } from "../../lib/random/random.ts";
import { PeerStore, StoreError } from "../../lib/store/peer_store.ts";
import { roomTagHex } from "../../lib/secure/room_tag.ts";
import type { ChatMessage, Hello } from "../../lib/wire/message.ts";
import { ChildProcess, WAIT_MS } from "../_helpers/process.ts";

const SELF = "5".repeat(64);
/** The room every store of these tests belongs to. */
const TAG = new Uint8Array(32).fill(0x42);
/** Where the store of `TAG` lives in a data directory. */
const dbPath = (dir: string) => `${dir}/rooms/${roomTagHex(TAG)}.db`;
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

function chat(
  author: string,
  seq: number,
  clock: Record<string, number> = {},
  text = `${author.slice(0, 1)}${seq}`,
): ChatMessage {
  return {
    author,
    seq,
    clock: new Map(Object.entries({ ...clock, [author]: seq })),
    nick: author.slice(0, 3),
    text,
    ts: 1_700_000_000_000 + seq,
    signature: new Uint8Array(0),
  };
}

/** The parts of a message that must survive the disk (the body is an encoding detail). */
function plain(message: ChatMessage): Record<string, unknown> {
  return {
    author: message.author,
    seq: message.seq,
    clock: Object.fromEntries(message.clock),
    nick: message.nick,
    text: message.text,
    ts: message.ts,
  };
}

const key = (m: { author: string; seq: number }) => `${m.author.slice(0, 1)}#${m.seq}`;

/** Runs `body` with a fresh temporary directory, removed afterwards. */
async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "peer_store_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Opens `dir`, restores, runs `body`, closes. */
async function session<T>(
  dir: string,
  body: (store: PeerStore, restored: ReturnType<PeerStore["restore"]>) => T | Promise<T>,
  options: { historyMessagesMax?: number; addressesMax?: number } = {},
): Promise<T> {
  const store = await PeerStore.open(dir, TAG, options);
  try {
    return await body(store, store.restore());
  } finally {
    store.close();
  }
}

/**
 * What a restore must look like whatever was pruned: per author, the kept
 * messages are exactly floor+1 … clock[author], contiguous, in delivery order.
 */
function assertContiguous(
  restored: PeerRestore,
  clock: ReadonlyMap<string, number>,
): void {
  const floors = restored.skipped ?? new Map<string, number>();
  const next = new Map<string, number>();
  for (const m of restored.messages) {
    const expected = next.get(m.author) ?? (floors.get(m.author) ?? 0) + 1;
    assert.equal(m.seq, expected, `${key(m)} must follow ${m.author.slice(0, 1)}#${expected - 1}`);
    next.set(m.author, m.seq + 1);
  }
  for (const [author, seq] of clock) {
    const top = (next.get(author) ?? (floors.get(author) ?? 0) + 1) - 1;
    assert.equal(top, seq, `restored clock of ${author.slice(0, 1)}`);
  }
}

/** A peer node started from `restore`, as `startPeer` would build it. */
function nodeFrom(restore: PeerRestore): PeerNode {
  return new PeerNode({
    id: SELF,
    addr: "127.0.0.1:9000",
    nick: "me",
    random: seededRandom(1),
    restore,
  });
}

function hello(id: string): Hello {
  return {
    type: "hello",
    version: 5,
    id,
    addr: "127.0.0.1:9001",
    nick: "rem",
    role: "peer",
    incarnation: 0,
  };
}

// ---- round trips ----

Deno.test("PeerStore.memory(): a new store restores incarnation 0 and nothing else", () => {
  const store = PeerStore.memory(TAG);
  try {
    const restored = store.restore();
    assert.equal(restored.incarnation, 0);
    assert.deepEqual(restored.messages, []);
    assert.deepEqual([...(restored.skipped ?? [])], []);
    assert.deepEqual(restored.addresses, []);
  } finally {
    store.close();
  }
});

Deno.test("PeerStore.memory(): restore() returns what record() kept, in delivery order", () => {
  const store = PeerStore.memory(TAG);
  try {
    store.restore();
    const delivered = [chat(A, 1), chat(B, 1, { [A]: 1 }), chat(A, 2, { [B]: 1 })];
    store.record({ delivered: delivered.slice(0, 2) });
    store.record({ delivered: delivered.slice(2) });
    const restored = store.restore();
    assert.deepEqual(restored.messages.map(plain), delivered.map(plain));
    assert.deepEqual([...(restored.skipped ?? [])], []);
  } finally {
    store.close();
  }
});

Deno.test("PeerStore.open(): a reopened directory restores messages in delivery order, and the clock", async () => {
  await withTempDir(async (dir) => {
    // Three authors, interleaved as a node would deliver them (causally).
    const delivered = [
      chat(A, 1),
      chat(B, 1, { [A]: 1 }),
      chat(SELF, 1, { [A]: 1, [B]: 1 }),
      chat(A, 2, { [B]: 1 }),
      chat(B, 2, { [A]: 2, [SELF]: 1 }),
      chat(A, 3, { [B]: 2, [SELF]: 1 }),
    ];
    await session(dir, (store, restored) => {
      assert.equal(restored.messages.length, 0);
      for (const message of delivered) store.record({ delivered: [message] });
    });
    const restored = await session(dir, (_, r) => r);
    assert.deepEqual(restored.messages.map(plain), delivered.map(plain));
    // Every author's history starts at 1: nothing skipped.
    assert.deepEqual([...(restored.skipped ?? [])], []);
    const node = nodeFrom(restored);
    assert.deepEqual(
      Object.fromEntries(node.deliveredClock),
      { [A]: 3, [B]: 2, [SELF]: 1 },
    );
    assert.equal(node.historySize, delivered.length);
    // The next own message continues the sequence instead of reusing one.
    assert.equal(node.sendChat("again", 0, 0).seq, 2);
  });
});

Deno.test("PeerStore.restore(): a recorded skip restores as a floor, and later messages follow it", async () => {
  await withTempDir(async (dir) => {
    await session(dir, (store) => {
      store.record({ delivered: [chat(A, 1), chat(A, 2), chat(B, 1, { [A]: 2 })] });
      // A neighbour said A's history up to 10 is gone: the node skipped it.
      store.record({ skipped: [{ author: A, seq: 10 }] });
      store.record({ delivered: [chat(A, 11, { [B]: 1 }), chat(A, 12, { [B]: 1 })] });
      // And an author we never had a message of.
      store.record({ skipped: [{ author: C, seq: 4 }] });
    });
    const restored = await session(dir, (_, r) => r);
    assert.deepEqual(restored.messages.map(key), ["b#1", "a#11", "a#12"]);
    assert.deepEqual(
      Object.fromEntries(restored.skipped ?? []),
      { [A]: 10, [C]: 4 },
    );
    const clock = new Map([[A, 12], [B, 1], [C, 4]]);
    assertContiguous(restored, clock);
    assert.deepEqual(
      Object.fromEntries(nodeFrom(restored).deliveredClock),
      Object.fromEntries(clock),
    );
  });
});

Deno.test("PeerStore.restore(): once the window is pruned, each author's history restores from a floor", async () => {
  await withTempDir(async (dir) => {
    const options = { historyMessagesMax: 10 };
    const clock = new Map<string, number>();
    await session(dir, (store) => {
      // C speaks first and never again.
      for (let seq = 1; seq <= 3; seq++) {
        store.record({ delivered: [chat(C, seq)] });
        clock.set(C, seq);
      }
      // Then A and B alternate, one step per message, well past a prune.
      for (let i = 0; i < 700; i++) {
        const author = i % 2 === 0 ? A : B;
        const seq = (clock.get(author) ?? 0) + 1;
        store.record({ delivered: [chat(author, seq, Object.fromEntries(clock))] });
        clock.set(author, seq);
      }
    }, options);
    const restored = await session(dir, (_, r) => r, options);
    assert.ok(restored.messages.length < 703, "the window was pruned");
    const floors = restored.skipped ?? new Map<string, number>();
    // The window is shared fairly: A and B, who have the most, lose their oldest; C keeps all.
    assert.equal(floors.get(C) ?? 0, 0, "C keeps its three messages");
    assert.equal(restored.messages.filter((m) => m.author === C).length, 3);
    assert.ok((floors.get(A) ?? 0) > 0 && (floors.get(B) ?? 0) > 0, "A and B lost their oldest");
    assertContiguous(restored, clock);
    // The newest message is kept.
    assert.deepEqual(restored.messages.at(-1) && key(restored.messages.at(-1)!), "b#350");
    assert.deepEqual(
      Object.fromEntries(nodeFrom(restored).deliveredClock),
      Object.fromEntries(clock),
    );
  });
});

Deno.test("PeerStore: one author's flood pushes its own history off the disk, never another's", async () => {
  await withTempDir(async (dir) => {
    const options = { historyMessagesMax: 50 };
    await session(dir, (store) => {
      for (let seq = 1; seq <= 5; seq++) store.record({ delivered: [chat(B, seq)] });
      // A floods in steps of many messages, as a busy runtime step records them.
      for (let step = 0; step < 20; step++) {
        store.record({
          delivered: Array.from({ length: 50 }, (_, i) => chat(A, step * 50 + i + 1)),
        });
      }
    }, options);
    const restored = await session(dir, (_, r) => r, options);
    assert.equal(restored.messages.length, 50);
    assert.deepEqual(
      restored.messages.filter((m) => m.author === B).map((m) => m.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(restored.skipped?.get(A), 955, "A keeps its newest 45");
  });
});

Deno.test({
  name: "PeerStore.restore(): returns at most historyMessagesMax messages, across restarts",
  async fn() {
    await withTempDir(async (dir) => {
      const options = { historyMessagesMax: 10 };
      let seq = 0;
      for (let run = 0; run < 3; run++) {
        await session(dir, (store) => {
          for (let i = 0; i < 100; i++) {
            seq++;
            store.record({ delivered: [chat(A, seq)] });
          }
        }, options);
      }
      const restored = await session(dir, (_, r) => r, options);
      assert.ok(
        restored.messages.length <= options.historyMessagesMax,
        `restored ${restored.messages.length} messages, the window is ${options.historyMessagesMax}`,
      );
      assertContiguous(restored, new Map([[A, seq]]));
    });
  },
});

Deno.test({
  name:
    "PeerStore.record(): a step where a skip follows a delivery of the same author restores contiguously",
  fn() {
    // The real sequence of events, from a PeerNode.
    const node = new PeerNode({
      id: SELF,
      addr: "127.0.0.1:9000",
      nick: "me",
      random: seededRandom(1),
    });
    node.start(0);
    const conn = node.handleAccepted(hello(B), 0);
    node.handleMessage(conn, { type: "register" }, 0);
    node.handleMessage(conn, { type: "chat", message: chat(B, 1) }, 0);
    node.handleMessage(conn, { type: "chat", message: chat(B, 2) }, 0);
    // B#3 depends on A#10, which we do not have: held back; and so is B#6 (B#4, B#5 are missing).
    node.handleMessage(conn, { type: "chat", message: chat(B, 3, { [A]: 10 }) }, 0);
    node.handleMessage(conn, { type: "chat", message: chat(B, 6, { [A]: 10 }) }, 0);
    const steps: { delivered: ChatMessage[]; skipped: { author: string; seq: number }[] }[] = [];
    const takeStep = () => {
      const step = {
        delivered: [] as ChatMessage[],
        skipped: [] as { author: string; seq: number }[],
      };
      const order: string[] = [];
      for (const effect of node.takeEffects()) {
        if (effect.type === "deliver") {
          step.delivered.push(effect.message);
          order.push(`deliver ${key(effect.message)}`);
        } else if (effect.type === "skip") {
          step.skipped.push({ author: effect.author, seq: effect.seq });
          order.push(`skip ${key(effect)}`);
        }
      }
      steps.push(step);
      return order;
    };
    takeStep();
    // A neighbour's history of A starts after 10 and of B after 5 (the held messages prove both gaps).
    node.handleMessage(conn, { type: "skip", clock: new Map([[A, 10], [B, 5]]) }, 0);
    assert.deepEqual(takeStep(), ["skip a#10", "deliver b#3", "skip b#5", "deliver b#6"]);
    assert.deepEqual(Object.fromEntries(node.deliveredClock), { [A]: 10, [B]: 6 });

    const store = PeerStore.memory(TAG);
    try {
      store.restore();
      for (const step of steps) store.record(step);
      const restored = store.restore();
      assertContiguous(restored, node.deliveredClock);
      const again = nodeFrom(restored);
      assert.deepEqual(
        Object.fromEntries(again.deliveredClock),
        Object.fromEntries(node.deliveredClock),
      );
    } finally {
      store.close();
    }
  },
});

// ---- incarnation ----

Deno.test("PeerStore.restore(): every restore takes a higher incarnation, in memory and across opens", async () => {
  const memory = PeerStore.memory(TAG);
  try {
    assert.deepEqual(
      [memory.restore().incarnation, memory.restore().incarnation, memory.restore().incarnation],
      [0, 1, 2],
    );
  } finally {
    memory.close();
  }
  await withTempDir(async (dir) => {
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push(await session(dir, (_, r) => r.incarnation));
    assert.deepEqual(seen, [0, 1, 2, 3]);
    // An open without a restore (a start that failed early) uses none.
    (await PeerStore.open(dir, TAG)).close();
    assert.equal(await session(dir, (_, r) => r.incarnation), 4);
  });
});

Deno.test({
  name: "PeerStore.restore(): after a run that refuted a suspicion, the next incarnation is higher",
  fn() {
    const store = PeerStore.memory(TAG);
    try {
      const node = nodeFrom(store.restore());
      node.start(0);
      const conn = node.handleAccepted(hello(B), 0);
      node.handleMessage(conn, { type: "register" }, 0);
      node.handleMessage(conn, {
        type: "member",
        member: { id: SELF, addr: "127.0.0.1:9000", incarnation: 0, status: "suspect" },
      }, 0);
      assert.equal(node.incarnation, 1, "the node refuted with incarnation 1");
      // Everything the runtime would hand the store from these steps.
      const delivered: ChatMessage[] = [];
      const seen: { id: string; addr: string }[] = [];
      for (const effect of node.takeEffects()) {
        if (effect.type === "deliver") delivered.push(effect.message);
        if (effect.type === "peer-up") seen.push({ id: effect.id, addr: effect.addr });
      }
      // As startPeer does, the step carries the node's incarnation.
      store.record({ delivered, seen, incarnation: node.incarnation });
      // The process crashes here; the next start must not reuse incarnation 1.
      assert.ok(store.restore().incarnation > node.incarnation);
    } finally {
      store.close();
    }
  },
});

// ---- address book ----

Deno.test("PeerStore.restore(): the address book lists the most recently seen first, at most addressesMax", async () => {
  await withTempDir(async (dir) => {
    const options = { addressesMax: 3 };
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    await session(dir, async (store) => {
      for (const [i, addr] of ["10.0.0.1:1", "10.0.0.2:2", "10.0.0.3:3"].entries()) {
        store.record({ seen: [{ id: String(i).repeat(64), addr }] });
        await tick();
      }
    }, options);
    assert.deepEqual(
      await session(dir, (_, r) => r.addresses, options),
      ["10.0.0.3:3", "10.0.0.2:2", "10.0.0.1:1"],
    );
    await session(dir, async (store) => {
      // Seen again: moves to the front. Two new ones push the oldest out.
      store.record({ seen: [{ id: "0".repeat(64), addr: "10.0.0.1:1" }] });
      await tick();
      store.record({ seen: [{ id: "3".repeat(64), addr: "10.0.0.4:4" }] });
      await tick();
      store.record({ seen: [{ id: "4".repeat(64), addr: "10.0.0.5:5" }] });
    }, options);
    assert.deepEqual(
      await session(dir, (_, r) => r.addresses, options),
      ["10.0.0.5:5", "10.0.0.4:4", "10.0.0.1:1"],
    );
  });
});

// ---- the lock ----

Deno.test("PeerStore.open(): a second open of a directory in use fails with a StoreError, until the first closes", async () => {
  await withTempDir(async (dir) => {
    const first = await PeerStore.open(dir, TAG);
    try {
      first.restore();
      await assert.rejects(
        () => PeerStore.open(dir, TAG),
        (error: unknown) =>
          error instanceof StoreError &&
          error.message ===
            `Cannot use the data directory ${dir}: another p2pchat process is using it for this room (give this one its own --data-dir)`,
      );
      // The failed open did not disturb the holder.
      first.record({ delivered: [chat(A, 1)] });
    } finally {
      first.close();
    }
    const restored = await session(dir, (_, r) => r);
    assert.deepEqual(restored.messages.map(key), ["a#1"]);
    assert.equal(restored.incarnation, 1);
  });
});

Deno.test("PeerStore.open(): a directory held by another process is refused; after that process is killed, nothing it recorded is lost", async () => {
  await withTempDir(async (dir) => {
    const storeUrl = new URL("../../lib/store/peer_store.ts", import.meta.url).href;
    const code = `
      import { PeerStore } from ${JSON.stringify(storeUrl)};
      const store = await PeerStore.open(${JSON.stringify(dir)}, new Uint8Array(32).fill(0x42));
      const { incarnation } = store.restore();
      const A = ${JSON.stringify(A)};
      for (let seq = 1; seq <= 50; seq++) {
        store.record({ delivered: [{ author: A, seq, clock: new Map([[A, seq]]), nick: "a",
          text: "m" + seq, ts: 0, signature: new Uint8Array(0) }] });
      }
      store.record({ seen: [{ id: A, addr: "10.0.0.1:1" }] });
      console.log(JSON.stringify({ type: "opened", incarnation }));
      // Holds the store until killed.
      setInterval(() => {}, 60_000);
    `;
    const child = new ChildProcess(["eval", "--ext=ts", code], {
      name: "deno eval (holds the store)",
      quitLine: null,
    });
    try {
      const opened = await child.waitFor((l) => l.type === "opened", WAIT_MS, "opened");
      assert.equal(opened.incarnation, 0);
      await assert.rejects(
        () => PeerStore.open(dir, TAG),
        (error: unknown) =>
          error instanceof StoreError && /another p2pchat process is using it/.test(error.message),
      );
      // A crash, not a close: no chance to checkpoint or unlock.
      child.kill("SIGKILL");
      assert.equal((await child.status).signal, "SIGKILL");
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${child.context()}`, { cause: error });
    } finally {
      await child.close();
    }
    const restored = await session(dir, (_, r) => r);
    assert.equal(restored.incarnation, 1);
    assert.equal(restored.messages.length, 50);
    assertContiguous(restored, new Map([[A, 50]]));
    assert.deepEqual(restored.addresses, ["10.0.0.1:1"]);
  });
});

// ---- unusable directories ----

Deno.test("PeerStore.open(): a database file that is not SQLite gives a StoreError", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/rooms`);
    await Deno.writeTextFile(dbPath(dir), "not a database, ".repeat(512));
    await assert.rejects(
      () => PeerStore.open(dir, TAG),
      (error: unknown) =>
        error instanceof StoreError &&
        error.message === `Cannot open the database in ${dir}: file is not a database`,
    );
  });
});

Deno.test("PeerStore.open(): a data directory path that is a file gives a StoreError", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/file`;
    await Deno.writeTextFile(path, "");
    await assert.rejects(
      () => PeerStore.open(path, TAG),
      (error: unknown) =>
        error instanceof StoreError &&
        error.message.startsWith(`Cannot create the data directory ${path}: `),
    );
  });
});

Deno.test("PeerStore.open(): a database of another schema version gives a StoreError", async () => {
  await withTempDir(async (dir) => {
    (await PeerStore.open(dir, TAG)).close();
    const db = new DatabaseSync(dbPath(dir));
    db.exec("UPDATE meta SET value = '99' WHERE key = 'schema'");
    db.close();
    await assert.rejects(
      () => PeerStore.open(dir, TAG),
      (error: unknown) =>
        error instanceof StoreError &&
        error.message ===
          "Cannot open the data directory: schema version 99, this program reads 3",
    );
  });
});

/** A store in `dir` holding 300 messages of A and one address, closed cleanly. */
async function fillStore(dir: string): Promise<void> {
  await session(dir, (store) => {
    for (let seq = 1; seq <= 300; seq++) {
      store.record({ delivered: [chat(A, seq, {}, "padding ".repeat(20))] });
    }
    store.record({ seen: [{ id: A, addr: "10.0.0.1:1" }] });
  });
}

Deno.test({
  name: "PeerStore: a database file damaged past its first pages gives a StoreError",
  async fn() {
    await withTempDir(async (dir) => {
      await fillStore(dir);
      const bytes = await Deno.readFile(dbPath(dir));
      bytes.fill(0xab, bytes.length - 8192);
      await Deno.writeFile(dbPath(dir), bytes);
      let store: PeerStore | undefined;
      try {
        await assert.rejects(
          async () => {
            store = await PeerStore.open(dir, TAG);
            store.restore();
          },
          (error: unknown) => error instanceof StoreError,
        );
      } finally {
        store?.close();
      }
    });
  },
});

Deno.test({
  name: "PeerStore.restore(): a stored message that does not decode gives a StoreError",
  async fn() {
    await withTempDir(async (dir) => {
      await fillStore(dir);
      const db = new DatabaseSync(dbPath(dir));
      db.exec("UPDATE messages SET frame = x'c1' WHERE seq = 7");
      db.close();
      const store = await PeerStore.open(dir, TAG);
      try {
        assert.throws(() => store.restore(), (error: unknown) => error instanceof StoreError);
      } finally {
        store.close();
      }
    });
  },
});

Deno.test("PeerStore.record(): a full database reports the real cause, keeps what was committed, and keeps the window count exact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pchat-store-full-" });
  try {
    // 256 KiB of database: a few dozen 4 KB messages fit, then SQLite says the disk is full.
    const store = await PeerStore.open(dir, TAG, { databaseBytesMax: 262_144 });
    let committed = 0;
    let failure: unknown;
    for (let seq = 1; seq <= 200 && failure === undefined; seq++) {
      try {
        store.record({ delivered: [chat(A, seq, {}, "x".repeat(4_000))] });
        committed = seq;
      } catch (error) {
        failure = error;
      }
    }
    assert.ok(failure instanceof StoreError, `expected a StoreError, got ${failure}`);
    assert.match(failure.message, /database or disk is full/);
    assert.doesNotMatch(failure.message, /no transaction is active/);
    assert.ok(committed > 5, `only ${committed} messages fit`);
    store.close();
    const reopened = await PeerStore.open(dir, TAG);
    const restored = reopened.restore();
    assert.equal(restored.messages.length, committed, "the failed step left nothing half-written");
    reopened.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PeerStore: databaseBytesMax must be a positive integer", () => {
  assert.throws(() => PeerStore.memory(TAG, { databaseBytesMax: 0 }), RangeError);
  assert.throws(() => PeerStore.memory(TAG, { databaseBytesMax: 1.5 }), RangeError);
});

// ---- rooms ----

Deno.test("PeerStore.open(): each room has a store of its own in the data directory; none sees another's history", async () => {
  await withTempDir(async (dir) => {
    const other = new Uint8Array(32).fill(0x17);
    const lobby = await PeerStore.open(dir, TAG);
    const secret = await PeerStore.open(dir, other);
    try {
      lobby.restore();
      secret.restore();
      secret.record({
        delivered: [chat(A, 1, {}, "private")],
        seen: [{ id: A, addr: "10.0.0.9:1" }],
      });
      lobby.record({ delivered: [chat(B, 1, {}, "public")] });
      assert.deepEqual(secret.roomTag, other);
    } finally {
      lobby.close();
      secret.close();
    }
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(`${dir}/rooms`))).map((e) => e.name).sort(),
      [`${roomTagHex(other)}.db`, `${roomTagHex(TAG)}.db`].sort(),
    );
    const restored = await session(dir, (_, r) => r);
    assert.deepEqual(restored.messages.map((m) => m.text), ["public"]);
    assert.deepEqual(restored.addresses, []);
    assert.deepEqual([...(restored.skipped ?? [])], []);
  });
});

Deno.test("PeerStore.open(): a room's file renamed to another room's name is refused", async () => {
  await withTempDir(async (dir) => {
    const other = new Uint8Array(32).fill(0x17);
    await session(dir, (store) => store.record({ delivered: [chat(A, 1, {}, "private")] }));
    await Deno.mkdir(`${dir}/rooms`, { recursive: true });
    await Deno.rename(dbPath(dir), `${dir}/rooms/${roomTagHex(other)}.db`);
    await assert.rejects(
      () => PeerStore.open(dir, other),
      (error: unknown) =>
        error instanceof StoreError && /belongs to another room/.test(error.message),
    );
  });
});

/** Writes a data directory's `peer.db` as the versions before rooms did (schema 1). */
function writeLegacyStore(dir: string, incarnation: number): void {
  const db = new DatabaseSync(`${dir}/peer.db`);
  db.exec(`
    PRAGMA journal_mode = WAL;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, author TEXT NOT NULL,
      seq INTEGER NOT NULL, frame BLOB NOT NULL, UNIQUE (author, seq));
    CREATE TABLE clock (author TEXT PRIMARY KEY, seq INTEGER NOT NULL);
    CREATE TABLE addresses (addr TEXT PRIMARY KEY, id TEXT NOT NULL, seen INTEGER NOT NULL);
    INSERT INTO meta VALUES ('schema', '1'), ('incarnation', '${incarnation}');
    INSERT INTO messages (author, seq, frame) VALUES ('${SELF}', 1, x'00');
    INSERT INTO clock VALUES ('${SELF}', 1);
  `);
  db.close();
}

Deno.test("PeerStore.open(): a data directory from before rooms is moved aside once, never deleted, and its incarnation carries into every new room", async () => {
  await withTempDir(async (dir) => {
    writeLegacyStore(dir, 7);
    const notices: string[] = [];
    const onNotice = (text: string) => notices.push(text);
    const first = await PeerStore.open(dir, TAG, { onNotice });
    const restored = first.restore();
    first.close();
    // Nothing of the old history in the room; the incarnation goes on above the old one.
    assert.deepEqual(restored.messages, []);
    assert.deepEqual([...(restored.skipped ?? [])], []);
    assert.equal(restored.incarnation, 8);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /peer\.db\.before-rooms/);
    assert.match(notices[0]!, /Nothing was deleted/);
    // The old file is kept whole under its new name.
    await assert.rejects(() => Deno.lstat(`${dir}/peer.db`), Deno.errors.NotFound);
    const backup = new DatabaseSync(`${dir}/peer.db.before-rooms`, { readOnly: true });
    assert.equal(backup.prepare("SELECT count(*) AS n FROM messages").get()!.n, 1);
    backup.close();
    // Said once: the next start, in this room or another, is quiet.
    const again = await PeerStore.open(dir, TAG, { onNotice });
    assert.equal(again.restore().incarnation, 9);
    again.close();
    const other = await PeerStore.open(dir, new Uint8Array(32).fill(0x17), { onNotice });
    assert.equal(
      other.restore().incarnation,
      8,
      "a room first opened later starts above the old one too",
    );
    other.close();
    assert.equal(notices.length, 1);
  });
});

Deno.test("PeerStore.open(): an old peer.db next to a backup is left alone and refused", async () => {
  await withTempDir(async (dir) => {
    writeLegacyStore(dir, 1);
    await Deno.writeTextFile(`${dir}/peer.db.before-rooms`, "");
    await assert.rejects(
      () => PeerStore.open(dir, TAG),
      (error: unknown) => error instanceof StoreError && /exists already/.test(error.message),
    );
    assert.ok((await Deno.lstat(`${dir}/peer.db`)).isFile);
  });
});

Deno.test("PeerStore: heard addresses come after every proven one, never replace one, and are pruned first", async () => {
  await withTempDir(async (dir) => {
    const options = { addressesMax: 3 };
    await session(dir, (store) => {
      store.record({ heard: [{ id: A, addr: "10.0.0.1:1" }, { id: B, addr: "10.0.0.2:1" }] });
      store.record({ seen: [{ id: C, addr: "10.0.0.3:1" }] });
      store.record({ heard: [{ id: C, addr: "10.0.0.3:1" }] }); // stays proven
      store.record({ seen: [{ id: A, addr: "10.0.0.1:1" }, { id: B, addr: "10.0.0.4:1" }] });
    }, options);
    const restored = await session(dir, (_, r) => r, options) as { addresses: string[] };
    assert.equal(restored.addresses.length, 3);
    assert.ok(!restored.addresses.includes("10.0.0.2:1"), "the heard one went first");
    assert.deepEqual(restored.addresses.toSorted(), ["10.0.0.1:1", "10.0.0.3:1", "10.0.0.4:1"]);
  });
});
