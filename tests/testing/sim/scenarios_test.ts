/**
 * The simulation suite CI runs: every scenario over fixed seeds. A failure
 * names the seed and the command that replays it (see `runScenario`).
 * `deno task sim:soak` runs many more seeds.
 */
import assert from "node:assert/strict";
import { runScenario, SCENARIOS } from "../../../testing/sim/scenarios.ts";

const SEEDS = [1, 2, 3];
const NODES = 40;

for (const scenario of Object.keys(SCENARIOS)) {
  Deno.test(`simulation '${scenario}' (${NODES} nodes, seeds ${SEEDS.join(", ")}): safe, then converges`, () => {
    for (const seed of SEEDS) {
      const report = runScenario({ scenario, nodes: NODES, seed });
      assert.equal(
        report.delivery_ratio,
        1,
        `seed ${seed}: not everything was delivered everywhere`,
      );
      assert.notEqual(
        report.converged_after_heal_ms,
        null,
        `seed ${seed}: membership never converged`,
      );
    }
  });
}

Deno.test("simulation 'steady': one broadcast per tree link once an author's tree is built", () => {
  const report = runScenario({ scenario: "steady", nodes: 100, seed: 5 });
  assert.ok(
    report.chat_sends_per_broadcast !== null && report.chat_sends_per_broadcast <= 1.2 * 99,
  );
  assert.ok(report.rounds !== null && report.rounds.max <= report.rounds.pittel_bound + 10);
});

Deno.test("simulation 'crash-restart': crashes are detected everywhere and nobody alive is declared dead", () => {
  const report = runScenario({ scenario: "crash-restart", nodes: 60, seed: 9 });
  assert.equal(report.failures.false_positives, 0);
  assert.equal(report.failures.crashes, 6);
  assert.ok(report.failures.detection_ms !== null);
});

Deno.test("simulation runs are a pure function of the seed", () => {
  const a = runScenario({ scenario: "chaos", nodes: 20, seed: 77 });
  const b = runScenario({ scenario: "chaos", nodes: 20, seed: 77 });
  assert.deepEqual(a, b);
});
