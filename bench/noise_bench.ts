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
import { generateX25519KeyPair, type X25519KeyPair } from "../lib/identity/x25519_key_pair.ts";

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
  fn() {
    receiver.decrypt(sender.encrypt(oneKiB));
  },
});

Deno.bench({
  name: `transport encrypt+decrypt ${TRANSPORT_PLAINTEXT_BYTES_MAX} B (65535 minus tag)`,
  group: "transport",
  fn() {
    receiver.decrypt(sender.encrypt(largest));
  },
});

const BATCH = 64;
Deno.bench({
  name: `transport encrypt+decrypt 1 KiB, ${BATCH} in flight (per batch)`,
  group: "transport pipelined",
  fn() {
    const sealed = Array.from({ length: BATCH }, () => sender.encrypt(oneKiB));
    for (const message of sealed) receiver.decrypt(message);
  },
});

// ---------------------------------------------------------------------------
// The p2pchat channel on top: `noiseHandshake` end to end, and sealed/opened payloads.

import { generateIdentity } from "../lib/identity/identity.ts";
import type { Channel, FrameTransport } from "../lib/secure/channel.ts";
import { noiseHandshake } from "../lib/secure/noise_handshake.ts";
import { FrameDecoder } from "../lib/wire/frame_codec.ts";
import type { Hello } from "../lib/wire/message.ts";

/** Two in-memory frame transports joined back to back. */
function memoryPipe(): [FrameTransport, FrameTransport] {
  const inboxes: Uint8Array[][] = [[], []];
  const wakers: (() => void)[] = [() => {}, () => {}];
  const end = (me: number): FrameTransport => ({
    async readFrame() {
      while (inboxes[me]!.length === 0) {
        await new Promise<void>((resolve) => (wakers[me] = resolve));
      }
      return inboxes[me]!.shift();
    },
    writeFrame(frame) {
      inboxes[1 - me]!.push(frame);
      wakers[1 - me]!();
      return Promise.resolve();
    },
  });
  return [end(0), end(1)];
}

const roomKey = { room: "bench", psk };
const ann = await generateIdentity();
const bob = await generateIdentity();
const helloOf = (id: string, nick: string): Hello => ({
  type: "hello",
  version: 3,
  id,
  addr: "127.0.0.1:9000",
  nick,
  role: "peer",
  incarnation: 0,
});
// As in a node: one handshake function per process, its static key and binding made once.
const annHandshake = noiseHandshake({ identity: ann, roomKey, staticKeyPair: initiatorStatic });
const bobHandshake = noiseHandshake({ identity: bob, roomKey, staticKeyPair: responderStatic });

async function channelPair(): Promise<[Channel, Channel]> {
  const [a, b] = memoryPipe();
  return await Promise.all([
    annHandshake(a, { initiator: true, local: helloOf(ann.id, "ann") }),
    bobHandshake(b, { initiator: false, local: helloOf(bob.id, "bob") }),
  ]);
}

Deno.bench({
  name: "noiseHandshake() both sides, in-memory frames (hellos, bindings, verification)",
  group: "channel handshake",
  baseline: true,
  async fn() {
    await channelPair();
  },
});

const [sealer, opener] = await channelPair();
const decoder = new FrameDecoder();

async function sealAndOpen(payloads: readonly Uint8Array[]): Promise<void> {
  const wire = await sealer.seal(payloads);
  let opened = 0;
  for (const frame of decoder.push(wire)) opened += (await opener.open(frame)).length;
  if (opened !== payloads.length) throw new Error(`opened ${opened} of ${payloads.length}`);
}

const COALESCED = 64;
const kibBatch = Array.from({ length: COALESCED }, () => oneKiB);
Deno.bench({
  name: `channel seal+open ${COALESCED} × 1 KiB coalesced per seal (per batch of 64 KiB)`,
  group: "channel transport",
  baseline: true,
  async fn() {
    await sealAndOpen(kibBatch);
  },
});

Deno.bench({
  name: "channel seal+open 1 × 1 KiB per seal",
  group: "channel transport",
  async fn() {
    await sealAndOpen([oneKiB]);
  },
});

const largestPayload = largest.subarray(0, TRANSPORT_PLAINTEXT_BYTES_MAX - 4);
Deno.bench({
  name: "channel seal+open 1 × 65515 B per seal (one full 64 KiB frame)",
  group: "channel transport",
  async fn() {
    await sealAndOpen([largestPayload]);
  },
});
