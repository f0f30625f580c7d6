/**
 * Repair stays cheap under faults (issue 13): with crashes, partitions,
 * loss, joins and leaves, a broadcast costs at most 2 × (N − 1) chat frames
 * in all (first messages of new authors, repairs of joiners and of loss
 * included), everything is delivered, and what the faults held up arrives
 * within 5 s of the heal. Before the shared tree, an author's first message
 * flooded every link and each new link took a duplicate of every author's
 * next message: chaos cost 4.6 × (N − 1) here, churn 6.8 ×.
 */
import assert from "node:assert/strict";
import { runScenario } from "../../../testing/sim/scenarios.ts";

const NODES = 100;
const SEED = 1;

for (const scenario of ["chaos", "churn"]) {
  Deno.test(`simulation: ${scenario} at ${NODES} peers costs at most 2 × (N − 1) chat frames per broadcast, and heals within 5 s (seed ${SEED})`, () => {
    const report = runScenario({ scenario, nodes: NODES, seed: SEED });
    const replay =
      ` (replay: deno task sim --scenario ${scenario} --nodes ${NODES} --seed ${SEED})`;
    assert.equal(report.delivery_ratio, 1, `delivery ${report.delivery_ratio}${replay}`);
    const perBroadcast = report.chat_sends_per_broadcast_all!;
    assert.ok(
      perBroadcast <= 2 * (NODES - 1),
      `${perBroadcast} chat frames per broadcast, over 2 × (N − 1) = ${2 * (NODES - 1)}${replay}`,
    );
    const afterHeal = report.latency_after_heal_ms;
    assert.ok(
      afterHeal === null || afterHeal.p99 <= 5_000,
      `p99 ${afterHeal?.p99} ms after the heal${replay}`,
    );
  });
}
