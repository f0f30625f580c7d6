/**
 * Waiting for the next turn of the event loop (a macrotask), not just the
 * end of the current job (a microtask): everything the current turn does —
 * a whole socket read's worth of messages, a whole chunk of stdin commands —
 * is then written out in one go, one system call per connection.
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** Resolves on the next turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
