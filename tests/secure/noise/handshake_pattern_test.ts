import assert from "node:assert/strict";
import {
  countPskTokens,
  HANDSHAKE_PATTERN_NAMES,
  parseHandshakePattern,
} from "../../../lib/secure/noise/handshake_pattern.ts";

Deno.test("parseHandshakePattern() returns the XX and NN token lists", () => {
  assert.deepEqual(parseHandshakePattern("XX").messages, [["e"], ["e", "ee", "s", "es"], [
    "s",
    "se",
  ]]);
  assert.deepEqual(parseHandshakePattern("NN").messages, [["e"], ["e", "ee"]]);
  assert.deepEqual(parseHandshakePattern("IK").responderPreMessage, ["s"]);
});

Deno.test("parseHandshakePattern() applies psk modifiers", () => {
  const xxpsk3 = parseHandshakePattern("XXpsk3");
  assert.equal(xxpsk3.name, "XXpsk3");
  assert.deepEqual(xxpsk3.messages, [["e"], ["e", "ee", "s", "es"], ["s", "se", "psk"]]);
  assert.deepEqual(parseHandshakePattern("NNpsk0").messages, [["psk", "e"], ["e", "ee"]]);
  assert.deepEqual(parseHandshakePattern("NNpsk2").messages, [["e"], ["e", "ee", "psk"]]);
  assert.deepEqual(parseHandshakePattern("NNpsk0+psk2").messages, [["psk", "e"], [
    "e",
    "ee",
    "psk",
  ]]);
  assert.deepEqual(
    parseHandshakePattern("XXpsk0+psk3").messages,
    [["psk", "e"], ["e", "ee", "s", "es"], ["s", "se", "psk"]],
  );
  assert.equal(countPskTokens(parseHandshakePattern("XXpsk0+psk3")), 2);
  assert.equal(countPskTokens(parseHandshakePattern("XX")), 0);
});

Deno.test("parseHandshakePattern() does not share or expose mutable token lists", () => {
  const pattern = parseHandshakePattern("XXpsk3");
  assert.ok(Object.isFrozen(pattern.messages));
  assert.ok(Object.isFrozen(pattern.messages[2]));
  assert.deepEqual(parseHandshakePattern("XX").messages[2], ["s", "se"]);
});

Deno.test("parseHandshakePattern() rejects unknown patterns and bad modifiers with TypeError", () => {
  for (
    const name of [
      "",
      "YY",
      "xx",
      "XXpsk4",
      "XXpsk3+psk3",
      "XXfallback",
      "XXpsk",
      "XXpsk01",
      "NNpsk0+",
    ]
  ) {
    assert.throws(() => parseHandshakePattern(name), TypeError, name);
  }
});

Deno.test("HANDSHAKE_PATTERN_NAMES lists the twelve fundamental interactive patterns", () => {
  assert.deepEqual(
    [...HANDSHAKE_PATTERN_NAMES].sort(),
    ["IK", "IN", "IX", "KK", "KN", "KX", "NK", "NN", "NX", "XK", "XN", "XX"],
  );
});
