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
  /** Encoded bytes of the messages handed to connections (before framing and encryption), by type. */
  readonly sentBytes: Map<string, number> = new Map();
  /** Decoded bytes of the messages received (after decryption), by type. */
  readonly receivedBytes: Map<string, number> = new Map();

  /** Counts one sent message of `type`. */
  countSent(type: string): void {
    this.sent.set(type, (this.sent.get(type) ?? 0) + 1);
  }

  /** Chat messages sent as repairs (answers to a `have` or `want`), of those sent. */
  repairsSent = 0;
  /** Chat messages received as repairs, of those received. */
  repairsReceived = 0;

  /** Adds `bytes` of one sent message of `type`. */
  countSentBytes(type: string, bytes: number): void {
    this.sentBytes.set(type, (this.sentBytes.get(type) ?? 0) + bytes);
  }

  /** Adds `bytes` of one received message of `type`. */
  countReceivedBytes(type: string, bytes: number): void {
    this.receivedBytes.set(type, (this.receivedBytes.get(type) ?? 0) + bytes);
  }

  /** Counts one received message of `type`. */
  countReceived(type: string): void {
    this.received.set(type, (this.received.get(type) ?? 0) + 1);
  }
}
