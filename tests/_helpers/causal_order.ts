/** A check shared by the process-level tests that read `message` JSON lines. */
import assert from "node:assert/strict";

/** The fields of a `message` JSON line the check needs. */
export interface DeliveredLine {
  readonly author: string;
  readonly seq: number;
  readonly clock: Record<string, number>;
  readonly text: string;
}

/**
 * Asserts that `delivered` is a causal delivery order: each message comes
 * after everything its clock says it depends on, and no author's sequence
 * skips or repeats (so nothing is delivered twice).
 */
export function assertCausalOrder(name: string, delivered: readonly DeliveredLine[]): void {
  const seen = new Map<string, number>();
  for (const [index, m] of delivered.entries()) {
    const where = `${name}, delivery #${index} ('${m.text}')`;
    assert.equal(m.clock[m.author], m.seq, `${where}: clock[author] must equal seq`);
    assert.equal(
      m.seq,
      (seen.get(m.author) ?? 0) + 1,
      `${where}: seq ${m.seq} from ${m.author.slice(0, 8)} out of order or repeated`,
    );
    for (const [author, n] of Object.entries(m.clock)) {
      if (author === m.author) continue;
      assert.ok(
        (seen.get(author) ?? 0) >= n,
        `${where}: delivered before its dependency ${author.slice(0, 8)}#${n}`,
      );
    }
    seen.set(m.author, m.seq);
  }
}
