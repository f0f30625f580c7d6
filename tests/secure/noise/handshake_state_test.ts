import assert from "node:assert/strict";
import fixture from "../../fixtures/noise-aesgcm-sha256.json" with { type: "json" };
import {
  type HandshakeOptions,
  HandshakeState,
} from "../../../lib/secure/noise/handshake_state.ts";
import { HANDSHAKE_PATTERN_NAMES } from "../../../lib/secure/noise/handshake_pattern.ts";
import { NoiseDecryptError } from "../../../lib/secure/noise/noise_decrypt_error.ts";
import type { TransportState } from "../../../lib/secure/noise/transport_state.ts";
import { generateX25519KeyPair } from "../../../lib/identity/x25519_key_pair.ts";
import { importX25519PrivateKey } from "../../../lib/secure/noise/x25519.ts";

interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  init_psks?: string[];
  init_static?: string;
  init_ephemeral: string;
  resp_prologue: string;
  resp_psks?: string[];
  resp_static?: string;
  resp_ephemeral: string;
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

const vectors: readonly NoiseVector[] = fixture.vectors;
const XXPSK3 = "Noise_XXpsk3_25519_AESGCM_SHA256";

async function vectorOptions(
  vector: NoiseVector,
  side: "init" | "resp",
): Promise<HandshakeOptions> {
  const staticKey = vector[`${side}_static`];
  const psks = vector[`${side}_psks`];
  return {
    prologue: Uint8Array.fromHex(vector[`${side}_prologue`]),
    ephemeralKeyPair: await importX25519PrivateKey(Uint8Array.fromHex(vector[`${side}_ephemeral`])),
    staticKeyPair: staticKey === undefined
      ? undefined
      : await importX25519PrivateKey(Uint8Array.fromHex(staticKey)),
    psks: psks?.map((psk) => Uint8Array.fromHex(psk)),
  };
}

Deno.test("Noise fixture has the eight vectors SOURCE.md lists", () => {
  assert.deepEqual(vectors.map((vector) => vector.protocol_name), [
    "Noise_NN_25519_AESGCM_SHA256",
    "Noise_NNpsk0_25519_AESGCM_SHA256",
    "Noise_NNpsk2_25519_AESGCM_SHA256",
    "Noise_XX_25519_AESGCM_SHA256",
    "Noise_XXpsk3_25519_AESGCM_SHA256",
    "Noise_XX_25519_AESGCM_SHA256",
    "Noise_NNpsk0+psk2_25519_AESGCM_SHA256",
    "Noise_XXpsk0+psk3_25519_AESGCM_SHA256",
  ]);
});

for (const [index, vector] of vectors.entries()) {
  Deno.test(
    `HandshakeState and TransportState reproduce vector ${index} (${vector.protocol_name}) byte for byte`,
    async () => {
      const initiator = await HandshakeState.initialize(
        vector.protocol_name,
        "initiator",
        await vectorOptions(vector, "init"),
      );
      const responder = await HandshakeState.initialize(
        vector.protocol_name,
        "responder",
        await vectorOptions(vector, "resp"),
      );
      let transports: { initiator: TransportState; responder: TransportState } | undefined;
      let handshakeMessages = 0;
      for (const [i, message] of vector.messages.entries()) {
        const initiatorSends = i % 2 === 0;
        const payload = Uint8Array.fromHex(message.payload);
        const expected = Uint8Array.fromHex(message.ciphertext);
        const where = `message ${i} (${initiatorSends ? "initiator" : "responder"} sends)`;
        if (transports === undefined) {
          const [sender, receiver] = initiatorSends
            ? [initiator, responder]
            : [responder, initiator];
          assert.equal(sender.isMyTurn, true, where);
          const written = await sender.writeMessage(payload);
          assert.equal(written.toHex(), message.ciphertext, `${where}: handshake ciphertext`);
          const read = await receiver.readMessage(expected);
          assert.equal(read.toHex(), message.payload, `${where}: handshake payload`);
          handshakeMessages++;
          assert.equal(initiator.isComplete, responder.isComplete, where);
          if (initiator.isComplete) {
            transports = { initiator: await initiator.split(), responder: await responder.split() };
            assert.deepEqual(
              transports.initiator.handshakeHash,
              transports.responder.handshakeHash,
            );
            if (vector.handshake_hash !== undefined) {
              assert.equal(transports.initiator.handshakeHash.toHex(), vector.handshake_hash);
              assert.equal(transports.responder.handshakeHash.toHex(), vector.handshake_hash);
            }
          }
        } else {
          const [sender, receiver] = initiatorSends
            ? [transports.initiator, transports.responder]
            : [transports.responder, transports.initiator];
          const written = await sender.encrypt(payload);
          assert.equal(written.toHex(), message.ciphertext, `${where}: transport ciphertext`);
          const read = await receiver.decrypt(expected);
          assert.equal(read.toHex(), message.payload, `${where}: transport payload`);
        }
      }
      assert.notEqual(transports, undefined, "handshake completed");
      assert.equal(handshakeMessages, initiator.protocolName.includes("_XX") ? 3 : 2);
      assert.ok(vector.messages.length > handshakeMessages, "vector has transport messages");
    },
  );
}

/** Runs a handshake to completion; returns both transports. */
async function handshake(
  initiator: HandshakeState,
  responder: HandshakeState,
  payloads: readonly Uint8Array[] = [],
): Promise<[TransportState, TransportState]> {
  for (let i = 0; !initiator.isComplete; i++) {
    const [sender, receiver] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
    const payload = payloads[i] ?? new Uint8Array(0);
    assert.deepEqual(await receiver.readMessage(await sender.writeMessage(payload)), payload);
  }
  assert.equal(responder.isComplete, true);
  return [await initiator.split(), await responder.split()];
}

async function xxpsk3Pair(
  initiatorPsk: Uint8Array,
  responderPsk: Uint8Array = initiatorPsk,
): Promise<[HandshakeState, HandshakeState]> {
  return [
    await HandshakeState.initialize(XXPSK3, "initiator", {
      staticKeyPair: await generateX25519KeyPair(),
      psks: [initiatorPsk],
    }),
    await HandshakeState.initialize(XXPSK3, "responder", {
      staticKeyPair: await generateX25519KeyPair(),
      psks: [responderPsk],
    }),
  ];
}

async function assertTransportsTalk(a: TransportState, b: TransportState): Promise<void> {
  const encoder = new TextEncoder();
  for (let i = 0; i < 3; i++) {
    const ping = encoder.encode(`ping ${i}`);
    assert.deepEqual(await b.decrypt(await a.encrypt(ping)), ping);
    const pong = encoder.encode(`pong ${i}`);
    assert.deepEqual(await a.decrypt(await b.encrypt(pong)), pong);
  }
}

Deno.test("HandshakeState runs XXpsk3 with generated keys, then transport works both ways", async () => {
  const psk = crypto.getRandomValues(new Uint8Array(32));
  const initiatorStatic = await generateX25519KeyPair();
  const responderStatic = await generateX25519KeyPair();
  const initiator = await HandshakeState.initialize(XXPSK3, "initiator", {
    staticKeyPair: initiatorStatic,
    psks: [psk],
    prologue: new TextEncoder().encode("p2pchat v1"),
  });
  const responder = await HandshakeState.initialize(XXPSK3, "responder", {
    staticKeyPair: responderStatic,
    psks: [psk],
    prologue: new TextEncoder().encode("p2pchat v1"),
  });
  const payloads = [Uint8Array.of(1), Uint8Array.of(2, 2), Uint8Array.of(3, 3, 3)];
  const [a, b] = await handshake(initiator, responder, payloads);
  assert.deepEqual(initiator.remoteStaticPublicKey, responderStatic.publicKey);
  assert.deepEqual(responder.remoteStaticPublicKey, initiatorStatic.publicKey);
  assert.deepEqual(a.handshakeHash, b.handshakeHash);
  assert.equal(a.handshakeHash.byteLength, 32);
  await assertTransportsTalk(a, b);
  assert.equal(a.sendNonce, 3n);
  assert.equal(a.receiveNonce, 3n);
});

Deno.test("HandshakeState generates a fresh ephemeral key per handshake", async () => {
  const psk = new Uint8Array(32);
  const [i1] = await xxpsk3Pair(psk);
  const [i2] = await xxpsk3Pair(psk);
  const m1 = await i1.writeMessage();
  const m2 = await i2.writeMessage();
  assert.equal(m1.byteLength, 32 + 16);
  assert.notDeepEqual(m1.subarray(0, 32), m2.subarray(0, 32));
});

Deno.test("HandshakeState.readMessage() rejects a wrong PSK with NoiseDecryptError", async () => {
  const [initiator, responder] = await xxpsk3Pair(new Uint8Array(32).fill(1), new Uint8Array(32));
  await responder.readMessage(await initiator.writeMessage());
  await initiator.readMessage(await responder.writeMessage());
  const third = await initiator.writeMessage(new TextEncoder().encode("hello"));
  await assert.rejects(responder.readMessage(third), NoiseDecryptError);
  await assert.rejects(responder.split(), /Cannot split handshake: handshake has failed/);
  await assert.rejects(responder.writeMessage(), /handshake has failed/);
});

Deno.test("HandshakeState.readMessage() rejects a wrong PSK in NNpsk0 at the first message", async () => {
  const name = "Noise_NNpsk0_25519_AESGCM_SHA256";
  const initiator = await HandshakeState.initialize(name, "initiator", {
    psks: [new Uint8Array(32).fill(7)],
  });
  const responder = await HandshakeState.initialize(name, "responder", {
    psks: [new Uint8Array(32).fill(8)],
  });
  await assert.rejects(responder.readMessage(await initiator.writeMessage()), NoiseDecryptError);
});

Deno.test("HandshakeState.readMessage() rejects a tampered or truncated message", async () => {
  const psk = new Uint8Array(32);
  for (
    const [where, mutate] of [
      ["flipped bit in the encrypted static key", (m: Uint8Array) => (m[40]! ^= 1, m)],
      ["flipped bit in the ephemeral key", (m: Uint8Array) => (m[0]! ^= 1, m)],
      ["flipped bit in the tag", (m: Uint8Array) => (m[m.byteLength - 1]! ^= 0x80, m)],
      ["truncated", (m: Uint8Array) => m.subarray(0, 40)],
      ["empty", () => new Uint8Array(0)],
    ] as const
  ) {
    const [initiator, responder] = await xxpsk3Pair(psk);
    await responder.readMessage(await initiator.writeMessage());
    const second = await responder.writeMessage();
    await assert.rejects(initiator.readMessage(mutate(second)), NoiseDecryptError, where);
  }
});

Deno.test("HandshakeState rejects a low-order ephemeral key from the peer with NoiseDecryptError", async () => {
  const name = "Noise_NN_25519_AESGCM_SHA256";
  const responder = await HandshakeState.initialize(name, "responder");
  await responder.readMessage(new Uint8Array(32)); // u = 0 is of low order
  await assert.rejects(responder.writeMessage(), NoiseDecryptError);
});

Deno.test("HandshakeState enforces turns, completion and a single split()", async () => {
  const [initiator, responder] = await xxpsk3Pair(new Uint8Array(32));
  assert.equal(initiator.isMyTurn, true);
  assert.equal(responder.isMyTurn, false);
  await assert.rejects(
    responder.writeMessage(),
    /Cannot write handshake message: it is the peer's turn/,
  );
  await assert.rejects(
    initiator.readMessage(new Uint8Array(48)),
    /Cannot read handshake message: it is our turn to write/,
  );
  await assert.rejects(initiator.split(), /handshake is not complete/);
  const [a, b] = await handshake(initiator, responder);
  await assertTransportsTalk(a, b);
  await assert.rejects(initiator.split(), /already split/);
  await assert.rejects(initiator.writeMessage(), /handshake is complete/);
  assert.equal(initiator.role, "initiator");
  assert.equal(responder.role, "responder");
});

Deno.test("HandshakeState refuses a second message while one is in progress", async () => {
  const [initiator] = await xxpsk3Pair(new Uint8Array(32));
  const first = initiator.writeMessage();
  await assert.rejects(initiator.writeMessage(), /another message is in progress/);
  await first;
});

Deno.test("HandshakeState.writeMessage() rejects a message over 65535 bytes with RangeError", async () => {
  const [initiator, responder] = await xxpsk3Pair(new Uint8Array(32));
  // Message 1 of XXpsk3 is e (32) + payload + tag (16, keyed by MixKey(e)).
  await assert.rejects(initiator.writeMessage(new Uint8Array(65535 - 48 + 1)), RangeError);
  const largest = await initiator.writeMessage(new Uint8Array(65535 - 48));
  assert.equal(largest.byteLength, 65535);
  assert.equal((await responder.readMessage(largest)).byteLength, 65535 - 48);
  await assert.rejects(initiator.readMessage(new Uint8Array(65536)), RangeError);
});

Deno.test("HandshakeState.initialize() rejects options that do not fit the pattern", async () => {
  const keyPair = await generateX25519KeyPair();
  const psk = new Uint8Array(32);
  await assert.rejects(
    HandshakeState.initialize(XXPSK3, "initiator", { psks: [psk] }),
    /Cannot initialize handshake: the initiator of XXpsk3 needs staticKeyPair/,
  );
  await assert.rejects(
    HandshakeState.initialize(XXPSK3, "initiator", { staticKeyPair: keyPair }),
    /XXpsk3 needs 1 PSKs, got 0/,
  );
  await assert.rejects(
    HandshakeState.initialize(XXPSK3, "initiator", { staticKeyPair: keyPair, psks: [psk, psk] }),
    TypeError,
  );
  await assert.rejects(
    HandshakeState.initialize(XXPSK3, "initiator", {
      staticKeyPair: keyPair,
      psks: [new Uint8Array(31)],
    }),
    RangeError,
  );
  await assert.rejects(
    HandshakeState.initialize("Noise_NN_25519_AESGCM_SHA256", "initiator", {
      staticKeyPair: keyPair,
    }),
    /takes no staticKeyPair/,
  );
  await assert.rejects(
    HandshakeState.initialize("Noise_IK_25519_AESGCM_SHA256", "initiator", {
      staticKeyPair: keyPair,
    }),
    /needs remoteStaticPublicKey/,
  );
  await assert.rejects(
    HandshakeState.initialize("Noise_IK_25519_AESGCM_SHA256", "initiator", {
      staticKeyPair: keyPair,
      remoteStaticPublicKey: new Uint8Array(33),
    }),
    RangeError,
  );
  await assert.rejects(
    HandshakeState.initialize("Noise_XX_448_AESGCM_SHA256", "initiator"),
    TypeError,
  );
});

/** Options for one side of a round trip of `pattern` (a base name plus modifiers). */
function roundTripOptions(
  patternName: string,
  role: "initiator" | "responder",
  keys: {
    initiator: Awaited<ReturnType<typeof generateX25519KeyPair>>;
    responder: Awaited<ReturnType<typeof generateX25519KeyPair>>;
  },
  psks: readonly Uint8Array[],
): HandshakeOptions {
  const base = /^[A-Z]+/.exec(patternName)?.[0] ?? "";
  const [first, second] = [base[0], base[1]];
  // First letter: the initiator's static key (N none, K pre-shared, X/I transmitted).
  // Second letter: the responder's static key (N none, K pre-shared, X transmitted).
  const options: HandshakeOptions = { psks };
  if (role === "initiator") {
    if (first !== "N") options.staticKeyPair = keys.initiator;
    if (second === "K") options.remoteStaticPublicKey = keys.responder.publicKey;
  } else {
    if (second !== "N") options.staticKeyPair = keys.responder;
    if (first === "K") options.remoteStaticPublicKey = keys.initiator.publicKey;
  }
  return options;
}

for (const base of HANDSHAKE_PATTERN_NAMES) {
  for (const modifiers of ["", "psk0", "psk2", "psk0+psk2"]) {
    const patternName = `${base}${modifiers}`;
    Deno.test(`HandshakeState round-trips ${patternName} with generated keys`, async () => {
      const name = `Noise_${patternName}_25519_AESGCM_SHA256`;
      const keys = {
        initiator: await generateX25519KeyPair(),
        responder: await generateX25519KeyPair(),
      };
      const pskCount = modifiers === "" ? 0 : modifiers.split("+").length;
      const psks = Array.from(
        { length: pskCount },
        () => crypto.getRandomValues(new Uint8Array(32)),
      );
      const initiator = await HandshakeState.initialize(
        name,
        "initiator",
        roundTripOptions(patternName, "initiator", keys, psks),
      );
      const responder = await HandshakeState.initialize(
        name,
        "responder",
        roundTripOptions(patternName, "responder", keys, psks),
      );
      const payloads = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
      const [a, b] = await handshake(initiator, responder, payloads);
      assert.deepEqual(a.handshakeHash, b.handshakeHash);
      if (base[1] !== "N") {
        assert.deepEqual(initiator.remoteStaticPublicKey, keys.responder.publicKey);
      }
      if (base[0] !== "N") {
        assert.deepEqual(responder.remoteStaticPublicKey, keys.initiator.publicKey);
      }
      await assertTransportsTalk(a, b);
    });
  }
}
