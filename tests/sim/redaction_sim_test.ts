/**
 * Edits, deletes and blocks across a simulated network: every peer ends up
 * showing the same text for every message, deleted text is kept nowhere, and
 * a block never wedges causal delivery of what depends on the blocked member.
 */

import assert from "node:assert/strict";
import type { Effect } from "../../lib/actor/effect.ts";
import { BootstrapRegistry } from "../../lib/bootstrap/bootstrap_registry.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { Random } from "../../lib/random/random.ts";
import { CausalChecker } from "../../lib/sim/causal_checker.ts";
import { SimNetwork, type SimNode } from "../../lib/sim/sim_network.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const BOOTSTRAP = "10.0.0.1:7411";

function randomId(random: Random): string {
  let id = "";
  for (let i = 0; i < 8; i++) id += random.int(0x1_0000_0000).toString(16).padStart(8, "0");
  return id;
}

const key = (author: string, seq: number) => `${author}#${seq}`;

/**
 * What one peer's user sees and what it keeps, built from its events only,
 * as a front end does: `shown` is the text each message shows now (`null`
 * once deleted or withheld), `kept` the text the peer holds of it.
 */
class Screen {
  readonly shown = new Map<string, string | null>();
  readonly kept = new Map<string, string>();

  onEffect(effect: Effect): void {
    if (effect.type === "text-arrived") {
      const k = key(effect.message.author, effect.message.seq);
      this.kept.set(k, effect.message.text);
      this.shown.set(k, effect.message.text);
      return;
    }
    if (effect.type === "redact") {
      this.kept.set(key(effect.message.author, effect.message.seq), effect.message.text);
      return;
    }
    if (effect.type !== "deliver") return;
    const m: ChatMessage = effect.message;
    this.kept.set(key(m.author, m.seq), m.text);
    if (m.amends === undefined) {
      this.shown.set(key(m.author, m.seq), m.redacted === true ? null : m.text);
    } else if (m.redacted !== true || m.amends.kind === "delete") {
      // A redacted edit was superseded (or ignored) before it got here.
      const target = key(m.author, m.amends.target);
      this.shown.set(target, m.amends.kind === "delete" ? null : m.text);
    }
  }
}

interface World {
  net: SimNetwork;
  checker: CausalChecker;
  peers: SimNode<PeerNode>[];
  screens: Map<string, Screen>;
}

function world(seed: number, n: number, blocked: readonly [number, number][] = []): World {
  const net = new SimNetwork({ seed });
  const checker = new CausalChecker();
  net.observe(checker);
  const screens = new Map<string, Screen>();
  net.observe({ onEffect: (node, effect) => screens.get(node.addr)?.onEffect(effect) });
  net.addNode(
    BOOTSTRAP,
    new BootstrapRegistry({ id: randomId(net.random), addr: BOOTSTRAP, random: net.nodeRandom() }),
  );
  const ids = Array.from({ length: n }, () => randomId(net.random));
  const peers: SimNode<PeerNode>[] = [];
  for (let i = 0; i < n; i++) {
    const blocks = blocked.filter(([by]) => by === i).map(([, whom]) => ids[whom]!);
    addPeer(net, peers, screens, ids[i]!, i, blocks);
  }
  net.runUntil(1_000);
  return { net, checker, peers, screens };
}

function addPeer(
  net: SimNetwork,
  peers: SimNode<PeerNode>[],
  screens: Map<string, Screen>,
  id: string,
  i: number,
  blocked: readonly string[] = [],
): void {
  const addr = `10.0.1.${i + 1}:9000`;
  screens.set(addr, new Screen());
  const node = new PeerNode({
    id,
    addr,
    nick: `p${i}`,
    random: net.nodeRandom(),
    bootstraps: [BOOTSTRAP],
    blocked,
  });
  peers.push(net.addNode(addr, node, (p, now) => p.start(now)));
}

function forSeeds(seeds: readonly number[], check: (seed: number) => void): void {
  for (const seed of seeds) {
    try {
      check(seed);
    } catch (error) {
      throw new Error(
        `Simulation failed with seed ${seed} (replay: deno test -A tests/sim/redaction_sim_test.ts): ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }
}

const everyoneKnowsEveryone = (live: readonly SimNode<PeerNode>[]) =>
  live.every((p) => p.actor.peers().length === live.length - 1);

Deno.test("Edits and deletes: every peer shows the same text for every message, with loss, duplication and reordering, and a late joiner repaired from history", () => {
  forSeeds([31, 32, 33], (seed) => {
    const w = world(seed, 8);
    assert.ok(w.net.runUntilTrue(() => everyoneKnowsEveryone(w.peers), 20_000));
    w.net.setFaults({ lossRate: 0.05, duplicateRate: 0.05, reorder: true });
    const start = w.net.nowMs;
    const deleted: string[] = [];
    // Each peer says a few things, then edits and deletes some of them.
    for (const [i, peer] of w.peers.entries()) {
      for (let k = 1; k <= 4; k++) {
        w.net.at(start + 200 * k + i * 13, () => {
          w.net.act(peer, (p, now) => p.sendChat(`p${i} says ${k}`, now, now));
        });
      }
      w.net.at(start + 1_500 + i * 17, () => {
        w.net.act(peer, (p, now) => {
          p.sendChat(`p${i} says 1, edited`, now, now, { amends: { kind: "edit", target: 1 } });
          p.sendChat(`p${i} says 1, edited twice`, now, now, {
            amends: { kind: "edit", target: 1 },
          });
          p.sendChat("", now, now, { amends: { kind: "delete", target: 2 } });
          deleted.push(key(p.id, 2));
        });
      });
      // An edit of a deleted message is refused by its author's own node.
      w.net.at(start + 2_000 + i * 17, () => {
        w.net.act(peer, (p, now) => {
          assert.throws(
            () => p.sendChat("again", now, now, { amends: { kind: "edit", target: 2 } }),
            /Cannot edit: message 2 is deleted already/,
          );
        });
      });
    }
    // A newcomer joins after all of it and gets the history by repair.
    w.net.at(start + 3_000, () => addPeer(w.net, w.peers, w.screens, randomId(w.net.random), 8));
    w.net.runUntil(start + 6_000);
    w.net.setFaults({ lossRate: 0, duplicateRate: 0, reorder: false });
    const total = 8 * 7;
    assert.ok(
      w.net.runUntilTrue(() => w.peers.every((p) => w.checker.countAt(p.addr) === total), 60_000),
      `not everyone delivered ${total}: ${w.peers.map((p) => w.checker.countAt(p.addr))}`,
    );
    const screens = w.peers.map((p) => w.screens.get(p.addr)!);
    const reference = [...screens[0]!.shown].sort();
    for (const [i, screen] of screens.entries()) {
      assert.deepEqual([...screen.shown].sort(), reference, `peer ${i} shows something else`);
      for (const gone of deleted) assert.equal(screen.kept.get(gone), "", `peer ${i} kept ${gone}`);
    }
    const shownTexts = reference.map(([, text]) => text);
    for (let i = 0; i < 8; i++) {
      assert.ok(shownTexts.includes(`p${i} says 1, edited twice`));
      assert.ok(!shownTexts.includes(`p${i} says 1`));
      assert.ok(!shownTexts.includes(`p${i} says 2`));
      assert.ok(shownTexts.includes(`p${i} says 3`));
    }
  });
});

Deno.test("Blocking: a reply to a blocked member is delivered everywhere, the blocker included, and the blocker keeps and relays no text of it", () => {
  forSeeds([41, 42], (seed) => {
    // p1 blocks p0; p0 and p2 cannot reach each other, so all of p0's words
    // reach p2 only through the blocker.
    const w = world(seed, 3, [[1, 0]]);
    const [a, b, c] = w.peers as [SimNode<PeerNode>, SimNode<PeerNode>, SimNode<PeerNode>];
    w.net.partition([[a.addr], [c.addr]]);
    // The block is by identity, given as the option above.
    assert.ok(b.actor.isBlocked(a.actor.id));
    assert.ok(
      w.net.runUntilTrue(
        () => [a, c].every((p) => p.actor.neighbourIds().includes(b.actor.id)),
        20_000,
      ),
    );
    let replied = false;
    w.net.observe({
      onEffect(node, effect) {
        if (node !== c || effect.type !== "deliver" || effect.message.author !== a.actor.id) return;
        if (replied) return;
        replied = true;
        w.net.at(w.net.nowMs, () => w.net.act(c, (p, now) => p.sendChat("reply to p0", now, now)));
      },
    });
    const start = w.net.nowMs;
    w.net.at(start + 10, () => w.net.act(a, (p, now) => p.sendChat("a word from p0", now, now)));
    assert.ok(
      w.net.runUntilTrue(
        () => w.peers.every((p) => w.checker.countAt(p.addr) === 2),
        start + 20_000,
      ),
      `counts: ${w.peers.map((p) => w.checker.countAt(p.addr))}`,
    );
    for (const p of w.peers) {
      const texts = w.checker.deliveredAt(p.addr).map((m) => m.text);
      assert.ok(texts.includes("reply to p0"), `${p.addr} lacks the reply`);
    }
    // The blocker delivered (counted) p0's message without its text, and so did
    // the peer behind it.
    for (const p of [b, c]) {
      const word = w.checker.deliveredAt(p.addr).find((m) => m.author === a.actor.id)!;
      assert.equal(word.redacted, true);
      assert.equal(word.text, "");
    }
    assert.equal(w.checker.deliveredAt(a.addr)[0]!.text, "a word from p0");
  });
});

Deno.test("Blocking: a peer that also has a path around the blocker ends up with the text", () => {
  forSeeds([51, 52, 53], (seed) => {
    // p1 blocks p0; p2 reaches p0 through p1 (no text) and through p3 (text).
    const w = world(seed, 4, [[1, 0]]);
    const [a, , c, d] = w.peers as SimNode<PeerNode>[] as [
      SimNode<PeerNode>,
      SimNode<PeerNode>,
      SimNode<PeerNode>,
      SimNode<PeerNode>,
    ];
    w.net.partition([[a.addr], [c.addr]]);
    assert.ok(w.net.runUntilTrue(() => c.actor.neighbourIds().length === 2, 20_000));
    const start = w.net.nowMs;
    // The path around the blocker is slow: the text-less copy comes first.
    w.net.stall(d.addr, start + 300);
    w.net.at(start + 10, () => w.net.act(a, (p, now) => p.sendChat("around the block", now, now)));
    assert.ok(
      w.net.runUntilTrue(
        () => w.screens.get(c.addr)!.kept.get(key(a.actor.id, 1)) === "around the block",
        start + 20_000,
      ),
      `p2 keeps ${JSON.stringify(w.screens.get(c.addr)!.kept.get(key(a.actor.id, 1)))}`,
    );
  });
});
