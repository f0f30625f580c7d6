import assert from "node:assert/strict";
import { type InsiderResult, runAttackOrReplay } from "../../../testing/sim/insider.ts";

// What CI can afford: 16 honest peers against 12 hostile identities, two seeds.
const SEEDS = [1, 2];

function run(attack: string, seed: number): InsiderResult {
  return runAttackOrReplay(attack, { nodes: 16, seed });
}

Deno.test("insider links: under forced joins by black holes every honest peer keeps honest links, and delivery stays whole", () => {
  for (const seed of SEEDS) {
    const result = run("forced-joins", seed);
    // Before outbound slots, activity protection and the join request sent
    // first, peers that joined last were left with hostile neighbours only
    // (30 nodes: delivery 0.86 at seed 1).
    assert.ok(result.delivery_during >= 0.99, `seed ${seed}: delivery ${result.delivery_during}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
    assert.ok(
      result.outcome.honest_links_per_peer! >= 6,
      `seed ${seed}: ${result.outcome.honest_links_per_peer} honest links per peer`,
    );
    // A message is late only when a graft repairs a black-holed push (one graft timeout).
    assert.ok(result.latency_ms!.p99 < 1_000, `seed ${seed}: p99 ${result.latency_ms!.p99} ms`);
  }
});

Deno.test("insider links: identities minted on one host force few joins and leave the honest links whole", () => {
  for (const seed of SEEDS) {
    const result = run("forced-joins-one-host", seed);
    assert.ok(result.delivery_during >= 0.99, `seed ${seed}: delivery ${result.delivery_during}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
    assert.ok(
      result.outcome.honest_links_per_peer! >= 6,
      `seed ${seed}: ${result.outcome.honest_links_per_peer} honest links per peer`,
    );
    // Idle, they are never protected: they hold free slots until a needed join displaces them
    // (about 3 of 12 here).
    assert.ok(
      result.outcome.minted_links_per_peer! <= 4,
      `seed ${seed}: ${result.outcome.minted_links_per_peer} minted links per peer`,
    );
  }
});

Deno.test("insider links: members that announce messages they never send are backed off by their neighbours", () => {
  for (const seed of SEEDS) {
    const result = run("lying-announcer", seed);
    assert.equal(result.delivery_during, 1, `seed ${seed}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
    // Without scoring nobody backs them off (0); each liar has several honest neighbours.
    assert.ok(result.outcome.backed_off_by! >= 4, `seed ${seed}: ${result.outcome.backed_off_by}`);
  }
});
