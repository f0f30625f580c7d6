/**
 * Golden simulation traces: a SHA-256 digest of every effect every simulated
 * node produced, in order, with its address and virtual time, plus the run's
 * report. A refactor that claims to move code without changing behaviour must
 * reproduce these digests byte for byte for the same scenarios and seeds.
 *
 * The digest is of a canonical text form: object keys sorted, a `Map` as its
 * entries in insertion order (insertion order is behaviour: it decides the
 * order of iteration), bytes as hex. So building a message object with its
 * keys in another order changes nothing, while any change to what a node
 * does, when, in what order, or with which random draws does.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import type { Effect } from "../../lib/actor/effect.ts";
import type { SimNode, SimObserver } from "../../lib/sim/sim_network.ts";

/** A canonical, deterministic text form of an effect (or any plain value in one). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return String(value);
    if (typeof value === "bigint") return `${value}n`;
    return value;
  }
  if (value instanceof Uint8Array) return `0x${bytesToHex(value)}`;
  if (value instanceof Map) {
    return { $map: [...value].map(([k, v]) => [canonical(k), canonical(v)]) };
  }
  if (value instanceof Set) return { $set: [...value].map(canonical) };
  if (Array.isArray(value)) return value.map(canonical);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) out[key] = canonical(field);
  }
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** A running digest of a simulation's effects, installed as a network observer. */
export class TraceDigest implements SimObserver {
  readonly #hash: Hash = createHash("sha256");
  #effects = 0;

  /** Effects hashed so far. */
  get effects(): number {
    return this.#effects;
  }

  /** Hashes one effect as `addr|nowMs|canonical JSON`. */
  onEffect(node: SimNode, effect: Effect, nowMs: number): void {
    this.#effects++;
    this.#hash.update(`${node.addr}|${nowMs}|${canonicalJson(effect)}\n`);
  }

  /** The hex digest of everything hashed so far; the digest cannot be used afterwards. */
  digest(): string {
    return this.#hash.digest("hex");
  }
}

/** The digest of a run's JSON report. */
export function reportDigest(report: unknown): string {
  return createHash("sha256").update(canonicalJson(report)).digest("hex");
}
