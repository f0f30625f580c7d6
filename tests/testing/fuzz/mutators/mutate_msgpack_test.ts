import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { generateEncodedMessage } from "../../../../testing/fuzz/mutators/message_generator.ts";
import { packTree, unpackTree } from "../../../../testing/fuzz/mutators/msgpack_tree.ts";
import {
  mutateTree,
  randomMessageTree,
  randomTree,
  widenTree,
} from "../../../../testing/fuzz/mutators/mutate_msgpack.ts";
import { seededRandom } from "../../../../lib/random/random.ts";
import { decodeMessage } from "../../../../lib/wire/message_decode.ts";
import { MESSAGE_TYPE_CODES } from "../../../../lib/wire/message_layout.ts";
import { ProtocolError } from "../../../../lib/wire/protocol_error.ts";

Deno.test("widenTree() changes widths, never values: every message decodes as before", () => {
  const random = seededRandom(21);
  let wider = 0;
  for (let i = 0; i < 1_000; i++) {
    const { bytes } = generateEncodedMessage(random, { edgeRate: 0.01 });
    const wide = packTree(widenTree(random, unpackTree(bytes)!));
    if (wide.length > bytes.length) wider++;
    if (wide.length > 65535) continue;
    assert.ok(isDeepStrictEqual(decodeMessage(wide), decodeMessage(bytes)));
  }
  assert.ok(wider > 700, `only ${wider} of 1000 got wider`);
});

Deno.test("mutateTree() is seeded and reaches into a chat's body", () => {
  const random = seededRandom(22);
  const { bytes } = generateEncodedMessage(random, {}, "chat");
  const tree = unpackTree(bytes)!;
  let bodyChanged = 0;
  for (let seed = 0; seed < 300; seed++) {
    const mutated = mutateTree(seededRandom(seed), tree);
    assert.deepEqual(packTree(mutated), packTree(mutateTree(seededRandom(seed), tree)));
    if (mutated.kind !== "array" || tree.kind !== "array") continue;
    const [, body] = mutated.items;
    const [, original] = tree.items;
    if (
      body?.kind === "bin" && original?.kind === "bin" && body.bytes.length > 0 &&
      !isDeepStrictEqual(body.bytes, original.bytes) && unpackTree(body.bytes) !== undefined
    ) bodyChanged++;
  }
  assert.ok(bodyChanged > 30, `the body changed in only ${bodyChanged} of 300`);
});

Deno.test("randomMessageTree() starts with every type code; decodeMessage throws only ProtocolError on them", () => {
  const random = seededRandom(23);
  const codes = new Set<bigint>();
  for (let i = 0; i < 3_000; i++) {
    const tree = randomMessageTree(random, i % 2 === 0);
    if (tree.kind === "array" && tree.items[0]?.kind === "int") codes.add(tree.items[0].value);
    try {
      decodeMessage(packTree(tree));
    } catch (error) {
      assert.ok(error instanceof ProtocolError, String(error));
    }
  }
  for (const code of Object.values(MESSAGE_TYPE_CODES)) {
    assert.ok(codes.has(BigInt(code)), `no code ${code}`);
  }
});

Deno.test("randomTree() with allowedOnly makes only int, str, bin and array", () => {
  const random = seededRandom(24);
  const kinds = new Set<string>();
  const walk = (node: ReturnType<typeof randomTree>): void => {
    kinds.add(node.kind);
    if (node.kind === "array") node.items.forEach(walk);
  };
  for (let i = 0; i < 1_000; i++) walk(randomTree(random, true));
  assert.deepEqual([...kinds].sort(), ["array", "bin", "int", "str"]);
});
