import assert from "node:assert/strict";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import {
  type OverlayInput,
  type OverlayLinkInput,
  overlayView,
} from "../../lib/peer/overlay_view.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { ChatMessage, Hello } from "../../lib/wire/message.ts";

const SELF = "5".repeat(64);
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const D = "d".repeat(64);
const BOOT_ID = "e".repeat(64);

function hello(id: string, addr: string, role: "peer" | "bootstrap" = "peer"): Hello {
  return { type: "hello", version: 5, id, addr, nick: id.slice(0, 3), role, incarnation: 0 };
}

function link(id: string, overrides: Partial<OverlayLinkInput> = {}): OverlayLinkInput {
  return {
    purpose: "peer",
    remote: hello(id, `10.0.0.${id.charCodeAt(0) % 200}:9000`),
    accepted: true,
    outbound: true,
    openedAtMs: 100,
    lastReceivedMs: 900,
    tree: { lazyFor: new Set() },
    ...overrides,
  };
}

function input(overrides: Partial<OverlayInput> = {}): OverlayInput {
  return {
    self: { id: SELF, addr: "10.0.0.5:9000", nick: "me" },
    incarnation: 2,
    members: [
      {
        id: A,
        addr: "10.0.0.1:9000",
        status: "alive",
        incarnation: 0,
        nick: "ann",
        changedAtMs: 0,
      },
      { id: B, addr: "10.0.0.2:9000", status: "suspect", incarnation: 1, changedAtMs: 500 },
      { id: C, addr: "10.0.0.3:9000", status: "dead", incarnation: 0, changedAtMs: 800 },
      {
        id: D,
        addr: "10.0.0.4:9000",
        status: "dead",
        incarnation: 3,
        changedAtMs: 900,
        record: { status: "dead" },
      },
    ],
    links: [link(A)],
    delivered: new Map([[A, 3]]),
    deliveredSeq: (id) => (id === A ? 3 : 0),
    held: [],
    ...overrides,
  };
}

Deno.test("overlayView() lists self first, then every member with its state and clock entry", () => {
  const view = overlayView(input(), 1_000);
  assert.deepEqual(view.members.map((m) => [m.id, m.state]), [
    [SELF, "self"],
    [A, "alive"],
    [B, "suspect"],
    [C, "dead"],
    [D, "left"],
  ]);
  assert.equal(view.members[0]!.incarnation, 2);
  assert.equal(view.members[1]!.seq, 3);
  assert.equal(view.members[1]!.nick, "ann");
  assert.equal(view.members[2]!.changedAgoMs, 500);
  assert.equal(view.omittedMembers, 0);
});

Deno.test("overlayView() gives each own link its kind: eager, lazy, pending, liveness, bootstrap", () => {
  const view = overlayView(
    input({
      links: [
        link(A),
        link(B, { tree: { lazyFor: new Set([SELF, A]) } }),
        link(C, { accepted: false }),
        link(D, { purpose: "liveness" }),
        link(BOOT_ID, {
          purpose: "bootstrap",
          remote: hello(BOOT_ID, "10.0.0.9:7411", "bootstrap"),
        }),
        link(A, { purpose: "liveness" }), // a second link to A is drawn once
        { ...link(A), remote: undefined }, // a dial not answered yet is not drawn
      ],
      members: [],
    }),
    1_000,
  );
  assert.deepEqual(view.links.map((l) => [l.id, l.kind]), [
    [A, "eager"],
    [B, "lazy"],
    [C, "pending"],
    [D, "liveness"],
    [BOOT_ID, "bootstrap"],
  ]);
  assert.equal(view.links[0]!.ageMs, 900);
  assert.equal(view.links[0]!.quietMs, 100);
  assert.equal(view.links[1]!.lazyAuthors, 2);
  // The bootstrap is drawn as a node of its own.
  assert.deepEqual(view.members.find((m) => m.id === BOOT_ID)?.state, "bootstrap");
});

Deno.test("overlayView() caps the members at membersMax, neighbours kept first, and counts the rest", () => {
  const members = Array.from({ length: 10 }, (_, i) => ({
    id: i.toString(16).padStart(64, "0"),
    addr: `10.0.1.${i}:9000`,
    status: "alive" as const,
    incarnation: 0,
    changedAtMs: 0,
  }));
  const neighbour = members[9]!.id;
  const view = overlayView(input({ members, links: [link(neighbour)] }), 1_000, {
    membersMax: 4,
  });
  assert.equal(view.members.length, 4);
  assert.equal(view.omittedMembers, 7);
  assert.equal(view.members[1]!.id, neighbour);
  assert.deepEqual(view.links.map((l) => l.id), [neighbour]);
});

Deno.test("overlayView() lists held messages with what each waits for, capped at heldMax", () => {
  const held = [
    { author: A, seq: 6, clock: new Map([[A, 6]]) },
    { author: B, seq: 1, clock: new Map([[B, 1], [A, 5]]) },
  ];
  const view = overlayView(input({ held }), 0);
  assert.deepEqual(view.held, [
    { author: A, seq: 6, waitsFor: { author: A, seq: 4 } },
    { author: B, seq: 1, waitsFor: { author: A, seq: 4 } },
  ]);
  const capped = overlayView(input({ held }), 0, { heldMax: 1 });
  assert.equal(capped.held.length, 1);
  assert.equal(capped.omittedHeld, 1);
});

Deno.test("overlayView() counts history given up as delivered when it says what a message waits for", () => {
  // G's history up to 1 was given up (no clock entry, no slot): B#1 waits for G#2, not G#1.
  const G = "99".repeat(32);
  const held = [{ author: B, seq: 1, clock: new Map([[B, 1], [G, 2]]) }];
  const deliveredSeq = (id: string) => (id === A ? 3 : id === G ? 1 : 0);
  const view = overlayView(input({ held, deliveredSeq }), 0);
  assert.deepEqual(view.held, [{ author: B, seq: 1, waitsFor: { author: G, seq: 2 } }]);
});

function chat(author: string, seq: number, clock: Record<string, number>): ChatMessage {
  return {
    author,
    seq,
    clock: new Map(Object.entries(clock)),
    nick: "x",
    text: `m${seq}`,
    ts: 0,
    signature: new Uint8Array(0),
  };
}

Deno.test("PeerNode.overlay() and heldCause() show a held message until its cause arrives", () => {
  const node = new PeerNode({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
  });
  node.start(0);
  const conn = node.handleAccepted(hello(A, "10.0.0.2:9000"), 0);
  node.handleMessage(conn, { type: "get-peers" }, 0);
  node.takeEffects();
  assert.equal(node.remoteIdOf(conn), A);
  node.handleMessage(conn, { type: "chat", message: chat(A, 2, { [A]: 2 }) }, 1);
  assert.deepEqual(node.heldCause(A, 2), { author: A, seq: 1 });
  let view = node.overlay(5);
  assert.deepEqual(view.held, [{ author: A, seq: 2, waitsFor: { author: A, seq: 1 } }]);
  assert.deepEqual(view.members.map((m) => [m.id, m.state]), [[SELF, "self"], [A, "alive"]]);
  assert.deepEqual(view.links.map((l) => [l.id, l.kind]), [[A, "eager"]]);
  node.handleMessage(conn, { type: "chat", message: chat(A, 1, { [A]: 1 }) }, 2);
  assert.equal(node.heldCause(A, 2), undefined);
  view = node.overlay(5);
  assert.deepEqual(view.held, []);
  assert.equal(view.members[1]!.seq, 2);
});
