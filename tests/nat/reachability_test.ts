import assert from "node:assert/strict";
import { ReachabilityCheck } from "../../lib/nat/reachability.ts";

function check() {
  let n = 0;
  return new ReachabilityCheck(() => `nonce${++n}`);
}

Deno.test("ReachabilityCheck: only a probe of its own nonce makes a peer public", () => {
  const c = check();
  assert.equal(c.state, "unknown");
  c.ask("helper-a", 0);
  assert.equal(c.probed("someone-elses"), undefined);
  assert.equal(c.state, "unknown");
  const again = c.ask("helper-a", 10);
  assert.equal(c.probed(again), "public");
  assert.equal(c.decidedBy, "helper-a");
  assert.equal(c.answered(again, true), undefined, "nothing changes");
});

Deno.test("ReachabilityCheck: a failed dial-back makes a peer private, unless a probe came", () => {
  const c = check();
  const a = c.ask("helper-a", 0);
  const b = c.ask("helper-b", 0);
  assert.equal(c.answered(a, undefined), undefined, "a refusal is no evidence");
  assert.equal(c.answered(b, false), "private");
  assert.equal(c.decidedBy, "helper-b");
  // A later probe overrides: it is proof.
  const d = c.ask("helper-c", 1);
  assert.equal(c.probed(d), "public");
  // And once public, a failure elsewhere does not undo it.
  const e = c.ask("helper-d", 2);
  assert.equal(c.answered(e, false), undefined);
  assert.equal(c.state, "public");
});

Deno.test("ReachabilityCheck: a helper that reached something else at this peer's address (no probe came) says it is private", () => {
  const c = check();
  const nonce = c.ask("helper-a", 0);
  assert.equal(c.answered(nonce, true), "private");
});

Deno.test("ReachabilityCheck: open asks are bounded (the oldest is forgotten)", () => {
  const c = check();
  const first = c.ask("h", 0);
  for (let i = 0; i < 16; i++) c.ask("h", 0);
  assert.equal(c.probed(first), undefined, "forgotten");
});

Deno.test("ReachabilityCheck: a new round (the network changed) decides again either way; answers of earlier rounds count for nothing", () => {
  const c = check();
  const first = c.ask("helper-a", 0);
  assert.equal(c.probed(first), "public");
  assert.ok(c.settled);
  // Within the round, a failure does not undo the proof.
  assert.equal(c.answered(c.ask("helper-b", 1), false), undefined);
  assert.equal(c.state, "public");

  c.newRound();
  assert.ok(!c.settled, "the state stands, unsettled, until this round's evidence");
  assert.equal(c.state, "public");
  const late = c.ask("helper-a", 2);
  c.newRound();
  assert.equal(c.probed(late), undefined, "a probe asked for in an earlier round");
  assert.equal(c.answered(c.ask("helper-b", 3), false), "private", "the new network");
  assert.ok(c.settled);
  assert.equal(c.decidedBy, "helper-b");

  c.newRound();
  assert.equal(c.answered(c.ask("helper-b", 4), false), undefined, "the same verdict again");
  assert.ok(c.settled, "confirmed: settled, unchanged");
  c.newRound();
  assert.equal(c.probed(c.ask("helper-c", 5)), "public");
});
