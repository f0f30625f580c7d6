import assert from "node:assert/strict";
import type { Effect } from "../../lib/actor/effect.ts";
import { OWN_QUEUED_TRACKED_MAX, OwnMessageStates } from "../../lib/peer/own_message_states.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import { SimNetwork, type SimNode } from "../../lib/sim/sim_network.ts";
import { A, B, chat } from "./_harness.ts";

function states(): { states: OwnMessageStates; events: () => unknown[] } {
  const effects: Effect[] = [];
  const own = new OwnMessageStates(A, (e) => effects.push(e));
  return {
    states: own,
    events: () => effects.splice(0).map((e) => e.type === "message-state" ? [e.seq, e.state] : e),
  };
}

const sendOf = (seq: number): Effect => ({
  type: "send",
  conn: 1,
  message: { type: "chat", message: chat(A, seq, { [A]: seq }) },
});

Deno.test("`OwnMessageStates` reports queued, then sent when the message goes out, then seen, once each", () => {
  const { states: own, events } = states();
  own.onPublished(1, []);
  own.onPublished(2, [sendOf(2)]);
  assert.deepEqual(events(), [[1, "queued"], [2, "sent"]]);
  own.onEffects([sendOf(1), sendOf(1), sendOf(2)]);
  assert.deepEqual(events(), [[1, "sent"]], "sent once, and only what was queued");
  own.onHave(new Map([[A, 1], [B, 9]]));
  own.onHave(new Map([[A, 2]]));
  own.onHave(new Map([[A, 2]]));
  own.onHave(new Map([[A, 7]]));
  assert.deepEqual(events(), [[1, "seen"], [2, "seen"]], "never beyond what was published");
});

Deno.test("`OwnMessageStates` says nothing about the messages of an earlier life", () => {
  const { states: own, events } = states();
  own.onHave(new Map([[A, 5]]));
  own.onPublished(6, [sendOf(6)]);
  own.onHave(new Map([[A, 6]]));
  assert.deepEqual(events(), [[6, "sent"], [6, "seen"]]);
});

Deno.test("`OwnMessageStates` remembers at most OWN_QUEUED_TRACKED_MAX queued messages", () => {
  const { states: own, events } = states();
  for (let seq = 1; seq <= OWN_QUEUED_TRACKED_MAX + 1; seq++) own.onPublished(seq, []);
  events();
  own.onEffects([sendOf(1), sendOf(2)]);
  assert.deepEqual(events(), [[2, "sent"]], "the oldest was forgotten");
});

function pair(seed: number) {
  const net = new SimNetwork({ seed });
  const events: { node: string; effect: Effect }[] = [];
  net.observe({ onEffect: (node, effect) => void events.push({ node: node.addr, effect }) });
  const add = (addr: string, id: string, joins: string[] = []) =>
    net.addNode(
      addr,
      new PeerNode({ id, addr, nick: addr, random: net.nodeRandom(), joins }),
      (p, now) => p.start(now),
    );
  const of = (addr: string, type: Effect["type"]) =>
    events.filter((e) => e.node === addr && e.effect.type === type).map((e) => e.effect);
  return { net, add, of };
}

Deno.test("PeerNode: a line typed alone is queued, sent once a neighbour comes, then seen (SimNetwork)", () => {
  const { net, add, of } = pair(7);
  const alone: SimNode<PeerNode> = add("10.0.0.1:9000", A);
  net.runUntil(100);
  net.act(alone, (p, now) => p.sendChat("hello", now, now));
  add("10.0.0.2:9000", B, ["10.0.0.1:9000"]);
  assert.ok(net.runUntilTrue(() => of("10.0.0.1:9000", "message-state").length === 3, 20_000));
  assert.deepEqual(
    of("10.0.0.1:9000", "message-state").map((e) => e.type === "message-state" && e.state),
    ["queued", "sent", "seen"],
  );
  net.act(alone, (p, now) => p.sendChat("again", now, now));
  assert.ok(net.runUntilTrue(() => of("10.0.0.1:9000", "message-state").length === 5, 20_000));
  assert.deepEqual(
    of("10.0.0.1:9000", "message-state").slice(3),
    [
      { type: "message-state", seq: 2, state: "sent" },
      { type: "message-state", seq: 2, state: "seen" },
    ],
  );
});

Deno.test("PeerNode: losing the last neighbour is said once, with how it reconnects, and so is the return (SimNetwork)", () => {
  const { net, add, of } = pair(8);
  add("10.0.0.1:9000", A);
  add("10.0.0.2:9000", B, ["10.0.0.1:9000"]);
  assert.ok(net.runUntilTrue(() => of("10.0.0.2:9000", "peer-up").length === 1, 10_000));
  net.runUntil(net.nowMs + 1_000);
  assert.deepEqual(of("10.0.0.2:9000", "connectivity"), [], "nothing before a loss");
  net.crash("10.0.0.1:9000");
  assert.ok(net.runUntilTrue(() => of("10.0.0.2:9000", "connectivity").length === 1, 60_000));
  const [alone] = of("10.0.0.2:9000", "connectivity");
  assert.ok(alone?.type === "connectivity" && alone.state === "alone" && alone.neighbours === 0);
  assert.ok(alone.nextAttemptInMs >= 0 && Number.isFinite(alone.nextAttemptInMs));
  net.runUntil(net.nowMs + 30_000);
  assert.equal(of("10.0.0.2:9000", "connectivity").length, 1, "said once");
  add("10.0.0.1:9000", A);
  assert.ok(net.runUntilTrue(() => of("10.0.0.2:9000", "connectivity").length === 2, 120_000));
  const back = of("10.0.0.2:9000", "connectivity")[1];
  assert.ok(back?.type === "connectivity" && back.state === "linked" && back.neighbours === 1);
});
