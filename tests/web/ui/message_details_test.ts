import assert from "node:assert/strict";
import { detailLines } from "../../../lib/web/ui/message_details.ts";

const SELF = "5".repeat(64);
const A = "a".repeat(64);
const B = "b".repeat(64);
const nameOf = (id: string) => id === A ? "ann" : id.slice(0, 8);

Deno.test("detailLines() tells a held-back message's clock, neighbour, cause and release", () => {
  const lines = detailLines(
    { author: A, seq: 2 },
    { author: A, seq: 2, clock: { [A]: 2, [B]: 1 }, text: "hi", at: 30 },
    {
      author: A,
      seq: 2,
      arrivedAt: 10,
      from: B,
      repair: false,
      copies: 2,
      heldAt: 10,
      waitsFor: { author: A, seq: 1 },
      releasedAt: 25,
      deliveredAt: 25,
    },
    { nameOf, selfId: SELF },
  ).join("\n");
  assert.match(lines, /^message ann#2 by ann \(a{64}\)/);
  assert.match(lines, /clock: \{ann:2, bbbbbbbb:1\}/);
  assert.match(lines, /from bbbbbbbb \(b{16}…\); copies received: 2/);
  assert.match(lines, /held back at .*: waited for ann#1/);
  assert.match(lines, /released .* \(held 15 ms\)/);
});

Deno.test("detailLines() says when a message was not held back, or is still held", () => {
  const delivered = detailLines({ author: A, seq: 1 }, undefined, {
    author: A,
    seq: 1,
    arrivedAt: 1,
    copies: 1,
    deliveredAt: 1,
  }, { nameOf, selfId: SELF });
  assert.ok(delivered.includes("not held back"));
  const held = detailLines({ author: A, seq: 3 }, undefined, {
    author: A,
    seq: 3,
    arrivedAt: 1,
    copies: 1,
    heldAt: 1,
    waitsFor: { author: B, seq: 4 },
  }, { nameOf, selfId: SELF });
  assert.ok(held.some((l) => l.endsWith("waited for bbbbbbbb#4")));
  assert.ok(held.includes("still held back"));
  const own = detailLines({ author: SELF, seq: 1 }, { author: SELF, seq: 1, at: 1 }, undefined, {
    nameOf,
    selfId: SELF,
  });
  assert.ok(own.includes("sent by this peer"));
});
