/**
 * Noise handshake patterns (§7): the token table and the parser for pattern names with `psk`
 * modifiers (§9), e.g. `XXpsk3` or `NNpsk0+psk2`.
 *
 * @module
 */

/** A token of a handshake message pattern. */
export type MessageToken = "e" | "s" | "ee" | "es" | "se" | "ss" | "psk";

/**
 * A token of a pre-message pattern. Only `s` is supported: pre-message `e` occurs only in
 * fallback patterns, which this implementation does not offer.
 */
export type PreMessageToken = "s";

/**
 * A handshake pattern. Messages alternate, starting with the initiator: `messages[i]` is
 * written by the initiator when `i` is even and by the responder when `i` is odd.
 */
export interface HandshakePattern {
  /** The pattern name with its modifiers, e.g. `XXpsk3`. */
  readonly name: string;
  /** Keys the responder knows of the initiator before the handshake. */
  readonly initiatorPreMessage: readonly PreMessageToken[];
  /** Keys the initiator knows of the responder before the handshake. */
  readonly responderPreMessage: readonly PreMessageToken[];
  /** The message patterns, in order. */
  readonly messages: readonly (readonly MessageToken[])[];
}

type BasePattern = Omit<HandshakePattern, "name">;

/**
 * The fundamental interactive patterns (§7.4). Adding a pattern is adding an entry. Only NN
 * and XX are covered by the published AESGCM_SHA256 vectors in our fixture; the others are
 * checked by round-trip tests.
 */
const BASE_PATTERNS: Readonly<Record<string, BasePattern>> = {
  NN: { initiatorPreMessage: [], responderPreMessage: [], messages: [["e"], ["e", "ee"]] },
  NK: {
    initiatorPreMessage: [],
    responderPreMessage: ["s"],
    messages: [["e", "es"], ["e", "ee"]],
  },
  NX: {
    initiatorPreMessage: [],
    responderPreMessage: [],
    messages: [["e"], ["e", "ee", "s", "es"]],
  },
  XN: {
    initiatorPreMessage: [],
    responderPreMessage: [],
    messages: [["e"], ["e", "ee"], ["s", "se"]],
  },
  XK: {
    initiatorPreMessage: [],
    responderPreMessage: ["s"],
    messages: [["e", "es"], ["e", "ee"], ["s", "se"]],
  },
  XX: {
    initiatorPreMessage: [],
    responderPreMessage: [],
    messages: [["e"], ["e", "ee", "s", "es"], ["s", "se"]],
  },
  KN: {
    initiatorPreMessage: ["s"],
    responderPreMessage: [],
    messages: [["e"], ["e", "ee", "se"]],
  },
  KK: {
    initiatorPreMessage: ["s"],
    responderPreMessage: ["s"],
    messages: [["e", "es", "ss"], ["e", "ee", "se"]],
  },
  KX: {
    initiatorPreMessage: ["s"],
    responderPreMessage: [],
    messages: [["e"], ["e", "ee", "se", "s", "es"]],
  },
  IN: {
    initiatorPreMessage: [],
    responderPreMessage: [],
    messages: [["e", "s"], ["e", "ee", "se"]],
  },
  IK: {
    initiatorPreMessage: [],
    responderPreMessage: ["s"],
    messages: [["e", "es", "s", "ss"], ["e", "ee", "se"]],
  },
  IX: {
    initiatorPreMessage: [],
    responderPreMessage: [],
    messages: [["e", "s"], ["e", "ee", "se", "s", "es"]],
  },
};

const PATTERN_NAME = /^([A-Z][A-Z0-9]*)([a-z][a-z0-9]*(?:\+[a-z][a-z0-9]*)*)?$/;
const PSK_MODIFIER = /^psk(0|[1-9][0-9]*)$/;

/** The base pattern names this implementation knows, e.g. `["NN", "NK", …]`. */
export const HANDSHAKE_PATTERN_NAMES: readonly string[] = Object.freeze(Object.keys(BASE_PATTERNS));

/**
 * Parses a pattern name such as `XX`, `XXpsk3` or `NNpsk0+psk2`: `psk0` puts a `psk` token at
 * the start of the first message, `pskN` at the end of message N. Throws a `TypeError` for
 * an unknown pattern or modifier.
 */
export function parseHandshakePattern(name: string): HandshakePattern {
  const match = PATTERN_NAME.exec(name);
  const base = match?.[1] === undefined ? undefined : BASE_PATTERNS[match[1]];
  if (match === null || base === undefined) {
    throw new TypeError(`Cannot parse handshake pattern: unknown pattern ${JSON.stringify(name)}`);
  }
  const messages = base.messages.map((tokens) => [...tokens]);
  const seen = new Set<number>();
  for (const modifier of match[2]?.split("+") ?? []) {
    const psk = PSK_MODIFIER.exec(modifier);
    if (psk?.[1] === undefined) {
      throw new TypeError(`Cannot parse handshake pattern: unsupported modifier ${modifier}`);
    }
    const index = Number(psk[1]);
    if (index > messages.length || seen.has(index)) {
      throw new TypeError(
        `Cannot parse handshake pattern: modifier ${modifier} is invalid for ${
          match[1]
        }, which has ${messages.length} messages`,
      );
    }
    seen.add(index);
    if (index === 0) messages[0]?.unshift("psk");
    else messages[index - 1]?.push("psk");
  }
  return Object.freeze({
    name,
    initiatorPreMessage: base.initiatorPreMessage,
    responderPreMessage: base.responderPreMessage,
    messages: Object.freeze(messages.map((tokens) => Object.freeze(tokens))),
  });
}

/** Counts the `psk` tokens of a pattern, i.e. how many PSKs a handshake needs. */
export function countPskTokens(pattern: HandshakePattern): number {
  let count = 0;
  for (const tokens of pattern.messages) {
    for (const token of tokens) if (token === "psk") count++;
  }
  return count;
}
