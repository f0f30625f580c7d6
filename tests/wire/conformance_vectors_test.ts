/**
 * Runs the protocol conformance vectors (`tests/fixtures/protocol/vectors.json`,
 * PROTOCOL.md § Conformance vectors) through the reference decoders and checks
 * each verdict and decoded value; and checks that the generator still writes
 * the committed file.
 */

import assert from "node:assert/strict";
import { type Kind, type VectorCase, vectorsFile } from "../../scripts/protocol_vectors.ts";
import { importIdentityPkcs8 } from "../../lib/identity/identity.ts";
import { directBoxId, DirectMessageError, openDirect } from "../../lib/secure/direct_message.ts";
import { decodeHandshakePayload } from "../../lib/secure/noise_handshake.ts";
import { NoiseChannel } from "../../lib/secure/noise_transport.ts";
import type { TransportState } from "../../lib/secure/noise/transport_state.ts";
import { expectHello } from "../../lib/secure/plain_channel.ts";
import { FrameDecoder } from "../../lib/wire/frame_codec.ts";
import { bytesToHex, hexToBytes } from "../../lib/wire/hex.ts";
import { PROTOCOL_VERSION } from "../../lib/wire/message.ts";
import { verifyChat } from "../../lib/secure/chat_signature.ts";
import { VerifiedRoots } from "../../lib/secure/verified_roots.ts";
import type { VectorClock } from "../../lib/causal/vector_clock.ts";
import type { AnyMessage, MemberInfo } from "../../lib/wire/message.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";

const FIXTURE = new URL("../fixtures/protocol/vectors.json", import.meta.url);

interface VectorsFile {
  readonly protocol_version: number;
  readonly direct_keys: { readonly recipient_seed: string; readonly recipient: string };
  readonly chat_keys: { readonly author: string; readonly room_tag: string };
  readonly cases: readonly VectorCase[];
}

const vectors = JSON.parse(await Deno.readTextFile(FIXTURE)) as VectorsFile;

/** The addressee of the direct-open cases, from its seed (extractable: its X25519 key derives from it). */
const recipient = await importIdentityPkcs8(
  Uint8Array.from([
    ...hexToBytes("302e020100300506032b657004220420"),
    ...hexToBytes(vectors.direct_keys.recipient_seed),
  ]),
  { extractable: true },
);

/** The verified-root cache every chat-signature case goes through, as in a node. */
const chatRoots = new VerifiedRoots();

/** What a decoder made of one case: its verdict and, when accepted, the readable value. */
interface Outcome {
  readonly verdict: VectorCase["verdict"];
  readonly value?: unknown;
}

const hex = (bytes: Uint8Array): string => bytesToHex(bytes);

function clockForm(clock: VectorClock, digests?: ReadonlyMap<string, Uint8Array>): unknown[] {
  return [...clock].map(([id, n]) => {
    const digest = digests?.get(id);
    return digest === undefined ? [id, n] : [id, n, hex(digest)];
  });
}

function recordForm(member: MemberInfo): unknown {
  return {
    id: member.id,
    addr: member.addr,
    incarnation: member.incarnation,
    status: member.status,
    ...(member.signature === undefined ? {} : { signature: hex(member.signature) }),
    ...(member.nick === undefined ? {} : { nick: member.nick }),
  };
}

/** A decoded message in the readable form of the vectors (`value_forms` in the file). */
function readable(message: AnyMessage): unknown {
  switch (message.type) {
    case "hello": {
      const { type, version, id, addr, nick, role, incarnation, seen } = message;
      return {
        type,
        version,
        id,
        addr,
        nick,
        role,
        incarnation,
        ...(seen === undefined ? {} : { seen }),
      };
    }
    case "register":
      return { type: "register" };
    case "get-peers":
      return { type: "get-peers", all: message.all === true };
    case "peers":
      return {
        type: "peers",
        peers: message.peers.map(recordForm),
        ...(message.total === undefined ? {} : { total: message.total }),
      };
    case "member":
      return { type: "member", member: recordForm(message.member) };
    case "ping":
    case "pong":
      return { type: message.type, nonce: message.nonce };
    case "probe":
    case "probe-ack":
      return { type: message.type, target: message.target, nonce: message.nonce };
    case "chat": {
      const m = message.message;
      return {
        type: "chat",
        repair: message.repair === true,
        signature: hex(m.signature),
        body: {
          author: m.author,
          seq: m.seq,
          clock: clockForm(m.clock),
          nick: m.nick,
          textHash: hex(m.textHash!),
          ts: m.ts,
          ...(m.amends === undefined ? {} : { amends: { ...m.amends } }),
        },
        ...(m.redacted === true ? {} : { text: m.text }),
      };
    }
    case "bye":
      return { type: "bye", reason: message.reason };
    case "prune":
      return {
        type: "prune",
        authors: [...message.authors],
        ...(message.sharedTree === true ? { sharedTree: true } : {}),
      };
    case "have":
      return { type: "have", full: message.full, clock: clockForm(message.clock, message.digests) };
    case "want":
      return {
        type: "want",
        graft: message.graft,
        ranges: message.ranges.map((r) => [r.author, r.from, r.to]),
      };
    case "skip":
      return { type: "skip", clock: clockForm(message.clock) };
    case "direct":
      return {
        type: "direct",
        to: message.to,
        id: message.id,
        hops: message.hops,
        box: hex(message.box),
      };
  }
}

/** Decrypts nothing: hands the plaintext of a case to the channel's unpacking as it is. */
const CLEAR_TRANSPORT = {
  decrypt: (frame: Uint8Array) => frame,
} as unknown as TransportState;

const HELLO_FOR_CHANNEL = {
  type: "hello",
  version: 5,
  id: "aa".repeat(32),
  addr: "127.0.0.1:1",
  nick: "t",
  role: "peer",
  incarnation: 0,
} as const;

/** Runs one case through the reference decoder for its kind. */
async function run(kind: Kind, bytes: Uint8Array): Promise<Outcome> {
  try {
    switch (kind) {
      case "stream": {
        const decoder = new FrameDecoder();
        const frames = decoder.push(bytes).map(hex);
        decoder.finish();
        return { verdict: "accepted", value: frames };
      }
      case "transport-plaintext": {
        const channel = new NoiseChannel(CLEAR_TRANSPORT, HELLO_FOR_CHANNEL);
        return { verdict: "accepted", value: channel.open(bytes).map(hex) };
      }
      case "message":
        return { verdict: "accepted", value: readable(decodeMessage(bytes)) };
      case "handshake-payload": {
        const payload = decodeHandshakePayload(bytes);
        const hello = expectHello(decodeMessage(payload.hello));
        return {
          verdict: "accepted",
          value: { hello: readable(hello), binding: hex(payload.binding) },
        };
      }
      case "direct-box":
        // The addressee's layout check (decryption needs its key): `eph` is what it yields.
        return { verdict: "accepted", value: { eph: directBoxId(bytes) } };
      case "direct-open":
        return { verdict: "accepted", value: { ...(await openDirect(recipient, bytes)) } };
      case "chat-signature": {
        const message = decodeMessage(bytes);
        if (message.type !== "chat") throw new Error("a chat-signature case is a chat");
        const { author, seq } = message.message;
        const tag = hexToBytes(vectors.chat_keys.room_tag);
        // Checked twice: alone, and through the cache of verified roots a node keeps.
        const alone = await verifyChat(message.message, tag);
        const cached = await verifyChat(message.message, tag, chatRoots);
        if (alone !== cached) throw new Error("the cache changed the verdict");
        return alone ? { verdict: "accepted", value: { author, seq } } : { verdict: "refused" };
      }
    }
  } catch (error) {
    if (error instanceof ProtocolError) return { verdict: "closed" };
    if (error instanceof DirectMessageError) return { verdict: "refused" };
    throw error;
  }
}

/** Every disagreement between the vectors of `kind` and the reference decoder. */
async function mismatches(kind: Kind): Promise<string[]> {
  const found: string[] = [];
  const cases = vectors.cases.filter((c) => c.kind === kind);
  assert.ok(cases.length > 0, `no ${kind} cases`);
  for (const c of cases) {
    let outcome: Outcome;
    try {
      outcome = await run(kind, hexToBytes(c.hex));
    } catch (error) {
      found.push(`${c.name}: crashed: ${error}`);
      continue;
    }
    if (outcome.verdict !== c.verdict) {
      found.push(`${c.name}: ${outcome.verdict}, expected ${c.verdict}`);
      continue;
    }
    if (c.verdict !== "accepted") continue;
    // A box's ciphertext is the addressee's to read: only `eph` is compared.
    const expected = kind === "direct-box" ? { eph: (c.value as { eph: string }).eph } : c.value;
    try {
      assert.deepStrictEqual(outcome.value, expected);
    } catch {
      found.push(`${c.name}: value ${JSON.stringify(outcome.value).slice(0, 300)}`);
    }
  }
  return found;
}

for (
  const kind of [
    "stream",
    "transport-plaintext",
    "message",
    "handshake-payload",
    "direct-box",
    "direct-open",
    "chat-signature",
  ] as const
) {
  Deno.test(`conformance vectors: every ${kind} case gets its verdict and value`, async () => {
    assert.deepEqual(await mismatches(kind), []);
  });
}

Deno.test("conformance vectors: every stream case gets its verdict when read a byte at a time", () => {
  const found: string[] = [];
  for (const c of vectors.cases.filter((c) => c.kind === "stream")) {
    const bytes = hexToBytes(c.hex);
    const decoder = new FrameDecoder();
    const frames: string[] = [];
    let verdict: VectorCase["verdict"] = "accepted";
    try {
      for (let i = 0; i < bytes.length; i++) {
        frames.push(...decoder.push(bytes.subarray(i, i + 1)).map(hex));
      }
      decoder.finish();
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      verdict = "closed";
    }
    if (verdict !== c.verdict) found.push(`${c.name}: ${verdict}, expected ${c.verdict}`);
    else if (verdict === "accepted" && JSON.stringify(frames) !== JSON.stringify(c.value)) {
      found.push(`${c.name}: other frames`);
    }
  }
  assert.deepEqual(found, []);
});

Deno.test("conformance vectors: names are unique, verdicts and fields well formed", () => {
  assert.equal(vectors.protocol_version, PROTOCOL_VERSION);
  assert.equal(recipient.id, vectors.direct_keys.recipient);
  const names = new Set(vectors.cases.map((c) => c.name));
  assert.equal(names.size, vectors.cases.length);
  for (const c of vectors.cases) {
    assert.match(c.hex, /^(?:[0-9a-f]{2})*$/, c.name);
    if (c.verdict === "accepted") assert.ok("value" in c, `${c.name} has a value`);
    else assert.ok(typeof c.why === "string" && c.why.length > 0, `${c.name} says why`);
    // Decoding a frame payload never refuses: it accepts or closes.
    if (!c.kind.startsWith("direct-") && c.kind !== "chat-signature") {
      assert.notEqual(c.verdict, "refused", c.name);
    }
  }
});

Deno.test("conformance vectors: scripts/protocol_vectors.ts writes the committed file", async () => {
  assert.equal(await vectorsFile(), await Deno.readTextFile(FIXTURE));
});
