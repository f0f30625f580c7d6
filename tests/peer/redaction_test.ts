import assert from "node:assert/strict";
import { Redactions } from "../../lib/peer/redaction.ts";
import type { Amendment, ChatMessage } from "../../lib/wire/message.ts";

const A = "a".repeat(64);

function chat(seq: number, text: string, amends?: Amendment): ChatMessage {
  const m = { author: A, seq, clock: new Map([[A, seq]]), nick: "ann", text, ts: 0 };
  return { ...m, signature: new Uint8Array(0), ...(amends === undefined ? {} : { amends }) };
}

const nothingHeld = () => undefined;

Deno.test("Redactions.apply(): an edit removes the target's text and the previous edit's; the latest edit wins", () => {
  const r = new Redactions(10);
  const e1 = chat(2, "x", { kind: "edit", target: 1 });
  assert.deepEqual(r.apply(e1 as ChatMessage & { amends: Amendment }, nothingHeld), {
    applied: true,
    redact: [1],
  });
  const e2 = chat(3, "y", { kind: "edit", target: 1 });
  assert.deepEqual(r.apply(e2 as ChatMessage & { amends: Amendment }, nothingHeld), {
    applied: true,
    redact: [1, 2],
  });
  assert.equal(r.lastEdit(A, 1), 3);
});

Deno.test("Redactions.apply(): a delete is final; a later edit, or an amendment of an amendment, is ignored", () => {
  const r = new Redactions(10);
  r.apply(
    chat(2, "x", { kind: "edit", target: 1 }) as ChatMessage & { amends: Amendment },
    nothingHeld,
  );
  const del = chat(3, "", { kind: "delete", target: 1 }) as ChatMessage & { amends: Amendment };
  assert.deepEqual(r.apply(del, nothingHeld), { applied: true, redact: [1, 2] });
  assert.ok(r.isDeleted(A, 1));
  const late = chat(4, "back", { kind: "edit", target: 1 }) as ChatMessage & { amends: Amendment };
  assert.deepEqual(r.apply(late, nothingHeld), { applied: false, redact: [4] });
  const meta = chat(5, "z", { kind: "edit", target: 2 }) as ChatMessage & { amends: Amendment };
  const held = (seq: number) => seq === 2 ? chat(2, "x", { kind: "edit", target: 1 }) : undefined;
  assert.deepEqual(r.apply(meta, held), { applied: false, redact: [5] });
});

Deno.test("Redactions.problem() names what an author may not amend", () => {
  const r = new Redactions(10);
  assert.equal(
    r.problem(A, { kind: "edit", target: 1 }, 1, nothingHeld),
    "you have not sent a message yet",
  );
  assert.equal(
    r.problem(A, { kind: "edit", target: 7 }, 5, nothingHeld),
    "there is no message 7 of yours (1 to 4)",
  );
  r.apply(
    chat(3, "", { kind: "delete", target: 2 }) as ChatMessage & { amends: Amendment },
    nothingHeld,
  );
  assert.equal(
    r.problem(A, { kind: "edit", target: 2 }, 5, nothingHeld),
    "message 2 is deleted already",
  );
  assert.equal(
    r.problem(
      A,
      { kind: "delete", target: 3 },
      5,
      () => chat(3, "", { kind: "delete", target: 2 }),
    ),
    "message 3 is itself an edit or delete",
  );
  assert.equal(r.problem(A, { kind: "edit", target: 1 }, 5, nothingHeld), undefined);
});

Deno.test("Redactions forgets the oldest amended message past targetsMax, and restore() rebuilds from history", () => {
  const r = new Redactions(2);
  for (let target = 1; target <= 3; target++) {
    r.apply(
      chat(10 + target, "", { kind: "delete", target }) as ChatMessage & { amends: Amendment },
      nothingHeld,
    );
  }
  assert.equal(r.size, 2);
  assert.ok(!r.isDeleted(A, 1));
  assert.ok(r.isDeleted(A, 3));
  const restored = new Redactions(10);
  restored.restore([chat(1, "hi"), chat(2, "", { kind: "delete", target: 1 })]);
  assert.ok(restored.isDeleted(A, 1));
});
