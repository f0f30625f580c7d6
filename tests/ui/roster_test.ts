import assert from "node:assert/strict";
import { Roster, ROSTER_HEARD_MAX } from "../../lib/ui/roster.ts";

const id = (prefix: string) => prefix.padEnd(64, "0");
const BOB1 = id("3a09");
const BOB2 = id("3a0f");
const ANN = id("9e00");
const BOB = id("b0b0");
const CAROL = id("ca01");

Deno.test("Roster names live members by their records and past authors by their messages, suffixed when they share a nick", () => {
  let live: { id: string; nick?: string }[] = [{ id: BOB1, nick: "bob" }];
  const roster = new Roster(() => live);
  roster.heard(ANN, "ann");
  roster.heard(BOB1, "bobby");
  assert.equal(roster.nameOf(BOB1), "bob", "the record's nick wins over a message's");
  assert.equal(roster.nameOf(ANN), "ann");
  assert.equal(roster.authorName(BOB1, "bob"), "bob");
  live = [...live, { id: BOB2, nick: "bob" }];
  roster.membersChanged();
  assert.equal(roster.authorName(BOB1, "bob"), "bob#3a09");
  assert.equal(roster.authorName(BOB2, "bob"), "bob#3a0f");
  assert.equal(roster.authorName(BOB1, "bobby"), "bobby", "an older nick is shown as written");
  assert.deepEqual(roster.resolve("ann"), { id: ANN });
});

Deno.test("Roster remembers at most ROSTER_HEARD_MAX authors by their messages, forgetting the oldest", () => {
  const roster = new Roster(() => []);
  for (let i = 0; i <= ROSTER_HEARD_MAX; i++) {
    roster.heard(i.toString(16).padStart(64, "0"), `n${i}`);
  }
  const everyone = roster.everyone();
  assert.equal(everyone.length, ROSTER_HEARD_MAX);
  assert.equal(everyone[0]?.nick, "n1", "the first heard was forgotten");
});

Deno.test("Roster.heardEvent() learns nicks from deliveries, direct messages and member events; nickOf() prefers the record", () => {
  let members: { id: string; nick?: string }[] = [];
  const roster = new Roster(() => members);
  const message = {
    author: BOB,
    seq: 1,
    clock: new Map([[BOB, 1]]),
    nick: "bob",
    text: "hi",
    ts: 1,
    signature: new Uint8Array(0),
  };
  roster.heardEvent({ type: "deliver", message });
  roster.heardEvent({ type: "direct-message", from: CAROL, nick: "carol", text: "x", ts: 1 });
  roster.heardEvent({ type: "log", level: "info", text: "nothing to learn" });
  assert.equal(roster.nickOf(BOB), "bob");
  assert.equal(roster.nickOf(CAROL), "carol");
  assert.equal(roster.nickOf("dd".repeat(32)), undefined);
  members = [{ id: BOB, nick: "robert" }];
  assert.equal(roster.nickOf(BOB), "robert", "the member's signed record wins");
  assert.equal(roster.resolve("carol").id, CAROL);
});
