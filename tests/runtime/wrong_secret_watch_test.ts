/** `WrongSecretWatch`: gives up once, after enough refusals of our dials, and never once admitted. */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { Channel, FrameTransport, Handshake } from "../../lib/secure/channel.ts";
import { HandshakeError, type HandshakeFailure } from "../../lib/secure/noise_handshake.ts";
import {
  WRONG_SECRET_REJECTIONS_MAX,
  WrongSecretWatch,
} from "../../lib/runtime/wrong_secret_watch.ts";

type Outcome = "ok" | "self" | HandshakeFailure | "other";

/** A handshake whose outcomes are scripted, one per call. */
function scripted(outcomes: Outcome[]): Handshake {
  return () => {
    const outcome = outcomes.shift() ?? "ok";
    if (outcome === "ok") return Promise.resolve({ remote: { id: "peer" } } as Channel);
    if (outcome === "self") return Promise.resolve({ remote: { id: "own-bootstrap" } } as Channel);
    if (outcome === "other") return Promise.reject(new Error("connection reset"));
    return Promise.reject(new HandshakeError(outcome, `failed: ${outcome}`));
  };
}

const transport = {} as FrameTransport;
const hello = {} as never;

async function run(handshake: Handshake, initiator: boolean): Promise<void> {
  await handshake(transport, { initiator, local: hello }).catch(() => {});
}

Deno.test("WrongSecretWatch gives up once, at WRONG_SECRET_REJECTIONS_MAX refusals of our dials", async () => {
  const gaveUp: number[] = [];
  const watch = new WrongSecretWatch({ onGiveUp: (n) => gaveUp.push(n) });
  const handshake = watch.wrap(
    scripted(Array(WRONG_SECRET_REJECTIONS_MAX + 3).fill("wrong-secret")),
  );
  for (let i = 1; i < WRONG_SECRET_REJECTIONS_MAX; i++) await run(handshake, true);
  assert.deepEqual(gaveUp, []);
  await run(handshake, true);
  assert.deepEqual(gaveUp, [WRONG_SECRET_REJECTIONS_MAX]);
  for (let i = 0; i < 3; i++) await run(handshake, true);
  assert.deepEqual(gaveUp, [WRONG_SECRET_REJECTIONS_MAX], "reported once");
});

Deno.test("WrongSecretWatch ignores other failures and refusals of dials made to us", async () => {
  const gaveUp: number[] = [];
  const watch = new WrongSecretWatch({ rejectionsMax: 2, onGiveUp: (n) => gaveUp.push(n) });
  const handshake = watch.wrap(
    scripted(["different-room", "closed", "other", "malformed", "wrong-secret", "wrong-secret"]),
  );
  for (let i = 0; i < 4; i++) await run(handshake, true);
  // Someone with another secret dialled us: their problem, not ours.
  await run(handshake, false);
  await run(handshake, false);
  assert.deepEqual(gaveUp, []);
  assert.equal(watch.rejections, 0);
});

Deno.test("WrongSecretWatch gives up exactly when 3 refusals came before any success (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(fc.constantFrom<Outcome>("ok", "wrong-secret", "closed"), fc.boolean()),
        { maxLength: 40 },
      ),
      async (steps) => {
        const gaveUp: number[] = [];
        const watch = new WrongSecretWatch({ rejectionsMax: 3, onGiveUp: (n) => gaveUp.push(n) });
        const handshake = watch.wrap(scripted(steps.map(([outcome]) => outcome)));
        for (const [, initiator] of steps) await run(handshake, initiator);
        const firstOk = steps.findIndex(([outcome]) => outcome === "ok");
        const refusedBeforeAdmitted = steps
          .slice(0, firstOk === -1 ? steps.length : firstOk)
          .filter(([outcome, initiator]) => outcome === "wrong-secret" && initiator).length;
        assert.deepEqual(gaveUp, refusedBeforeAdmitted >= 3 ? [3] : []);
      },
    ),
  );
});

Deno.test("WrongSecretWatch refuses a limit that is not a positive integer", () => {
  for (const rejectionsMax of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new WrongSecretWatch({ rejectionsMax, onGiveUp: () => {} }), RangeError);
  }
});

Deno.test("WrongSecretWatch says in each refusal's error, the same way, when the peer will give up", async () => {
  const watch = new WrongSecretWatch({ rejectionsMax: 4, onGiveUp: () => {} });
  const handshake = watch.wrap(scripted(["wrong-secret", "wrong-secret"]));
  const messages: string[] = [];
  for (let i = 0; i < 2; i++) {
    await handshake(transport, { initiator: true, local: hello }).catch((error) => {
      assert.ok(error instanceof HandshakeError);
      assert.equal(error.failure, "wrong-secret");
      messages.push(error.message);
    });
  }
  assert.deepEqual(
    messages,
    Array(2).fill(
      "failed: wrong-secret (with no peer accepting it, this peer gives up after 4 refusals)",
    ),
  );
});

Deno.test("WrongSecretWatch does not count its own bootstrap's acceptance as getting in", async () => {
  const gaveUp: number[] = [];
  const watch = new WrongSecretWatch({
    rejectionsMax: 2,
    selfHostedIds: ["own-bootstrap"],
    onGiveUp: (n) => gaveUp.push(n),
  });
  const handshake = watch.wrap(scripted(["self", "wrong-secret", "wrong-secret"]));
  for (let i = 0; i < 3; i++) await run(handshake, true);
  assert.equal(watch.admitted, false);
  assert.deepEqual(gaveUp, [2]);
});
