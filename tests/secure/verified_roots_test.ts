import assert from "node:assert/strict";
import { VerifiedRoots } from "../../lib/secure/verified_roots.ts";

Deno.test("VerifiedRoots checks a root once, even for checks that start before the first settles", async () => {
  const roots = new VerifiedRoots();
  let checks = 0;
  const check = () => {
    checks++;
    return Promise.resolve(true);
  };
  const verdicts = await Promise.all([1, 2, 3].map(() => roots.verdict("a", check)));
  assert.deepEqual(verdicts, [true, true, true]);
  assert.equal(await roots.verdict("a", check), true);
  assert.equal(checks, 1);
});

Deno.test("VerifiedRoots keeps no false or failed verdict", async () => {
  const roots = new VerifiedRoots();
  assert.equal(await roots.verdict("bad", () => Promise.resolve(false)), false);
  assert.equal(await roots.verdict("thrown", () => Promise.reject(new Error("x"))), false);
  assert.equal(roots.size, 0);
  assert.equal(await roots.verdict("bad", () => Promise.resolve(true)), true);
});

Deno.test("VerifiedRoots holds at most its limit, dropping the least recently used", async () => {
  const roots = new VerifiedRoots(2);
  let checks = 0;
  const check = () => {
    checks++;
    return Promise.resolve(true);
  };
  await roots.verdict("a", check);
  await roots.verdict("b", check);
  await roots.verdict("a", check); // a is now the most recent
  await roots.verdict("c", check); // drops b
  assert.equal(roots.size, 2);
  assert.equal(checks, 3);
  await roots.verdict("a", check);
  assert.equal(checks, 3);
  await roots.verdict("b", check);
  assert.equal(checks, 4);
  assert.throws(() => new VerifiedRoots(0), RangeError);
});

Deno.test("VerifiedRoots calls check() before verdict() returns on a miss, never on a hit (verifyChat hands it scratch state)", async () => {
  const roots = new VerifiedRoots();
  let calls = 0;
  const pending = roots.verdict("k", () => {
    calls++;
    return Promise.resolve(true);
  });
  assert.equal(calls, 1, "called at once");
  assert.equal(await pending, true);
  await roots.verdict("k", () => {
    calls++;
    return Promise.resolve(true);
  });
  assert.equal(calls, 1, "a hit does not check again");
});
