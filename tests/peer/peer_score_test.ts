import assert from "node:assert/strict";
import fc from "fast-check";
import { OFFENCE_PENALTIES, OFFENCES, PeerScore } from "../../lib/peer/peer_score.ts";

const OPTIONS = {
  penaltyThreshold: 1_000,
  penaltyHalfLifeMs: 60_000,
  misbehaviourBackoffMs: 300_000,
  scoredPeersMax: 4,
};
const id = (n: number) => n.toString(16).padStart(64, "0");

Deno.test("`OFFENCE_PENALTIES` weighs every offence as documented", () => {
  assert.deepEqual(OFFENCES.map((o) => [o, OFFENCE_PENALTIES[o]]), [
    ["protocol-error", 500],
    ["flood", 500],
    ["forgery", 250],
    ["broken-promise", 100],
  ]);
});

Deno.test("`PeerScore.penalise()` adds up, decays by half each half-life, and backs off at the threshold", () => {
  const score = new PeerScore(OPTIONS);
  assert.equal(score.penalise(id(1), "forgery", 0), false);
  assert.equal(score.penalise(id(1), "forgery", 0), false);
  assert.equal(score.penalty(id(1), 0), 500);
  assert.equal(score.penalty(id(1), 60_000), 250);
  assert.equal(score.penalty(id(1), 120_000), 125);
  assert.equal(score.penalise(id(1), "flood", 120_000), false, "625 < 1 000");
  assert.equal(score.penalise(id(1), "protocol-error", 120_000), true);
  assert.ok(score.isBackedOff(id(1), 120_000));
  assert.ok(score.isBackedOff(id(1), 419_999));
  assert.ok(!score.isBackedOff(id(1), 420_000));
  assert.equal(score.penalty(id(1), 120_000), 0, "the penalty starts again from zero");
  assert.ok(!score.isBackedOff(id(2), 0), "others are not affected");
});

Deno.test("`PeerScore` forgets decayed identities, and past scoredPeersMax the least penalised, never a backed-off one first", () => {
  const score = new PeerScore(OPTIONS);
  score.penalise(id(1), "flood", 0);
  score.penalise(id(1), "flood", 0); // Backed off.
  score.penalise(id(2), "forgery", 0);
  score.penalise(id(3), "broken-promise", 0);
  score.penalise(id(4), "flood", 0);
  score.penalise(id(5), "flood", 0); // At the cap: id 3 (100) is forgotten.
  assert.equal(score.size, 4);
  assert.equal(score.penalty(id(3), 0), 0);
  assert.ok(score.isBackedOff(id(1), 0));
  // When the back-off ends and the penalties have decayed below 1, all is forgotten.
  score.expire(299_999);
  assert.equal(score.size, 4);
  score.expire(600_000);
  assert.equal(score.size, 0);

  // A backed-off identity is kept while its back-off lasts, though its penalty is gone.
  const quick = new PeerScore({ ...OPTIONS, penaltyHalfLifeMs: 1_000 });
  quick.penalise(id(1), "flood", 0);
  quick.penalise(id(1), "flood", 0);
  quick.penalise(id(2), "flood", 0);
  quick.expire(20_000);
  assert.equal(quick.size, 1);
  assert.ok(quick.isBackedOff(id(1), 20_000));
});

Deno.test("`PeerScore`: whatever the offences, a penalty stays below the threshold and the table within its cap", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          peer: fc.integer({ min: 1, max: 8 }),
          offence: fc.constantFrom(...OFFENCES),
          gapMs: fc.integer({ min: 0, max: 100_000 }),
        }),
        { maxLength: 200 },
      ),
      (events) => {
        const score = new PeerScore(OPTIONS);
        let now = 0;
        for (const { peer, offence, gapMs } of events) {
          now += gapMs;
          const crossed = score.penalise(id(peer), offence, now);
          assert.ok(score.penalty(id(peer), now) < OPTIONS.penaltyThreshold);
          if (crossed) assert.ok(score.isBackedOff(id(peer), now));
          assert.ok(score.size <= OPTIONS.scoredPeersMax);
        }
      },
    ),
  );
});
