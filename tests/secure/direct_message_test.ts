import assert from "node:assert/strict";
import { decode, Encoder } from "@msgpack/msgpack";
import fc from "fast-check";
import {
  exportIdentityPkcs8,
  generateIdentity,
  type Identity,
  importIdentityPkcs8,
  signWithIdentity,
  verifyPeerSignature,
} from "../../lib/identity/identity.ts";
import {
  DEFAULT_DIRECT_MESSAGE_LIMITS,
  DIRECT_KEY_SALT,
  DIRECT_SIGNATURE_DOMAIN,
  directBoxId,
  DirectMessageError,
  type DirectMessageFailure,
  openDirect,
  OWN_X25519_KEY_CACHE_ENTRIES_MAX,
  sealDirect,
} from "../../lib/secure/direct_message.ts";
import { ed25519PublicKeyToX25519 } from "../../lib/secure/ed25519_to_x25519.ts";
import { generateX25519KeyPair, type X25519KeyPair } from "../../lib/identity/x25519_key_pair.ts";
import { importX25519PrivateKey, x25519SharedSecret } from "../../lib/secure/noise/x25519.ts";
import { hexToBytes } from "../../lib/wire/hex.ts";

// ---------------------------------------------------------------------------
// An independent implementation of the documented construction (module doc of
// direct_message.ts), from WebCrypto and the msgpack library, to build boxes the real
// sealDirect() never would and to look inside real ones.

const encoder = new Encoder();
const utf8 = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A MessagePack array (up to 15 elements) of already encoded elements. */
function array(...elements: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concat(Uint8Array.of(0x90 | elements.length), ...elements);
}

function enc(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** The bytes the sender signs (step 3). */
function signedBytes(recipientId: string, eph: Uint8Array, body: Uint8Array): Uint8Array {
  return concat(utf8.encode(DIRECT_SIGNATURE_DOMAIN), hexToBytes(recipientId), eph, body);
}

async function aesKey(shared: Uint8Array<ArrayBuffer>, eph: Uint8Array, recipientX: Uint8Array) {
  const ikm = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: utf8.encode(DIRECT_KEY_SALT),
      info: concat(eph, recipientX),
    },
    ikm,
    256,
  );
  return crypto.subtle.importKey("raw", bits, "AES-GCM", false, ["encrypt", "decrypt"]);
}

interface RawSealOptions {
  /** Whose id goes into the AAD. Default: the recipient. */
  aadRecipientId?: string;
}

/** Steps 5 to 7: encrypts any plaintext to `recipientId` with the ephemeral key `eph`. */
async function sealRaw(
  recipientId: string,
  eph: X25519KeyPair,
  plaintext: Uint8Array,
  options: RawSealOptions = {},
): Promise<Uint8Array> {
  const recipientX = ed25519PublicKeyToX25519(hexToBytes(recipientId));
  const key = await aesKey(
    await x25519SharedSecret(eph.privateKey, recipientX),
    eph.publicKey,
    recipientX,
  );
  const aad = concat(hexToBytes(options.aadRecipientId ?? recipientId), eph.publicKey);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: new Uint8Array(12), additionalData: aad },
      key,
      concat(plaintext),
    ),
  );
  return enc([eph.publicKey, ciphertext]);
}

/** The recipient's X25519 private key, derived here from the seed as documented. */
async function x25519Of(identity: Identity): Promise<X25519KeyPair> {
  const seed = (await exportIdentityPkcs8(identity)).slice(16);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", seed));
  return importX25519PrivateKey(digest.slice(0, 32));
}

/** Decrypts a box as `recipient`; returns `eph` and the plaintext bytes. */
async function openRaw(recipient: Identity, box: Uint8Array) {
  const [eph, ciphertext] = decode(box) as [Uint8Array, Uint8Array];
  const own = await x25519Of(recipient);
  const key = await aesKey(await x25519SharedSecret(own.privateKey, eph), eph, own.publicKey);
  const plaintext = new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(12), additionalData: concat(recipient.publicKey, eph) },
      key,
      concat(ciphertext),
    ),
  );
  return { eph, ciphertext, plaintext };
}

interface Fields {
  from: Uint8Array;
  nick: string;
  text: string;
  ts: number;
}

/** A box whose plaintext is `[from, nick, text, ts, signature]` with `fields` encoded as given. */
async function sealFields(
  signer: Identity,
  recipientId: string,
  fields: Fields,
): Promise<Uint8Array> {
  const eph = await generateX25519KeyPair();
  const body = enc([fields.from, fields.nick, fields.text, fields.ts]);
  const signature = await signWithIdentity(signer, signedBytes(recipientId, eph.publicKey, body));
  return sealRaw(
    recipientId,
    eph,
    enc([fields.from, fields.nick, fields.text, fields.ts, signature]),
  );
}

async function expectFailure(
  promise: Promise<unknown>,
  reason: DirectMessageFailure,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof DirectMessageError, `not a DirectMessageError: ${error}`);
    assert.equal(error.reason, reason, error.message);
    assert.match(error.message, /^Cannot open direct message: /);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

const [ann, bob, carol] = await Promise.all([
  generateIdentity(),
  generateIdentity(),
  generateIdentity(),
]);
const content = { nick: "ann", text: "meet at noon", ts: 1_700_000_000_000 };

// ---------------------------------------------------------------------------
// Round trip and layout

Deno.test("sealDirect() then openDirect() returns the message and its sender", async () => {
  const box = await sealDirect(ann, bob.id, content);
  assert.deepEqual(await openDirect(bob, box), { from: ann.id, ...content });
});

Deno.test("sealDirect() and openDirect() round-trip any valid content", async () => {
  const nick = fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }).filter((nick) =>
    // deno-lint-ignore no-control-regex
    !/[\u0000-\u001f\u007f-\u009f]/.test(nick) && utf8.encode(nick).byteLength <= 32
  );
  const text = fc.string({ unit: "grapheme", maxLength: 200 });
  const ts = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  await fc.assert(
    fc.asyncProperty(nick, text, ts, async (nick, text, ts) => {
      const box = await sealDirect(ann, bob.id, { nick, text, ts });
      assert.deepEqual(await openDirect(bob, box), { from: ann.id, nick, text, ts });
    }),
    { numRuns: 50 },
  );
});

Deno.test("sealDirect() round-trips the largest text and nick the limits allow", async () => {
  const big = { nick: "é".repeat(16), text: "€".repeat(1365) + "x", ts: Number.MAX_SAFE_INTEGER };
  const box = await sealDirect(ann, bob.id, big);
  // The largest box with the default limits, as the module doc says.
  assert.equal(box.byteLength, 4297);
  assert.deepEqual(await openDirect(bob, box), { from: ann.id, ...big });
});

Deno.test("sealDirect() writes the documented layout: box, plaintext and signed bytes", async () => {
  const box = await sealDirect(ann, bob.id, content);
  const outer = decode(box);
  assert.ok(Array.isArray(outer) && outer.length === 2);
  const { eph, ciphertext, plaintext } = await openRaw(bob, box);
  assert.equal(eph.byteLength, 32);
  assert.equal(ciphertext.byteLength, plaintext.byteLength + 16);
  const inner = decode(plaintext) as [Uint8Array, string, string, number, Uint8Array];
  assert.equal(inner.length, 5);
  const [from, nick, text, ts, signature] = inner;
  assert.deepEqual(from, ann.publicKey);
  assert.deepEqual([nick, text, ts], [content.nick, content.text, content.ts]);
  assert.equal(signature.byteLength, 64);
  const body = enc([from, nick, text, ts]);
  assert.ok(await verifyPeerSignature(ann.id, signedBytes(bob.id, eph, body), signature));
});

Deno.test("directBoxId() names a box by its ephemeral key, however it is encoded", async () => {
  const box = await sealDirect(ann, bob.id, content);
  const [eph, ciphertext] = decode(box) as [Uint8Array, Uint8Array];
  // The same box with 32-bit array and bin headers: it still opens, and has the same id.
  const wide = concat(
    Uint8Array.of(0xdd, 0, 0, 0, 2, 0xc6, 0, 0, 0, 32),
    eph,
    Uint8Array.of(0xc6, 0, 0, ciphertext.length >> 8, ciphertext.length & 0xff),
    ciphertext,
  );
  assert.equal((await openDirect(bob, wide)).text, content.text);
  assert.equal(directBoxId(wide), directBoxId(box));
  assert.match(directBoxId(box), /^[0-9a-f]{64}$/);
  assert.notEqual(directBoxId(await sealDirect(ann, bob.id, content)), directBoxId(box));
  assert.throws(() => directBoxId(Uint8Array.of(0x90)), DirectMessageError);
});

Deno.test("sealDirect() uses a fresh ephemeral key for every box", async () => {
  const [first, second] = await Promise.all([
    sealDirect(ann, bob.id, content),
    sealDirect(ann, bob.id, content),
  ]);
  assert.notDeepEqual(first.subarray(0, 35), second.subarray(0, 35));
});

Deno.test("openDirect() accepts a box built independently from the documented construction", async () => {
  const box = await sealFields(ann, bob.id, { from: ann.publicKey, ...content });
  assert.deepEqual(await openDirect(bob, box), { from: ann.id, ...content });
});

Deno.test("openDirect() accepts ints and strs in wider MessagePack forms than the shortest", async () => {
  // The signature covers the shortest-form body, re-encoded from the decoded fields.
  const eph = await generateX25519KeyPair();
  const fields = { nick: "ann", text: "hi", ts: 5 };
  const body = enc([ann.publicKey, fields.nick, fields.text, fields.ts]);
  const signature = await signWithIdentity(ann, signedBytes(bob.id, eph.publicKey, body));
  const plaintext = array(
    enc(ann.publicKey),
    Uint8Array.of(0xda, 0, 3, ...utf8.encode("ann")), // str 16
    Uint8Array.of(0xdb, 0, 0, 0, 2, ...utf8.encode("hi")), // str 32
    Uint8Array.of(0xcf, 0, 0, 0, 0, 0, 0, 0, 5), // uint 64
    enc(signature),
  );
  const box = await sealRaw(bob.id, eph, plaintext);
  assert.deepEqual(await openDirect(bob, box), { from: ann.id, ...fields });
});

Deno.test("openDirect() works for more recipients than the own-key cache holds", async () => {
  const recipients = await Promise.all(
    Array.from({ length: OWN_X25519_KEY_CACHE_ENTRIES_MAX + 2 }, () => generateIdentity()),
  );
  for (const round of [0, 1]) {
    for (const recipient of recipients) {
      const text = `round ${round}`;
      const box = await sealDirect(ann, recipient.id, { ...content, text });
      assert.equal((await openDirect(recipient, box)).text, text);
    }
  }
});

// ---------------------------------------------------------------------------
// Confidentiality and integrity

Deno.test("openDirect() refuses a box addressed to another identity", async () => {
  const box = await sealDirect(ann, bob.id, content);
  await expectFailure(openDirect(carol, box), "undecryptable", /not addressed to this identity/);
  await expectFailure(openDirect(ann, box), "undecryptable");
});

Deno.test("openDirect() refuses a box with any single bit flipped", async () => {
  const box = await sealDirect(ann, bob.id, { ...content, text: "short" });
  // Layout: 0x92, c4 20, eph (bytes 3..34), c4 length, ciphertext (bytes 37..).
  assert.deepEqual([box[0], box[1], box[2], box[35]], [0x92, 0xc4, 0x20, 0xc4]);
  for (let i = 0; i < box.byteLength; i++) {
    for (const bit of [0x01, 0x80]) {
      const tampered = box.slice();
      tampered[i]! ^= bit;
      const error = await openDirect(bob, tampered).then(
        () => assert.fail(`flipping bit ${bit} of byte ${i} went unnoticed`),
        (error: unknown) => error,
      );
      assert.ok(error instanceof DirectMessageError, `byte ${i}: ${error}`);
      if (i >= 3 && i < 35) assert.equal(error.reason, "undecryptable", `eph byte ${i}`);
      if (i >= 37) assert.equal(error.reason, "undecryptable", `ciphertext byte ${i}`);
    }
  }
});

Deno.test("openDirect() refuses a box whose AAD names another recipient", async () => {
  const eph = await generateX25519KeyPair();
  const body = enc([ann.publicKey, content.nick, content.text, content.ts]);
  const signature = await signWithIdentity(ann, signedBytes(bob.id, eph.publicKey, body));
  const plaintext = enc([ann.publicKey, content.nick, content.text, content.ts, signature]);
  const box = await sealRaw(bob.id, eph, plaintext, { aadRecipientId: carol.id });
  await expectFailure(openDirect(bob, box), "undecryptable");
});

Deno.test("openDirect() refuses a box whose eph is swapped for another key", async () => {
  const box = await sealDirect(ann, bob.id, content);
  const other = await sealDirect(ann, bob.id, content);
  const spliced = box.slice();
  spliced.set(other.subarray(3, 35), 3);
  await expectFailure(openDirect(bob, spliced), "undecryptable");
});

Deno.test("openDirect() refuses a box whose eph is of small order", async () => {
  for (const u of [0, 1]) {
    const eph = new Uint8Array(32);
    eph[0] = u;
    const box = enc([eph, new Uint8Array(64)]);
    await expectFailure(openDirect(bob, box), "undecryptable", /small order/);
  }
});

Deno.test("openDirect() refuses a box that the addressee re-addressed to someone else", async () => {
  // Bob opens Ann's box and re-seals her signed plaintext, verbatim, to Carol.
  const box = await sealDirect(ann, bob.id, content);
  const { plaintext } = await openRaw(bob, box);
  const readdressed = await sealRaw(carol.id, await generateX25519KeyPair(), plaintext);
  await expectFailure(openDirect(carol, readdressed), "bad-signature", new RegExp(ann.id));
});

// ---------------------------------------------------------------------------
// Authorship

Deno.test("openDirect() refuses a box claiming a sender whose key did not sign it", async () => {
  const mallory = await generateIdentity();
  const posingAsAnn: Identity = { ...ann, privateKey: mallory.privateKey };
  const box = await sealDirect(posingAsAnn, bob.id, content);
  await expectFailure(openDirect(bob, box), "bad-signature");
});

Deno.test("openDirect() refuses a box whose from is swapped after signing", async () => {
  const mallory = await generateIdentity();
  const eph = await generateX25519KeyPair();
  const body = enc([mallory.publicKey, content.nick, content.text, content.ts]);
  const signature = await signWithIdentity(mallory, signedBytes(bob.id, eph.publicKey, body));
  const plaintext = enc([ann.publicKey, content.nick, content.text, content.ts, signature]);
  await expectFailure(openDirect(bob, await sealRaw(bob.id, eph, plaintext)), "bad-signature");
});

Deno.test("openDirect() refuses a box whose text differs from what was signed", async () => {
  const eph = await generateX25519KeyPair();
  const body = enc([ann.publicKey, content.nick, content.text, content.ts]);
  const signature = await signWithIdentity(ann, signedBytes(bob.id, eph.publicKey, body));
  const plaintext = enc([ann.publicKey, content.nick, "pay mallory", content.ts, signature]);
  await expectFailure(openDirect(bob, await sealRaw(bob.id, eph, plaintext)), "bad-signature");
});

Deno.test("openDirect() refuses signatures over other bytes than the documented ones", async () => {
  const variants: readonly ((eph: Uint8Array, body: Uint8Array) => Uint8Array)[] = [
    (_eph, body) => body, // no domain, addressee or eph
    (eph, body) => concat(utf8.encode("p2pchat-room-chat:"), hexToBytes(bob.id), eph, body),
    (_eph, body) => concat(utf8.encode(DIRECT_SIGNATURE_DOMAIN), hexToBytes(bob.id), body),
    (eph, body) => concat(utf8.encode(DIRECT_SIGNATURE_DOMAIN), eph, body),
    (eph, body) => signedBytes(carol.id, eph, body),
  ];
  for (const signed of variants) {
    const eph = await generateX25519KeyPair();
    const body = enc([ann.publicKey, content.nick, content.text, content.ts]);
    const signature = await signWithIdentity(ann, signed(eph.publicKey, body));
    const plaintext = enc([ann.publicKey, content.nick, content.text, content.ts, signature]);
    await expectFailure(openDirect(bob, await sealRaw(bob.id, eph, plaintext)), "bad-signature");
  }
});

Deno.test("openDirect() refuses a box from a sender id that is not a valid key", async () => {
  const from = new Uint8Array(32); // y = 0: a small-order point
  const box = await sealFields(ann, bob.id, { from, ...content });
  await expectFailure(openDirect(bob, box), "bad-signature");
});

// ---------------------------------------------------------------------------
// Field validation

const SIGNATURE = enc(new Uint8Array(64));
const FROM = enc(new Uint8Array(32).fill(1));
const NICK = enc("ann");
const TEXT = enc("hi");
const TS = enc(0);

const MALFORMED_PLAINTEXTS: readonly { name: string; plaintext: Uint8Array; message: RegExp }[] = [
  { name: "a map", plaintext: Uint8Array.of(0x80), message: /must be an array, got map/ },
  { name: "4 elements", plaintext: array(FROM, NICK, TEXT, TS), message: /has 4 elements/ },
  {
    name: "6 elements",
    plaintext: array(FROM, NICK, TEXT, TS, SIGNATURE, TS),
    message: /has 6 elements/,
  },
  {
    name: "from of 31 bytes",
    plaintext: array(enc(new Uint8Array(31)), NICK, TEXT, TS, SIGNATURE),
    message: /from must be 32 bytes, got 31/,
  },
  {
    name: "from as a str",
    plaintext: array(enc("a".repeat(32)), NICK, TEXT, TS, SIGNATURE),
    message: /from must be a bin, got str/,
  },
  {
    name: "an empty nick",
    plaintext: array(FROM, enc(""), TEXT, TS, SIGNATURE),
    message: /nick is empty/,
  },
  {
    name: "a nick of 33 bytes",
    plaintext: array(FROM, enc("n".repeat(33)), TEXT, TS, SIGNATURE),
    message: /nick is 33 bytes, limit 32/,
  },
  {
    name: "a nick with a control character",
    plaintext: array(FROM, enc("an\nn"), TEXT, TS, SIGNATURE),
    message: /nick 'an\\u000an' contains a control character/,
  },
  {
    name: "a nick with a C1 control character",
    plaintext: array(FROM, enc("an\u0085n"), TEXT, TS, SIGNATURE),
    message: /contains a control character/,
  },
  {
    name: "a nick of invalid UTF-8",
    plaintext: array(FROM, Uint8Array.of(0xa2, 0xc3, 0x28), TEXT, TS, SIGNATURE),
    message: /nick is not valid UTF-8/,
  },
  {
    name: "a nick holding an encoded surrogate",
    plaintext: array(FROM, Uint8Array.of(0xa3, 0xed, 0xa0, 0x80), TEXT, TS, SIGNATURE),
    message: /nick is not valid UTF-8/,
  },
  {
    name: "a nick as nil",
    plaintext: array(FROM, Uint8Array.of(0xc0), TEXT, TS, SIGNATURE),
    message: /nick must be a str, got nil/,
  },
  {
    name: "a text of 4097 bytes",
    plaintext: array(FROM, NICK, enc("t".repeat(4097)), TS, SIGNATURE),
    message: /text is 4097 bytes, limit 4096/,
  },
  {
    name: "a text as a bin",
    plaintext: array(FROM, NICK, enc(utf8.encode("hi")), TS, SIGNATURE),
    message: /text must be a str, got bin/,
  },
  {
    name: "a float ts",
    plaintext: array(FROM, NICK, TEXT, enc(1.5), SIGNATURE),
    message: /ts must be an int, got float/,
  },
  {
    name: "a ts of 2^53 (uint 64)",
    plaintext: array(FROM, NICK, TEXT, Uint8Array.of(0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0), SIGNATURE),
    message: /ts is outside ±\(2\^53 - 1\)/,
  },
  {
    name: "a ts of -2^53 (int 64)",
    plaintext: array(
      FROM,
      NICK,
      TEXT,
      Uint8Array.of(0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 0),
      SIGNATURE,
    ),
    message: /ts is outside ±\(2\^53 - 1\)/,
  },
  {
    name: "a ts as a str",
    plaintext: array(FROM, NICK, TEXT, enc("0"), SIGNATURE),
    message: /ts must be an int, got str/,
  },
  {
    name: "a signature of 63 bytes",
    plaintext: array(FROM, NICK, TEXT, TS, enc(new Uint8Array(63))),
    message: /signature must be 64 bytes, got 63/,
  },
  {
    name: "a trailing byte",
    plaintext: concat(array(FROM, NICK, TEXT, TS, SIGNATURE), Uint8Array.of(0)),
    message: /1 extra bytes after the array/,
  },
  {
    name: "a cut-off signature",
    plaintext: array(FROM, NICK, TEXT, TS, SIGNATURE).subarray(0, 50),
    message: /truncated in signature/,
  },
  {
    name: "nothing",
    plaintext: new Uint8Array(0),
    message: /truncated before the array/,
  },
  {
    name: "an array claiming 2^32 - 1 elements",
    plaintext: Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff),
    message: /has 4294967295 elements, expected 5/,
  },
];

for (const { name, plaintext, message } of MALFORMED_PLAINTEXTS) {
  Deno.test(`openDirect() refuses a plaintext with ${name}`, async () => {
    const box = await sealRaw(bob.id, await generateX25519KeyPair(), plaintext);
    await expectFailure(openDirect(bob, box), "malformed-plaintext", message);
  });
}

Deno.test("openDirect() enforces the text and nick limits it is given", async () => {
  const box = await sealDirect(ann, bob.id, { nick: "annabel", text: "a".repeat(100), ts: 0 });
  const limits = DEFAULT_DIRECT_MESSAGE_LIMITS;
  await expectFailure(
    openDirect(bob, box, { ...limits, textBytesMax: 99 }),
    "malformed-plaintext",
    /text is 100 bytes, limit 99/,
  );
  await expectFailure(
    openDirect(bob, box, { ...limits, nickBytesMax: 6 }),
    "malformed-plaintext",
    /nick is 7 bytes, limit 6/,
  );
  assert.equal((await openDirect(bob, box, { ...limits, textBytesMax: 100 })).text.length, 100);
});

const MALFORMED_BOXES: readonly { name: string; box: Uint8Array; message: RegExp }[] = [
  { name: "nothing", box: new Uint8Array(0), message: /box is truncated before the array/ },
  { name: "a str", box: enc("box"), message: /box must be an array, got str/ },
  {
    name: "3 elements",
    box: enc([new Uint8Array(32), new Uint8Array(16), 0]),
    message: /box has 3 elements, expected 2/,
  },
  {
    name: "an eph of 31 bytes",
    box: enc([new Uint8Array(31), new Uint8Array(16)]),
    message: /box eph must be 32 bytes, got 31/,
  },
  {
    name: "a ciphertext shorter than the tag",
    box: enc([new Uint8Array(32), new Uint8Array(15)]),
    message: /box ciphertext is 15 bytes, shorter than the tag/,
  },
  {
    name: "a ciphertext as a str",
    box: enc([new Uint8Array(32), "x".repeat(16)]),
    message: /box ciphertext must be a bin, got str/,
  },
  {
    name: "a bin claiming more bytes than follow",
    box: Uint8Array.of(0x92, 0xc4, 0x20, 1, 2, 3),
    message: /box is truncated in eph/,
  },
  {
    name: "trailing bytes",
    box: concat(enc([new Uint8Array(32), new Uint8Array(16)]), Uint8Array.of(1, 2)),
    message: /box has 2 extra bytes after the array/,
  },
];

for (const { name, box, message } of MALFORMED_BOXES) {
  Deno.test(`openDirect() refuses a box with ${name}`, async () => {
    await expectFailure(openDirect(bob, box), "malformed-box", message);
  });
}

// ---------------------------------------------------------------------------
// Size bound

/** An identity whose key cannot be exported: any crypto step on it would throw TypeError. */
const sealedOff = await importIdentityPkcs8(await exportIdentityPkcs8(await generateIdentity()));

Deno.test("openDirect() refuses a box over boxBytesMax before any cryptography", async () => {
  const max = DEFAULT_DIRECT_MESSAGE_LIMITS.boxBytesMax;
  const huge = enc([new Uint8Array(32), new Uint8Array(max)]);
  await expectFailure(openDirect(bob, huge), "too-large", /box is 8230 bytes, limit 8192/);
  // The check comes before the key derivation, which would throw a TypeError here.
  await expectFailure(openDirect(sealedOff, huge), "too-large");
  await expectFailure(openDirect(sealedOff, new Uint8Array(max + 1)), "too-large");
  // At the limit, the box is parsed (and here found malformed).
  await expectFailure(openDirect(sealedOff, new Uint8Array(max)), "malformed-box");
});

Deno.test("openDirect() and sealDirect() honour a smaller boxBytesMax", async () => {
  const box = await sealDirect(ann, bob.id, content);
  const limits = { ...DEFAULT_DIRECT_MESSAGE_LIMITS, boxBytesMax: box.byteLength - 1 };
  await expectFailure(openDirect(bob, box, limits), "too-large");
  await assert.rejects(
    sealDirect(ann, bob.id, content, limits),
    new RangeError(
      `Cannot seal direct message: box is ${box.byteLength} bytes, limit ${box.byteLength - 1}`,
    ),
  );
});

Deno.test("openDirect() throws a TypeError for a recipient whose key is not extractable", async () => {
  const box = await sealDirect(ann, sealedOff.id, content);
  await assert.rejects(openDirect(sealedOff, box), TypeError);
});

// ---------------------------------------------------------------------------
// Sealing misuse

Deno.test("sealDirect() throws a RangeError for a malformed recipient id", async () => {
  for (const id of ["", bob.id.toUpperCase(), bob.id.slice(2), `${bob.id}00`]) {
    await assert.rejects(
      sealDirect(ann, id, content),
      (error) =>
        error instanceof RangeError &&
        /^Cannot seal direct message: recipient id must be 64 lowercase hex digits/.test(
          error.message,
        ),
    );
  }
});

Deno.test("sealDirect() throws a RangeError for a recipient id that is not a usable key", async () => {
  const cases: readonly [string, RegExp][] = [
    ["01" + "00".repeat(31), /neutral point/],
    ["00".repeat(32), /small order \(4\)/],
    ["ec" + "ff".repeat(30) + "7f", /small order \(2\)/],
    ["ed" + "ff".repeat(30) + "7f", /non-canonical/],
    ["02" + "00".repeat(31), /not a point on the curve/],
  ];
  for (const [id, message] of cases) {
    await assert.rejects(
      sealDirect(ann, id, content),
      (error) =>
        error instanceof RangeError &&
        error.message.startsWith("Cannot convert Ed25519 public key to X25519: ") &&
        message.test(error.message),
    );
  }
});

Deno.test("sealDirect() throws a RangeError for content openDirect() would refuse", async () => {
  const cases: readonly [Record<string, unknown>, RegExp][] = [
    [{ nick: "" }, /nick is empty/],
    [{ nick: "n".repeat(33) }, /nick is 33 bytes, limit 32/],
    [{ nick: "a\u0007" }, /contains a control character/],
    [{ nick: 7 }, /nick must be a string/],
    [{ text: "t".repeat(4097) }, /text is 4097 bytes, limit 4096/],
    [{ text: "\ud800" }, /text is not well-formed Unicode/],
    [{ ts: 1.5 }, /ts must be a safe integer, got 1.5/],
    [{ ts: 2 ** 53 }, /ts must be a safe integer/],
  ];
  for (const [override, message] of cases) {
    const bad = { ...content, ...override } as typeof content;
    await assert.rejects(
      sealDirect(ann, bob.id, bad),
      (error) =>
        error instanceof RangeError && /^Cannot seal direct message: /.test(error.message) &&
        message.test(error.message),
    );
  }
});
