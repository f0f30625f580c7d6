import assert from "node:assert/strict";
import { mentions } from "../../../lib/ui/terminal/mention.ts";

Deno.test("mentions() finds the nick as a word of its own, ignoring case", () => {
  assert.ok(mentions("hi Bob!", "bob"));
  assert.ok(mentions("bob: look", "bob"));
  assert.ok(mentions("@bob", "bob"));
  assert.ok(mentions("où est Zoé ?", "zoé"));
  assert.ok(!mentions("bobcat", "bob"));
  assert.ok(!mentions("kebob", "bob"));
  assert.ok(!mentions("anything", ""));
  assert.ok(mentions("a bobcat and bob", "bob"));
});
