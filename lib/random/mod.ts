/**
 * Injected randomness: protocol code draws from a `Random` it is given (a
 * seeded PRNG in simulations and tests, the system's in production), never
 * from `Math.random()`.
 *
 * @module
 */

export { pick, type Random, sample, seededRandom, systemRandom } from "./random.ts";
