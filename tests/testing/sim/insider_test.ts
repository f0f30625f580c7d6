import assert from "node:assert/strict";
import {
  INSIDER_ATTACKS,
  type InsiderResult,
  runAttack,
  runAttackOrReplay,
  type RunInsiderOptions,
} from "../../../testing/sim/insider.ts";

// What CI can afford: 16 honest peers, windows a tenth of the defaults so
// that the floods fill them quickly, two seeds.
const SEEDS = [1, 2];
const small = (seed: number): RunInsiderOptions => ({
  nodes: 16,
  seed,
  peer: { historyMessagesMax: 1_000, holdBackMessagesMax: 1_000, holdBackPerAuthorMax: 100 },
});

// Each attack and seed runs once; the tests below read its result.
const results = new Map<string, InsiderResult>();

function run(attack: string, seed: number): InsiderResult {
  const key = `${attack}/${seed}`;
  const known = results.get(key);
  if (known !== undefined) return known;
  const result = runAttackOrReplay(attack, small(seed));
  results.set(key, result);
  return result;
}

Deno.test("insider: without attackers every honest message is delivered everywhere, and the room settles", () => {
  for (const seed of SEEDS) {
    const result = run("none", seed);
    assert.equal(result.delivery_during, 1, `seed ${seed}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
    assert.notEqual(result.recovered_ms, null, `seed ${seed}`);
  }
});

// Every attack runs to its end with the simulator's invariants checked at
// every honest peer throughout: causal order, no duplicate or gap, every
// table within its bound. What each defence achieves is asserted below.
for (const attack of Object.keys(INSIDER_ATTACKS).filter((a) => a !== "none")) {
  Deno.test(`insider: ${attack} keeps the honest peers' invariants`, () => {
    for (const seed of SEEDS) {
      const result = run(attack, seed);
      assert.equal(result.attack, attack);
      assert.ok(result.attackers >= 1);
      assert.ok(result.delivery_final >= 0 && result.delivery_final <= 1);
    }
  });
}

Deno.test("insider: the hostile strategies do what they say (their effect shows in the outcome)", () => {
  const equivocation = run("equivocation", 1);
  assert.ok(equivocation.outcome.split_messages! + equivocation.outcome.honest_peers_told! > 0);
  const holdBack = run("hold-back-bytes", 1);
  assert.ok(holdBack.peaks.held_back > 0, "the undeliverable messages reach the hold-back queues");
  const want = run("want-flood", 1);
  assert.ok(want.outcome.want_bytes_in! > 0);
});

Deno.test("insider: a want flood costs the honest peers less than it costs the asker (no amplification)", () => {
  for (const seed of SEEDS) {
    const result = run("want-flood", seed);
    assert.ok(
      result.outcome.amplification! < 1.5,
      `seed ${seed}: ${result.outcome.chat_bytes_out} bytes of repairs for ${result.outcome.want_bytes_in} bytes of want`,
    );
    assert.equal(result.delivery_during, 1, `seed ${seed}`);
  }
});

Deno.test("insider: undeliverable large messages hold at most holdBackBytesMax at any honest peer", () => {
  for (const seed of SEEDS) {
    const options = small(seed);
    const result = runAttack("hold-back-bytes", {
      ...options,
      peer: { ...options.peer, holdBackBytesMax: 4_194_304, holdBackPerAuthorBytesMax: 1_048_576 },
    });
    assert.ok(result.outcome.held_back_mb! > 0, `seed ${seed}: the attack reaches the queues`);
    assert.ok(
      result.outcome.held_back_mb! <= 4.2,
      `seed ${seed}: ${result.outcome.held_back_mb} MB`,
    );
    assert.equal(result.delivery_during, 1, `seed ${seed}`);
  }
});

Deno.test("insider: forced joins cannot take over the honest links (own dials and active links are protected)", () => {
  for (const seed of SEEDS) {
    const result = run("forced-joins", seed);
    // Without the protection every honest link was displaced (0 per peer, delivery 0).
    assert.ok(
      result.outcome.honest_links_per_peer! >= 6,
      `seed ${seed}: ${result.outcome.honest_links_per_peer} honest links per peer`,
    );
    assert.ok(result.delivery_during >= 0.8, `seed ${seed}: delivery ${result.delivery_during}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
  }
});

Deno.test("insider: a flood of tiny messages pushes out only the flooder's history (a recovering peer gets every honest message)", () => {
  for (const seed of SEEDS) {
    const result = run("tiny-flood", seed);
    assert.equal(result.outcome.recovering_peer_delivery, 1, `seed ${seed}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
  }
});

Deno.test("insider: throwaway authors cannot take the author slots (a real newcomer is heard, honest delivery holds)", () => {
  for (const seed of SEEDS) {
    const result = run("throwaway-authors", seed);
    // Without the stranger bound: newcomer 0, honest delivery about 0.01.
    assert.equal(result.outcome.newcomer_delivery_final, 1, `seed ${seed}`);
    assert.ok(result.delivery_during >= 0.99, `seed ${seed}: delivery ${result.delivery_during}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
  }
});

Deno.test("insider: an equivocating author is found out, and every honest peer reaches the same outcome", () => {
  for (const seed of SEEDS) {
    const result = run("equivocation", seed);
    // Before: split 30, told 0 (each peer kept whichever version came first, silently).
    assert.ok(result.outcome.split_messages! > 0, `seed ${seed}: the attack splits deliveries`);
    assert.equal(result.outcome.unresolved_splits, 0, `seed ${seed}`);
    assert.equal(result.outcome.honest_peers_told, 16, `seed ${seed}`);
    assert.equal(result.delivery_final, 1, `seed ${seed}`);
  }
});
