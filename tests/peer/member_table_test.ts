import assert from "node:assert/strict";
import fc from "fast-check";
import { MemberTable, supersedes } from "../../lib/peer/member_table.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { MemberInfo, MemberStatus } from "../../lib/wire/message.ts";

const SELF = "0".repeat(64);
const A = "a".repeat(64);
const B = "b".repeat(64);
const info = (
  id: string,
  incarnation: number,
  status: MemberStatus,
  addr = "10.0.0.1:1",
): MemberInfo => ({
  id,
  addr,
  incarnation,
  status,
  // Alive and dead are the member's own signed records here; a suspicion is a rumor.
  ...(status === "suspect" ? {} : { signature: new Uint8Array(64) }),
});

Deno.test("supersedes() orders by incarnation, then dead > suspect > alive", () => {
  assert.ok(supersedes(info(A, 0, "alive"), undefined));
  assert.ok(supersedes(info(A, 2, "alive"), info(A, 1, "dead")));
  assert.ok(!supersedes(info(A, 1, "alive"), info(A, 2, "alive")));
  assert.ok(supersedes(info(A, 1, "suspect"), info(A, 1, "alive")));
  assert.ok(supersedes(info(A, 1, "dead"), info(A, 1, "suspect")));
  assert.ok(!supersedes(info(A, 1, "alive"), info(A, 1, "dead")));
  assert.ok(!supersedes(info(A, 1, "alive"), info(A, 1, "alive")));
});

Deno.test("supersedes(): an unsigned rumor counts only at the incarnation of the latest record", () => {
  const rumor = (incarnation: number, status: MemberStatus): MemberInfo => ({
    id: A,
    addr: "10.0.0.1:1",
    incarnation,
    status,
  });
  const known = info(A, 3, "alive");
  assert.ok(supersedes(rumor(3, "suspect"), known));
  assert.ok(supersedes(rumor(3, "dead"), known));
  assert.ok(!supersedes(rumor(4, "dead"), known), "nobody else can raise an incarnation");
  assert.ok(!supersedes(rumor(Number.MAX_SAFE_INTEGER, "dead"), known));
  assert.ok(!supersedes(rumor(2, "dead"), known), "stale");
  assert.ok(!supersedes(rumor(0, "dead"), undefined), "a rumor teaches no new member");
  assert.ok(!supersedes(rumor(4, "alive"), known), "an unsigned alive is nobody's word");
  assert.ok(supersedes(info(A, 4, "alive"), { ...rumor(3, "dead") }), "a newer record refutes");
});

Deno.test("MemberTable.applyDirect(): a hello proves a member alive, but not past a rumor of its incarnation", () => {
  const table = new MemberTable(SELF);
  assert.ok(table.applyDirect(A, "10.0.0.1:1", 2, 0).applied);
  assert.equal(table.get(A)?.record, undefined, "no signed record to pass on yet");
  assert.ok(table.apply(info(A, 2, "alive"), 1).applied, "its signed record attaches");
  assert.ok(table.get(A)?.record !== undefined);
  table.apply({ id: A, addr: "10.0.0.1:1", incarnation: 2, status: "dead" }, 2);
  assert.ok(!table.isLive(A));
  assert.equal(table.applyDirect(A, "10.0.0.1:1", 2, 3).applied, false, "it must refute itself");
  assert.ok(table.applyDirect(A, "10.0.0.1:1", 3, 4).applied, "a restart's new incarnation");
  assert.ok(table.isLive(A));
});

Deno.test("MemberTable: a tombstone expires a fixed time after the death, copies do not refresh it", () => {
  const table = new MemberTable(SELF, { deadRetentionMs: 1_000 });
  table.apply(info(A, 3, "alive"), 0);
  const dead = { id: A, addr: "10.0.0.1:1", incarnation: 3, status: "dead" as const };
  table.apply(dead, 100);
  table.apply(dead, 900);
  table.apply(info(A, 3, "dead"), 950); // the member's own word, same incarnation
  assert.equal(table.expire(1_099), 0);
  assert.equal(table.expire(1_100), 1);
});

Deno.test("MemberTable.apply() ignores rumors about the node itself", () => {
  const table = new MemberTable(SELF);
  assert.equal(table.apply(info(SELF, 5, "dead"), 0).applied, false);
  assert.equal(table.size, 0);
});

Deno.test("MemberTable keeps a tombstone that blocks stale alive rumors until it expires", () => {
  const table = new MemberTable(SELF, { deadRetentionMs: 1_000 });
  table.apply(info(A, 3, "alive"), 0);
  assert.ok(table.isLive(A));
  assert.ok(table.apply(info(A, 3, "dead"), 10).applied);
  assert.ok(!table.isLive(A));
  assert.equal(
    table.apply(info(A, 3, "alive"), 20).applied,
    false,
    "a stale rumor revived the dead",
  );
  assert.equal(table.expire(1_009), 0);
  assert.equal(table.expire(1_010), 1);
  assert.equal(table.get(A), undefined);
  assert.ok(table.apply(info(A, 4, "alive"), 1_100).applied, "a refutation must revive");
});

Deno.test("MemberTable refuses a new member past membersMax but still updates known ones", () => {
  const table = new MemberTable(SELF, { membersMax: 1 });
  assert.ok(table.apply(info(A, 0, "alive"), 0).applied);
  assert.equal(table.apply(info(B, 0, "alive"), 0).applied, false);
  assert.ok(table.apply(info(A, 0, "dead"), 0).applied);
  assert.equal(table.size, 1);
});

Deno.test("MemberTable.randomLive() skips excluded and dead members and finds the only candidate", () => {
  const table = new MemberTable(SELF);
  const ids = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(64, "0"));
  for (const id of ids) table.apply(info(id, 0, "alive"), 0);
  for (const id of ids.slice(0, 25)) table.apply(info(id, 0, "dead"), 0);
  assert.equal(table.liveCount, 25);
  const random = seededRandom(3);
  for (let i = 0; i < 100; i++) {
    const picked = table.randomLive(random)!;
    assert.ok(table.isLive(picked.id));
  }
  const only = ids[40]!;
  assert.equal(table.randomLive(random, (m) => m.id !== only)?.id, only);
  assert.equal(table.randomLive(random, () => true), undefined);
});

Deno.test("MemberTable converges to the same state whatever order rumors arrive in (property)", () => {
  const ids = [A, B, "c".repeat(64)];
  const rumor = fc.record({
    id: fc.constantFrom(...ids),
    addr: fc.constant("10.0.0.1:1"),
    incarnation: fc.nat(4),
    status: fc.constantFrom<MemberStatus>("alive", "suspect", "dead"),
  });
  fc.assert(
    fc.property(fc.array(rumor, { maxLength: 30 }), fc.nat(), (rumors, seed) => {
      const shuffled = [...rumors];
      const random = seededRandom(seed);
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const state = (order: MemberInfo[]) => {
        const table = new MemberTable(SELF);
        for (const r of order) table.apply(r, 0);
        return ids.map((id) => {
          const e = table.get(id);
          return e === undefined ? "-" : `${e.incarnation}/${e.status}`;
        }).join(" ");
      };
      assert.equal(state(shuffled), state(rumors));
    }),
  );
});

Deno.test("MemberTable keeps one tombstone per dead member, however often it dies and revives", () => {
  const table = new MemberTable(SELF, { membersMax: 10, deadRetentionMs: 60_000 });
  for (let incarnation = 0; incarnation < 10_000; incarnation += 2) {
    table.apply(info(A, incarnation, "dead"), incarnation);
    table.apply(info(A, incarnation + 1, "alive"), incarnation);
  }
  table.apply(info(B, 0, "dead"), 10_000);
  table.apply(info(A, 10_001, "dead"), 10_001);
  assert.deepEqual(table.recentDead(10).map((m) => m.id), [A, B], "newest first, each once");
  assert.equal(table.expire(10_000 + 60_000), 1, "B's tombstone expires, A's is younger");
  assert.deepEqual(table.recentDead(10).map((m) => m.id), [A]);
});

Deno.test("MemberTable: one source teaches at most unprovenPerSourceMax members we have not met", () => {
  const table = new MemberTable(SELF, { unprovenPerSourceMax: 2 });
  const id = (n: number) => n.toString(16).padStart(64, "1");
  assert.ok(table.apply(info(id(1), 0, "alive"), 0, undefined, B).applied);
  assert.ok(table.apply(info(id(2), 0, "alive"), 0, undefined, B).applied);
  assert.equal(table.apply(info(id(3), 0, "alive"), 0, undefined, B).applied, false, "B is full");
  assert.ok(table.apply(info(id(3), 0, "alive"), 0, undefined, A).applied, "A has its own bucket");
  assert.ok(table.apply(info(id(4), 0, "alive"), 0, undefined, id(4)).applied, "its own word");
  assert.equal(table.unprovenFrom(B), 2);
  // Meeting a member frees its slot; its tombstone still holds one until it expires.
  table.applyDirect(id(1), "10.0.0.1:1", 0, 1);
  assert.equal(table.unprovenFrom(B), 1);
  table.apply({ id: id(2), addr: "10.0.0.1:1", incarnation: 0, status: "dead" }, 2);
  assert.equal(table.unprovenFrom(B), 1);
  assert.equal(table.expire(60_002), 1);
  assert.equal(table.unprovenFrom(B), 0);
});

Deno.test("MemberTable: whatever order a member's signed records and rumors come in, its nick is the one of its latest record (property)", () => {
  const SIG = new Uint8Array(64);
  // One record per incarnation (a member signs one per life), nick by incarnation.
  const update = fc.oneof(
    fc.integer({ min: 0, max: 6 }).map((incarnation): MemberInfo => ({
      id: A,
      addr: "a:1",
      incarnation,
      status: "alive",
      signature: SIG,
      nick: `n${incarnation}`,
    })),
    fc.record({
      incarnation: fc.integer({ min: 0, max: 6 }),
      status: fc.constantFrom<MemberStatus>("suspect", "dead"),
    }).map(({ incarnation, status }): MemberInfo => ({ id: A, addr: "a:1", incarnation, status })),
  );
  fc.assert(
    fc.property(fc.array(update, { minLength: 1, maxLength: 12 }), fc.nat(), (updates, seed) => {
      const nickAfter = (order: readonly MemberInfo[]) => {
        const table = new MemberTable(SELF);
        for (const u of order) table.apply(u, 0);
        return table.get(A)?.nick;
      };
      const shuffled = [...updates];
      const random = seededRandom(seed);
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const signed = updates.filter((u) => u.signature !== undefined);
      const latest = signed.length === 0
        ? undefined
        : `n${Math.max(...signed.map((u) => u.incarnation))}`;
      assert.equal(nickAfter(updates), latest);
      assert.equal(nickAfter(shuffled), latest);
    }),
  );
});

Deno.test("MemberTable: a full source is named, and its refusals are counted until taken", () => {
  const table = new MemberTable(SELF, { unprovenPerSourceMax: 1 });
  const id = (n: number) => n.toString(16).padStart(64, "1");
  assert.ok(table.apply(info(id(1), 0, "alive"), 0, undefined, B).applied);
  assert.equal(table.isSourceFull(B), true);
  assert.equal(table.isSourceFull(A), false);
  table.apply(info(id(2), 0, "alive"), 0, undefined, B);
  table.apply(info(id(3), 0, "alive"), 0, undefined, B);
  assert.equal(table.takeCapRefusals(), 2);
  assert.equal(table.takeCapRefusals(), 0);
});
