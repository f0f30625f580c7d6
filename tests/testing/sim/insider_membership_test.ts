import assert from "node:assert/strict";
import { type InsiderResult, runAttackOrReplay } from "../../../testing/sim/insider.ts";

// Membership attacks at a size CI can afford: 16 honest peers, two seeds.
const SEEDS = [1, 2];

function run(attack: string, seed: number): InsiderResult {
  return runAttackOrReplay(attack, { nodes: 16, seed });
}

Deno.test("insider false-death: an unsigned claim at the largest incarnation kills nobody; the victim is alive again everywhere after its restart", () => {
  for (const seed of SEEDS) {
    const result = run("false-death", seed);
    assert.equal(
      result.outcome.victim_dead_views_attack,
      0,
      `seed ${seed}: dead during the attack`,
    );
    assert.equal(result.outcome.victim_dead_views_final, 0, `seed ${seed}: dead at the end`);
    assert.ok(
      result.outcome.victim_incarnation_final! < 1_000,
      `seed ${seed}: the liar pushed the victim's incarnation to ${result.outcome.victim_incarnation_final}`,
    );
    assert.notEqual(result.recovered_ms, null, `seed ${seed}: the room did not settle`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
  }
});

Deno.test("insider bogus-addresses: made-up addresses stay a small share of the honest tables and are gone at the end; newcomers join", () => {
  for (const seed of SEEDS) {
    const result = run("bogus-addresses", seed);
    const outcome = result.outcome;
    assert.ok(
      outcome.bogus_entry_share_attack! <= 0.25,
      `seed ${seed}: ${JSON.stringify(outcome)}`,
    );
    assert.equal(outcome.bogus_entry_share_final, 0, `seed ${seed}: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.newcomers_joined, 3, `seed ${seed}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
  }
});
