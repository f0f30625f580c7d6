import assert from "node:assert/strict";
import { GraphModel, isEmptyDiff, type OverlayObject } from "../../../lib/web/ui/graph_model.ts";

const SELF = "5".repeat(64);
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

function overlay(
  members: [string, OverlayObject["members"][number]["state"]][],
  links: [string, string][],
): OverlayObject {
  return {
    members: members.map(([id, state]) => ({ id, state, addr: "x:1", incarnation: 0, seq: 0 })),
    links: links.map(([id, kind]) => ({ id, kind })),
  };
}

Deno.test("GraphModel.applyOverlay() reports the nodes and links added, changed and removed", () => {
  const model = new GraphModel();
  let diff = model.applyOverlay(
    overlay([[SELF, "self"], [A, "alive"], [B, "alive"]], [[A, "eager"], [B, "lazy"]]),
  );
  assert.deepEqual(diff.addedNodes, [SELF, A, B]);
  assert.deepEqual(diff.addedLinks, [A, B]);
  assert.equal(model.selfId, SELF);
  assert.equal(model.links.get(A)?.source, SELF);
  // Layout positions survive an update.
  model.nodes.get(A)!.x = 42;
  diff = model.applyOverlay(
    overlay([[SELF, "self"], [A, "suspect"], [C, "alive"]], [[A, "lazy"], [C, "eager"]]),
  );
  assert.deepEqual(diff, {
    addedNodes: [C],
    removedNodes: [B],
    changedNodes: [A],
    addedLinks: [C],
    removedLinks: [B],
    changedLinks: [A],
  });
  assert.equal(model.nodes.get(A)!.x, 42);
  assert.equal(model.nodes.get(A)!.state, "suspect");
  assert.ok(isEmptyDiff(model.applyOverlay(
    overlay([[SELF, "self"], [A, "suspect"], [C, "alive"]], [[A, "lazy"], [C, "eager"]]),
  )));
});

Deno.test("GraphModel: a link to a node not drawn is left out", () => {
  const model = new GraphModel();
  model.applyOverlay(overlay([[SELF, "self"]], [[A, "eager"]]));
  assert.equal(model.links.size, 0);
});

Deno.test("GraphModel.peerDown() marks the node dead and drops its link; peerUp() revives it", () => {
  const model = new GraphModel();
  model.applyOverlay(overlay([[SELF, "self"], [A, "alive"]], [[A, "eager"]]));
  assert.deepEqual(model.peerDown(A).removedLinks, [A]);
  assert.equal(model.nodes.get(A)?.state, "dead");
  assert.ok(isEmptyDiff(model.peerDown(A)));
  assert.ok(isEmptyDiff(model.peerDown(SELF)));
  assert.deepEqual(model.peerDown(A, "left").changedNodes, [A]);
  assert.equal(model.nodes.get(A)?.state, "left");
  assert.deepEqual(model.peerUp(A, "ann", "x:1").changedNodes, [A]);
  assert.deepEqual(model.peerUp(B, "bob", "x:2").addedNodes, [B]);
  assert.deepEqual(model.rename(B, "robert").changedNodes, [B]);
  assert.equal(model.nodes.get(B)?.nick, "robert");
});

Deno.test("GraphModel.applyOverlay() reports a link whose path changed (relayed, then punched)", () => {
  const model = new GraphModel();
  const members: OverlayObject["members"] = [
    { id: SELF, state: "self" },
    { id: A, state: "alive" },
  ];
  model.applyOverlay({ members, links: [{ id: A, kind: "eager", path: "relayed" }] });
  assert.equal(model.links.get(A)?.path, "relayed");
  const diff = model.applyOverlay({ members, links: [{ id: A, kind: "eager", path: "punched" }] });
  assert.deepEqual(diff.changedLinks, [A]);
  assert.equal(model.links.get(A)?.path, "punched");
});
