import assert from "node:assert/strict";
import fc from "fast-check";
import { displayNames, resolvePeerName } from "../../lib/ui/peer_names.ts";

const id = (prefix: string) => prefix.padEnd(64, "0");
const BOB1 = id("3a09");
const BOB2 = id("3a0f");
const ANN = id("9e00");
const ANON = id("c0ffee");

const members = [
  { id: BOB1, nick: "bob" },
  { id: BOB2, nick: "bob" },
  { id: ANN, nick: "ann" },
  { id: ANON },
];

Deno.test("displayNames() shows a unique nick alone, namesakes with a short id suffix, the unnamed by fingerprint", () => {
  const names = displayNames(members);
  assert.equal(names.get(ANN), "ann");
  assert.equal(names.get(BOB1), "bob#3a09");
  assert.equal(names.get(BOB2), "bob#3a0f");
  assert.equal(names.get(ANON), "c0ffee00");
});

Deno.test("displayNames() lengthens a suffix until namesakes differ", () => {
  const names = displayNames([{ id: id("3a0911"), nick: "bob" }, {
    id: id("3a0922"),
    nick: "bob",
  }]);
  assert.deepEqual([...names.values()], ["bob#3a091", "bob#3a092"]);
});

Deno.test("resolvePeerName() takes a display name, a unique nick, nick#prefix or an id prefix", () => {
  assert.deepEqual(resolvePeerName("ann", members), { id: ANN });
  assert.deepEqual(resolvePeerName("bob#3a09", members), { id: BOB1 });
  assert.deepEqual(resolvePeerName("bob#3A0F", members), { id: BOB2 });
  assert.deepEqual(resolvePeerName("9E00", members), { id: ANN });
  assert.deepEqual(resolvePeerName("c0ffee00", members), { id: ANON });
});

Deno.test("resolvePeerName() says why it cannot pick one", () => {
  assert.match(
    resolvePeerName("bob", members).error!,
    /Several peers are called bob: say which \(bob#3a09, bob#3a0f\)/,
  );
  assert.match(resolvePeerName("bob#3a0", members).error!, /fits several peers/);
  assert.match(
    resolvePeerName("3a0", members).error!,
    /No peer known as 3a0/,
    "too short a prefix",
  );
  assert.match(resolvePeerName("carol", members).error!, /No peer known as carol/);
  assert.match(resolvePeerName("", members).error!, /No peer named/);
  assert.match(resolvePeerName("\u001b[2J", members).error!, /No peer known as \ufffd\[2J/);
});

Deno.test("resolvePeerName() finds every member by its display name, and never throws (property)", () => {
  const member = fc.record({
    // Ids that share long prefixes, so that suffixes must grow.
    id: fc.uint8Array({ minLength: 3, maxLength: 3 }).map((b) =>
      [...b].map((x) => (x % 4).toString(16)).join("").padEnd(64, "0")
    ),
    nick: fc.option(fc.constantFrom("bob", "ann", "b#1", "3a09"), { nil: undefined }),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(member, { selector: (m) => m.id, maxLength: 8 }),
      fc.string(),
      (list, typed) => {
        resolvePeerName(typed, list);
        const names = displayNames(list);
        for (const m of list) {
          assert.deepEqual(resolvePeerName(names.get(m.id)!, list), { id: m.id });
        }
      },
    ),
  );
});
