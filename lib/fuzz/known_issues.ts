/**
 * Bugs the fuzz suite found in code it does not own, each pinned by an
 * ignored regression test in `tests/fuzz/fuzz_findings_test.ts`. A target
 * that sees one throws `KnownIssueError` with its id: campaigns count it and
 * go on (`deno task fuzz --strict` fails on it instead). When a bug is fixed,
 * un-ignore its test and delete its entry here; the targets then treat it as
 * a failure like any other.
 *
 * @module
 */

/** Every known issue: id → what goes wrong, where, and the test that pins it. */
export const KNOWN_ISSUES = Object.freeze({
  "bom-stripped":
    "The general decoder drops a leading U+FEFF from strings over 200 bytes (chat text, bye " +
    "reason): @msgpack/msgpack 3.1.3 decodes them with a default TextDecoder, which strips a " +
    "BOM, while the chat fast path keeps it — the same chat reads differently by path, and " +
    "the delivered text is not what its author signed (lib/wire/message_codec.ts decodeValue, " +
    "via @msgpack/msgpack dist.esm/utils/utf8.mjs). Test: 'decodeMessage() drops a leading " +
    "U+FEFF from a long chat text on the general path'.",
  "reencode-over-limit":
    "decodeMessage accepts payloads up to frameBytesMax (65535) but encodeMessage refuses " +
    "more than frameBytesMax - 20 (65515): an accepted chat that large cannot be relayed " +
    "(lib/wire/message_codec.ts, decodeMessage vs encodeMessage). Test: 'decodeMessage() " +
    "accepts a chat that encodeMessage() cannot send on'.",
  "aggregate-over-wire-limit":
    "PeerNode builds have/skip/want/chat clocks from its whole state (delivered clock, history " +
    "authors, missing set), which grows past clockEntriesMax (1024) through skip and have " +
    "messages from a neighbour; encodeMessage then throws RangeError in ActorRuntime.#apply " +
    "(a crash when it runs from the timer) (lib/node/peer_node.ts #sendFullHave, #repair, " +
    "#lazyTick, sendChat). Test: 'PeerNode sends a have with more clock entries than a peer accepts'.",
  "skip-moves-own-seq":
    "A skip message naming the peer's own id moves the peer's own sequence number: its next " +
    "chat gets any seq the neighbour chose (others drop it as too far ahead), and at 2^53 - 1 " +
    "the next chat does not encode and ActorRuntime throws (lib/node/peer_node.ts #onSkip, no " +
    "check that `author` is not this peer). Test: 'PeerNode applies a skip of its own messages'.",
  "incarnation-overflow":
    "A suspect or dead rumor about a peer at incarnation 2^53 - 1 makes it refute with " +
    "incarnation 2^53, not a safe integer: its own member and hello messages no longer encode " +
    "(lib/node/peer_node.ts #applyMember, `this.#incarnation = info.incarnation + 1`). Test: " +
    "'PeerNode refutes a rumor at incarnation 2^53 - 1 with an unencodable incarnation'.",
});

/** The id of a known issue. */
export type KnownIssueId = keyof typeof KNOWN_ISSUES;
