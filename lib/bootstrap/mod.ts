/**
 * The bootstrap role: a sans-I/O soft-state registry that answers each
 * registration with a small random sample of live peers. The runtime serves
 * it over TCP (`startBootstrap` in the root `mod.ts`); the simulator runs it
 * on a virtual network.
 *
 * @module
 */

export {
  BootstrapRegistry,
  type BootstrapRegistryOptions,
  type RegisteredPeer,
} from "./bootstrap_registry.ts";
