/**
 * Causal order: sparse vector clocks keyed by author, and the bounded
 * hold-back queue that delivers a message only once everything it depends on
 * has been delivered (Birman–Schiper–Stephenson).
 *
 * @module
 */

export {
  type CausalMessage,
  HoldBackQueue,
  type HoldBackQueueOptions,
  type OfferResult,
  type RejectReason,
} from "./hold_back_queue.ts";
export { type MessageRef, missingCause } from "./missing_cause.ts";
export {
  type CausalStamp,
  clockDominates,
  clockFromObject,
  clockLessOrEqual,
  clockMissing,
  type ClockOrder,
  clockToObject,
  compareClocks,
  isDeliverable,
  mergeClocks,
  type SeqRange,
  type VectorClock,
} from "./vector_clock.ts";
