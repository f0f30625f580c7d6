/**
 * Benchmarks of the Noise implementation: a full XXpsk3 handshake and transport messages.
 *
 * Run: `deno bench bench/noise_bench.ts`
 *
 * @module
 */

import { HandshakeState } from "../lib/secure/noise/handshake_state.ts";
import {
  TRANSPORT_PLAINTEXT_BYTES_MAX,
  type TransportState,
} from "../lib/secure/noise/transport_state.ts";
import { generateX25519KeyPair, type X25519KeyPair } from "../lib/secure/noise/x25519.ts";

const PROTOCOL = "Noise_XXpsk3_25519_AESGCM_SHA256";
const psk = crypto.getRandomValues(new Uint8Array(32));
const initiatorStatic = await generateX25519KeyPair();
const responderStatic = await generateX25519KeyPair();

async function xxpsk3(
  initiatorKey: X25519KeyPair,
  responderKey: X25519KeyPair,
): Promise<[TransportState, TransportState]> {
  const initiator = await HandshakeState.initialize(PROTOCOL, "initiator", {
    staticKeyPair: initiatorKey,
    psks: [psk],
  });
  const responder = await HandshakeState.initialize(PROTOCOL, "responder", {
    staticKeyPair: responderKey,
    psks: [psk],
  });
  await responder.readMessage(await initiator.writeMessage());
  await initiator.readMessage(await responder.writeMessage());
  await responder.readMessage(await initiator.writeMessage());
  return [await initiator.split(), await responder.split()];
}

Deno.bench({
  name: "XXpsk3 handshake, both sides (fresh ephemerals, long-lived statics)",
  group: "handshake",
  baseline: true,
  async fn() {
    await xxpsk3(initiatorStatic, responderStatic);
  },
});

Deno.bench({
  name: "XXpsk3 handshake, both sides, generating static keys too",
  group: "handshake",
  async fn() {
    await xxpsk3(await generateX25519KeyPair(), await generateX25519KeyPair());
  },
});

const [sender, receiver] = await xxpsk3(initiatorStatic, responderStatic);
const oneKiB = crypto.getRandomValues(new Uint8Array(1024));
const largest = crypto.getRandomValues(new Uint8Array(TRANSPORT_PLAINTEXT_BYTES_MAX));

Deno.bench({
  name: "transport encrypt+decrypt 1 KiB",
  group: "transport",
  baseline: true,
  async fn() {
    await receiver.decrypt(await sender.encrypt(oneKiB));
  },
});

Deno.bench({
  name: `transport encrypt+decrypt ${TRANSPORT_PLAINTEXT_BYTES_MAX} B (65535 minus tag)`,
  group: "transport",
  async fn() {
    await receiver.decrypt(await sender.encrypt(largest));
  },
});

const BATCH = 64;
Deno.bench({
  name: `transport encrypt+decrypt 1 KiB, ${BATCH} in flight (per batch)`,
  group: "transport pipelined",
  async fn() {
    const sealed = await Promise.all(Array.from({ length: BATCH }, () => sender.encrypt(oneKiB)));
    await Promise.all(sealed.map((message) => receiver.decrypt(message)));
  },
});
