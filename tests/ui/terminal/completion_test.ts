import assert from "node:assert/strict";
import { completeWord } from "../../../lib/ui/terminal/completion.ts";
import { draftOf } from "../../../lib/ui/terminal/line_editor.ts";

const SOURCES = { commands: ["/msg", "/nick", "/help", "/peers"], nicks: ["bob", "Bobby", "ann"] };

Deno.test("completeWord() completes a command at the start of the line, ignoring case", () => {
  assert.deepEqual(completeWord(draftOf("/M"), SOURCES), {
    draft: { text: "/msg ", cursor: 5 },
    candidates: [],
  });
  assert.equal(completeWord(draftOf("/p"), SOURCES).draft.text, "/peers ");
});

Deno.test("completeWord() completes a nick: 'nick: ' at the start, 'nick ' elsewhere", () => {
  assert.equal(completeWord(draftOf("an"), SOURCES).draft.text, "ann: ");
  assert.equal(completeWord(draftOf("hi AN"), SOURCES).draft.text, "hi ann ");
  assert.equal(completeWord(draftOf("/msg an"), SOURCES).draft.text, "/msg ann ");
});

Deno.test("completeWord() fills in the common prefix and lists the candidates when several fit", () => {
  const done = completeWord(draftOf("b"), SOURCES);
  assert.deepEqual(done.draft, { text: "bob", cursor: 3 });
  assert.deepEqual(done.candidates, ["Bobby", "bob"]);
});

Deno.test("completeWord() keeps the text after the cursor and changes nothing when nothing fits", () => {
  const done = completeWord({ text: "hi an, look", cursor: 5 }, SOURCES);
  assert.deepEqual(done.draft, { text: "hi ann , look", cursor: 7 });
  const none = completeWord(draftOf("zed"), SOURCES);
  assert.deepEqual(none, { draft: draftOf("zed"), candidates: [] });
  assert.deepEqual(completeWord(draftOf("hi "), SOURCES).candidates, []);
});
