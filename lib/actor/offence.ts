/**
 * What a remote can do wrong that the runtime proves and reports to the
 * actor (`Actor.handleOffence`), and that the peer's own sub-machines prove.
 * The peer scores each kind (PROTOCOL.md § Limits, peer scoring).
 *
 * @module
 */

/** One kind of misbehaviour a connection was caught at. */
export type Offence =
  /** It broke the protocol (bad frame, malformed or unexpected message): the connection is closed. */
  | "protocol-error"
  /** It sent faster than the runtime's message rate allows. */
  | "flood"
  /** A chat message it relayed failed its author's signature check. */
  | "forgery"
  /** It announced messages, was asked for them, and sent nothing back in time. */
  | "broken-promise";

/** Every {@linkcode Offence}, in documentation order. */
export const OFFENCES: readonly Offence[] = [
  "protocol-error",
  "flood",
  "forgery",
  "broken-promise",
];
