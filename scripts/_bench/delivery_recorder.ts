/**
 * Tallies the deliveries of the cluster benchmark as the nodes report them:
 * per (message, receiver) for the latency phase, per receiver for the
 * throughput phase.
 *
 * @module
 */

import type { Delivery } from "./message_line.ts";

/** Receivers are node indices 0..nodes-1; the throughput sender is node 0. */
export const THROUGHPUT_SENDER = 0;

/** A growable array of doubles (latency samples can run into millions). */
export class SampleBuffer {
  #values = new Float64Array(1024);
  #length = 0;

  /** Samples held. */
  get length(): number {
    return this.#length;
  }

  /** Appends one sample. */
  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  /** A view of the samples (valid until the next `push`). */
  values(): Float64Array {
    return this.#values.subarray(0, this.#length);
  }
}

/** See the module documentation. */
export class DeliveryRecorder {
  /** Peer processes. */
  readonly nodes: number;
  /** Messages of the latency phase. */
  readonly messages: number;
  /** Latency phase: ms from send to delivery, one per (message, other receiver). */
  readonly latencies: SampleBuffer = new SampleBuffer();
  /** Latency phase: ms from send to the sender's own delivery (the stdin hop and local work). */
  readonly selfLatencies: SampleBuffer = new SampleBuffer();
  /** Latency phase: deliveries of a (message, receiver) pair seen before. */
  latencyDuplicates = 0;
  /** Throughput phase: ms from send to delivery, receivers other than the sender. */
  readonly throughputLatencies: SampleBuffer = new SampleBuffer();
  /** Throughput phase: deliveries per receiver. */
  readonly throughputDelivered: Int32Array;
  /** Throughput phase: deliveries per receiver with `at` inside the measured window. */
  readonly throughputInWindow: Int32Array;
  /** Throughput phase: deliveries whose index was not above the receiver's previous one. */
  throughputOutOfOrder = 0;
  /** Deliveries that fit neither phase (an index out of range). */
  strays = 0;
  readonly #latencySeen: Uint8Array;
  readonly #throughputLast: Float64Array;
  #windowStartMs = -Infinity;
  #windowEndMs = Infinity;

  /** A recorder for `nodes` peers and a latency phase of `messages` messages. */
  constructor(nodes: number, messages: number) {
    this.nodes = nodes;
    this.messages = messages;
    this.#latencySeen = new Uint8Array(nodes * messages);
    this.throughputDelivered = new Int32Array(nodes);
    this.throughputInWindow = new Int32Array(nodes);
    this.#throughputLast = new Float64Array(nodes).fill(-1);
  }

  /** Latency phase: (message, receiver) pairs received, the sender's own excluded. */
  get latencyPairs(): number {
    return this.latencies.length;
  }

  /** Latency phase: the pairs expected, `messages × (nodes − 1)`. */
  get latencyPairsExpected(): number {
    return this.messages * (this.nodes - 1);
  }

  /** Sets the throughput window: deliveries with `at` in [startMs, endMs] count as "in window". */
  setThroughputWindow(startMs: number, endMs: number): void {
    this.#windowStartMs = startMs;
    this.#windowEndMs = endMs;
  }

  /** The fewest throughput deliveries of any receiver (the sender excluded). */
  minThroughputDelivered(): number {
    let min = Infinity;
    for (let r = 0; r < this.nodes; r++) {
      if (r !== THROUGHPUT_SENDER && this.throughputDelivered[r]! < min) {
        min = this.throughputDelivered[r]!;
      }
    }
    return min === Infinity ? 0 : min;
  }

  /** The fewest in-window throughput deliveries of any receiver (the sender excluded). */
  minThroughputInWindow(): number {
    let min = Infinity;
    for (let r = 0; r < this.nodes; r++) {
      if (r !== THROUGHPUT_SENDER && this.throughputInWindow[r]! < min) {
        min = this.throughputInWindow[r]!;
      }
    }
    return min === Infinity ? 0 : min;
  }

  /** Records that node `receiver` delivered `delivery`. */
  record(receiver: number, delivery: Delivery): void {
    const latency = delivery.atMs - delivery.sentAtMs;
    if (delivery.phase === "L") {
      if (delivery.index >= this.messages || receiver >= this.nodes) {
        this.strays++;
        return;
      }
      const pair = delivery.index * this.nodes + receiver;
      if (this.#latencySeen[pair] === 1) {
        this.latencyDuplicates++;
        return;
      }
      this.#latencySeen[pair] = 1;
      if (delivery.index % this.nodes === receiver) this.selfLatencies.push(latency);
      else this.latencies.push(latency);
      return;
    }
    if (receiver === THROUGHPUT_SENDER || receiver >= this.nodes) return;
    if (delivery.index <= this.#throughputLast[receiver]!) this.throughputOutOfOrder++;
    else this.#throughputLast[receiver] = delivery.index;
    this.throughputDelivered[receiver]!++;
    if (delivery.atMs >= this.#windowStartMs && delivery.atMs <= this.#windowEndMs) {
      this.throughputInWindow[receiver]!++;
    }
    this.throughputLatencies.push(latency);
  }
}
