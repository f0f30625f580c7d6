/**
 * The deterministic simulator's public part: a seeded, in-process network
 * with a virtual clock and faults that runs the production actors, and the
 * causal-delivery checker that observes it. Scenario tooling built on them
 * (the sim world, named scenarios, golden traces) lives in `testing/sim/`.
 *
 * @module
 */

export { CausalChecker, InvariantViolation } from "./causal_checker.ts";
export { EventQueue } from "./event_queue.ts";
export {
  type SimLinkPath,
  type SimNatKind,
  type SimNatStats,
  SimNetwork,
  type SimNetworkOptions,
  type SimNode,
  type SimObserver,
} from "./sim_network.ts";
