/**
 * An observer that checks, at every delivery, the safety properties of causal
 * broadcast: each message is delivered at most once, and never before a
 * message it depends on. It keeps its own record of deliveries, independent
 * of the actors' state, so a bug there cannot hide itself.
 *
 * @module
 */

import { sameVersion } from "../peer/equivocation.ts";
import type { Effect } from "../actor/effect.ts";
import type { ChatMessage } from "../wire/message.ts";
import type { SimNode, SimObserver } from "./sim_network.ts";

/** A broken invariant, with what is needed to understand it. */
export class InvariantViolation extends Error {
  /** Always `"InvariantViolation"`. */
  override name = "InvariantViolation";
}

/** Checks causal safety and records deliveries per node. */
export class CausalChecker implements SimObserver {
  /** Per node address: author → highest seq delivered (contiguous by construction). */
  readonly #delivered = new Map<string, Map<string, number>>();
  /** Per node address: deliveries in order. */
  readonly #log = new Map<string, ChatMessage[]>();
  /** Every message ever delivered anywhere, by `author#seq`. */
  readonly #messages = new Map<string, ChatMessage>();
  #deliveries = 0;
  /** Authors known to equivocate (hostile members): their two versions are recorded, not fatal. */
  readonly #equivocators = new Set<string>();
  /** `author#seq` keys delivered in more than one version somewhere. */
  readonly #conflicts = new Set<string>();
  /** Per node address: author → the sequence number it was told the author equivocated from. */
  readonly #told = new Map<string, Map<string, number>>();

  /**
   * Declares `author` a hostile member that may sign two messages with one
   * sequence number: deliveries of both versions are then counted as a split
   * room ({@linkcode splitKeys}) instead of failing the run.
   */
  tolerateEquivocation(author: string): void {
    this.#equivocators.add(author);
  }

  /** The `author#seq` keys that different nodes delivered in different versions. */
  splitKeys(): ReadonlySet<string> {
    return this.#conflicts;
  }

  /**
   * The split keys that do not have the agreed outcome yet: some node in
   * `addrs` delivered a version of `author#seq` without being told that
   * the author equivocated at or before `seq`. Empty once the room agrees.
   */
  unresolvedSplits(addrs: Iterable<string>): string[] {
    const unresolved: string[] = [];
    const nodes = [...addrs];
    for (const key of this.#conflicts) {
      const at = key.lastIndexOf("#");
      const author = key.slice(0, at);
      const seq = Number(key.slice(at + 1));
      const untold = nodes.some((addr) => {
        const delivered = this.#log.get(addr)?.some((m) => m.author === author && m.seq === seq);
        const from = this.#told.get(addr)?.get(author);
        return delivered === true && (from === undefined || from > seq);
      });
      if (untold) unresolved.push(key);
    }
    return unresolved;
  }

  /** Deliveries seen, all nodes together. */
  get deliveries(): number {
    return this.#deliveries;
  }

  /** Checks one effect of `node`, applied at `nowMs`, against the invariants. */
  onEffect(node: SimNode, effect: Effect, nowMs: number): void {
    if (effect.type === "equivocation") {
      const [a, b] = effect.versions;
      if (sameVersion(a, b)) {
        throw new InvariantViolation(
          `Equivocation claimed at ${node.addr} between two equal versions of ${
            effect.author.slice(0, 8)
          }#${effect.seq}`,
        );
      }
      let told = this.#told.get(node.addr);
      if (told === undefined) this.#told.set(node.addr, told = new Map());
      told.set(effect.author, Math.min(told.get(effect.author) ?? Infinity, effect.seq));
      return;
    }
    if (effect.type === "skip") {
      // History pruned everywhere this node could ask: it will never deliver those.
      const delivered = this.#deliveredAt(node.addr);
      if ((delivered.get(effect.author) ?? 0) < effect.seq) {
        delivered.set(effect.author, effect.seq);
      }
      return;
    }
    if (effect.type !== "deliver") return;
    const m = effect.message;
    const where = `${node.addr} at ${nowMs.toFixed(1)} ms`;
    const delivered = this.#deliveredAt(node.addr);
    const had = delivered.get(m.author) ?? 0;
    if (m.seq <= had) {
      throw new InvariantViolation(
        `Duplicate delivery at ${where}: ${m.author.slice(0, 8)}#${m.seq} (had ${had})`,
      );
    }
    if (m.seq !== had + 1) {
      throw new InvariantViolation(
        `Gap at ${where}: ${m.author.slice(0, 8)}#${m.seq} delivered after #${had}`,
      );
    }
    for (const [author, n] of m.clock) {
      if (author === m.author) continue;
      if ((delivered.get(author) ?? 0) < n) {
        throw new InvariantViolation(
          `Causal order broken at ${where}: ${m.author.slice(0, 8)}#${m.seq} depends on ${
            author.slice(0, 8)
          }#${n}, only ${delivered.get(author) ?? 0} delivered`,
        );
      }
    }
    const key = `${m.author}#${m.seq}`;
    const known = this.#messages.get(key);
    // A redacted copy (text removed, hash kept) is the same version as the original.
    const differs = known !== undefined && !sameVersion(known, m);
    if (differs && this.#equivocators.has(m.author)) {
      this.#conflicts.add(key);
    } else if (differs) {
      throw new InvariantViolation(
        `Two different messages delivered as ${key.slice(0, 8)}…#${m.seq} at ${where}`,
      );
    }
    this.#messages.set(key, m);
    delivered.set(m.author, m.seq);
    this.#log.get(node.addr)!.push(m);
    this.#deliveries++;
  }

  #deliveredAt(addr: string): Map<string, number> {
    let delivered = this.#delivered.get(addr);
    if (delivered === undefined) {
      delivered = new Map();
      this.#delivered.set(addr, delivered);
      this.#log.set(addr, []);
    }
    return delivered;
  }

  /** Deliveries at `addr`, in order. */
  deliveredAt(addr: string): readonly ChatMessage[] {
    return this.#log.get(addr) ?? [];
  }

  /** How many messages `addr` delivered. */
  countAt(addr: string): number {
    return this.#log.get(addr)?.length ?? 0;
  }

  /** Distinct messages delivered anywhere. */
  get distinctMessages(): number {
    return this.#messages.size;
  }

  /** Forgets a node's record (it restarted without its disk: it may deliver everything again). */
  forget(addr: string): void {
    this.#delivered.delete(addr);
    this.#log.delete(addr);
  }
}
