/**
 * The one error the wire layer throws for bad input from the network.
 *
 * @module
 */

/**
 * A peer sent bytes that break the protocol: a bad frame length, a truncated
 * stream, a malformed or out-of-limit message. Whoever reads a connection
 * catches it, logs the message and closes that connection (see PROTOCOL.md,
 * "Errors"). Misuse by local code throws `TypeError`/`RangeError` instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProtocolError } from "./protocol_error.ts";
 *
 * const error = new ProtocolError("Cannot decode frame: length 70000 exceeds 65535");
 * assert.equal(error.name, "ProtocolError");
 * ```
 */
export class ProtocolError extends Error {
  /** Always `"ProtocolError"`, so logs and `catch` filters can tell it apart. */
  override name = "ProtocolError";

  /** Make an error with a sentence-case message, the detail after a colon. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
