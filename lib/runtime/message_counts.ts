/**
 * Messages sent and received, by message type: for `/metrics`. The types are
 * the wire's own (a decoded message has one of a fixed set), so the maps stay small.
 *
 * @module
 */

/** Counts of messages by type, in and out. */
export class MessageCounts {
  /** Messages handed to connections, by type. */
  readonly sent: Map<string, number> = new Map();
  /** Messages received and decoded, by type. */
  readonly received: Map<string, number> = new Map();

  /** Counts one sent message of `type`. */
  countSent(type: string): void {
    this.sent.set(type, (this.sent.get(type) ?? 0) + 1);
  }

  /** Counts one received message of `type`. */
  countReceived(type: string): void {
    this.received.set(type, (this.received.get(type) ?? 0) + 1);
  }
}
