import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  merkleLeafHash,
  merkleRootFromPath,
  merkleRootOfLeafInto,
  merkleTree,
} from "../../lib/secure/merkle_tree.ts";
import { auditPathLength } from "../../lib/wire/batch_signature.ts";
import { bytesToHex } from "../../lib/wire/hex.ts";

const hash = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
};

/** RFC 9162 § 2.1.1, written out the slow way as the reference. */
function referenceRoot(data: readonly Uint8Array[]): Uint8Array {
  if (data.length === 1) return hash(new Uint8Array([0]), data[0]!);
  let k = 1;
  while (k * 2 < data.length) k *= 2;
  return hash(
    new Uint8Array([1]),
    referenceRoot(data.slice(0, k)),
    referenceRoot(data.slice(k)),
  );
}

const bodies = fc.array(fc.uint8Array({ minLength: 0, maxLength: 80 }), {
  minLength: 1,
  maxLength: 40,
});

Deno.test("merkleTree() gives RFC 9162's tree hash, and every leaf's path leads back to it (property)", () => {
  fc.assert(
    fc.property(bodies, (data) => {
      const { root, paths } = merkleTree(data.map(merkleLeafHash));
      assert.equal(bytesToHex(root), bytesToHex(referenceRoot(data)));
      data.forEach((body, index) => {
        assert.equal(paths[index]!.length, auditPathLength(index, data.length));
        const reached = merkleRootFromPath(
          merkleLeafHash(body),
          { index, count: data.length },
          paths[index]!,
        );
        assert.equal(reached && bytesToHex(reached), bytesToHex(root));
      });
    }),
    { numRuns: 200 },
  );
});

Deno.test("merkleRootFromPath() reaches another root from another body, index, count or sibling (property)", () => {
  fc.assert(
    fc.property(
      bodies.filter((d) => d.length >= 2),
      fc.nat(),
      (data, pick) => {
        const { root, paths } = merkleTree(data.map(merkleLeafHash));
        const index = pick % data.length;
        const count = data.length;
        const path = paths[index]!;
        const leaf = merkleLeafHash(data[index]!);
        const differs = (r: Uint8Array | undefined) =>
          r === undefined || bytesToHex(r) !== bytesToHex(root);
        const other = new Uint8Array([...data[index]!, 1]);
        assert.ok(differs(merkleRootFromPath(merkleLeafHash(other), { index, count }, path)));
        const tampered = path.map((node, i) =>
          i === 0 ? node.map((b, j) => j === 0 ? b ^ 1 : b) : node
        );
        assert.ok(differs(merkleRootFromPath(leaf, { index, count }, tampered)));
        assert.ok(differs(merkleRootFromPath(leaf, { index, count }, path.slice(1))));
        assert.ok(differs(merkleRootFromPath(leaf, { index, count }, [...path, root])));
        const moved = (index + 1) % count;
        if (data[moved]!.join() !== data[index]!.join()) {
          assert.ok(differs(merkleRootFromPath(leaf, { index: moved, count }, path)));
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("merkleLeafHash() and inner nodes are domain-separated: a leaf cannot pose as a node", () => {
  const a = merkleLeafHash(new Uint8Array([1]));
  const b = merkleLeafHash(new Uint8Array([2]));
  const { root } = merkleTree([a, b]);
  // A "leaf" whose body is the node's input `left ‖ right` hashes with 0x00, not 0x01.
  assert.notEqual(bytesToHex(merkleLeafHash(new Uint8Array([...a, ...b]))), bytesToHex(root));
  assert.notEqual(
    bytesToHex(merkleLeafHash(new Uint8Array([1, ...a, ...b]))),
    bytesToHex(root),
  );
});

Deno.test("merkleTree() refuses an empty batch; a tree of one is its leaf", () => {
  assert.throws(() => merkleTree([]), RangeError);
  const leaf = merkleLeafHash(new Uint8Array([7]));
  assert.deepEqual(merkleTree([leaf]), { root: leaf, paths: [[]] });
});

Deno.test("merkleRootOfLeafInto() reaches merkleRootFromPath()'s root (or refuses where it does) from a signature's path bytes, allocating nothing (property)", () => {
  fc.assert(
    fc.property(bodies, fc.nat(), fc.integer({ min: -1, max: 1 }), (data, pick, extra) => {
      const { paths } = merkleTree(data.map(merkleLeafHash));
      const index = pick % data.length;
      const count = data.length;
      // The path as a signature holds it, behind a header; one node more or less sometimes.
      const path = extra < 0
        ? paths[index]!.slice(1)
        : extra > 0
        ? [...paths[index]!, paths[index]![0] ?? new Uint8Array(32)]
        : paths[index]!;
      const header = 7;
      const bytes = new Uint8Array(header + 32 * path.length);
      path.forEach((node, i) => bytes.set(node, header + 32 * i));
      const out = new Uint8Array(32);
      const ok = merkleRootOfLeafInto(data[index]!, { index, count }, bytes, header, out);
      const expected = merkleRootFromPath(merkleLeafHash(data[index]!), { index, count }, path);
      assert.equal(ok, expected !== undefined);
      if (expected !== undefined) assert.equal(bytesToHex(out), bytesToHex(expected));
    }),
    { numRuns: 300 },
  );
  const out = new Uint8Array(32);
  assert.equal(
    merkleRootOfLeafInto(new Uint8Array(1), { index: 2, count: 2 }, new Uint8Array(32), 0, out),
    false,
  );
  assert.equal(
    merkleRootOfLeafInto(new Uint8Array(1), { index: 0, count: 2 }, new Uint8Array(33), 0, out),
    false,
  );
});
