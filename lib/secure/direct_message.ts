/**
 * Direct messages: a chat message that only its addressee can read, sealed to the
 * addressee's identity key, so that the sender needs nothing but the addressee's id — no
 * connection and no handshake; any peer may carry the box. The sender signs inside the
 * encryption (sign-then-encrypt), so relays learn neither who wrote a box nor what it
 * says, while the addressee can prove who wrote it.
 *
 * ## Keys
 *
 * A peer id is an Ed25519 public key. Its X25519 key, `recipient_x`, is derived from it as
 * libsodium's `crypto_sign_ed25519_pk_to_curve25519` does: u = (1 + y) / (1 − y) mod
 * 2^255 − 19, refusing a non-canonical y, a y off the curve and the eight points of small
 * order. The addressee's X25519 private key is the first 32 bytes of SHA-512 of its
 * Ed25519 seed, as libsodium's `crypto_sign_ed25519_sk_to_curve25519` (X25519 clamps it).
 * See `ed25519_to_x25519.ts`.
 *
 * ## Sealing
 *
 * Notation: `‖` concatenates bytes; `recipient` and `from` are the raw 32-byte public keys
 * (the ids before hex); `msgpack[…]` is the shortest-form MessagePack array (each int,
 * str and bin in its shortest encoding, as `lib/wire/msgpack_writer.ts` and `@msgpack/msgpack` write it).
 *
 * 1. `eph` = a fresh X25519 key pair, used for this box only.
 * 2. `body = msgpack[from: bin 32, nick: str, text: str, ts: int]`.
 * 3. `signature = Ed25519-Sign(sender, UTF-8("p2pchat-direct:") ‖ recipient ‖ eph.public ‖
 *    body)` (64 bytes). Signing the addressee and `eph` binds the signature to this box: the
 *    addressee cannot pass the message off as sent to someone else.
 * 4. `plaintext = msgpack[from: bin 32, nick: str, text: str, ts: int, signature: bin 64]`.
 * 5. `key = HKDF-SHA256(ikm = X25519(eph.private, recipient_x), salt =
 *    UTF-8("p2pchat-direct-v1"), info = eph.public ‖ recipient_x, length = 32)`.
 * 6. `ciphertext = AES-256-GCM-Encrypt(key, nonce = 12 zero bytes, aad = recipient ‖
 *    eph.public, plaintext)`, the 16-byte tag appended. A zero nonce is safe because the
 *    key is never used twice: `eph` is fresh for every box.
 * 7. `box = msgpack[eph.public: bin 32, ciphertext: bin]`.
 *
 * With the default limits (text 4096 bytes, nick 32) a box is at most 4297 bytes.
 *
 * ## Opening
 *
 * The addressee refuses, in this order, with a {@linkcode DirectMessageError}:
 *
 * 1. a box over `boxBytesMax` (default 8192) bytes, before any cryptography (`"too-large"`);
 * 2. a box that is not exactly `[bin 32, bin of at least 16]`, with no trailing bytes
 *    (`"malformed-box"`);
 * 3. a box whose `eph` is of small order or whose ciphertext does not authenticate under
 *    its key and AAD — not addressed to this identity, or altered anywhere
 *    (`"undecryptable"`);
 * 4. a plaintext that is not exactly the five-element layout above, each field checked as
 *    the wire codec checks a chat: `from` 32 bytes, `nick` 1 to `nickBytesMax` UTF-8 bytes
 *    without control characters, `text` at most `textBytesMax` UTF-8 bytes, `ts` a safe
 *    integer, `signature` 64 bytes; strings valid UTF-8, ints in any MessagePack width
 *    within ±(2^53 − 1), no trailing bytes (`"malformed-plaintext"`);
 * 5. a signature that does not verify with `from` as the key over the signed bytes of step
 *    3, `body` re-encoded from the decoded fields (`"bad-signature"`).
 *
 * ## What it does not protect
 *
 * - Who talks to whom, and how long a message is, are visible to whoever routes the box
 *   (the routing envelope names the addressee; the text is not padded).
 * - No forward secrecy for the addressee: whoever later obtains its identity key can open
 *   every box sent to it that they recorded.
 * - No replay protection: a relay may deliver a box twice, and it opens twice. `eph` is
 *   unique per box, so a receiver that must not deliver twice remembers the ephs it saw.
 * - `ts` is what the sender claims.
 *
 * @module
 */

import {
  ED25519_SIGNATURE_BYTES,
  type Identity,
  signWithIdentity,
  verifyPeerSignature,
} from "../identity/identity.ts";
import { asArrayBufferView, concatBytes } from "../wire/bytes.ts";
import { bytesToHex, hexToBytes } from "../wire/hex.ts";
import { MsgpackReader } from "../wire/msgpack_reader.ts";
import { encodeMsgpack } from "../wire/msgpack_writer.ts";
import { PEER_ID_BYTES, type PeerId } from "../wire/message.ts";
import {
  checkInt,
  checkNickText,
  checkUtf8Length,
  isPeerId,
  quoteForError,
} from "../wire/fields.ts";
import { DEFAULT_WIRE_LIMITS } from "../wire/wire_limits.ts";
import { ownX25519KeyPair, peerX25519Key } from "./direct_key_cache.ts";

export {
  OWN_X25519_KEY_CACHE_ENTRIES_MAX,
  PEER_X25519_KEY_CACHE_ENTRIES_MAX,
} from "./direct_key_cache.ts";
import { generateX25519KeyPair, X25519_KEY_BYTES } from "../identity/x25519_key_pair.ts";
import { x25519SharedSecret } from "./noise/x25519.ts";

/** Domain string that precedes the addressee, `eph` and body in the signed bytes. */
export const DIRECT_SIGNATURE_DOMAIN = "p2pchat-direct:";

/** HKDF salt of the box key; a new version of the layout gets a new salt. */
export const DIRECT_KEY_SALT = "p2pchat-direct-v1";

/** Length in bytes of the AES-GCM tag at the end of a box's ciphertext. */
export const DIRECT_TAG_BYTES = 16;

/** What the sender writes: everything of a direct message but its author. */
export interface DirectMessageContent {
  /** The sender's nick: 1 to `nickBytesMax` UTF-8 bytes, no control characters. */
  readonly nick: string;
  /** The text: at most `textBytesMax` UTF-8 bytes. */
  readonly text: string;
  /** The sender's timestamp (ms since the epoch, as in a chat): a safe integer. */
  readonly ts: number;
}

/** An opened direct message: its content and its proven author. */
export interface DirectMessage extends DirectMessageContent {
  /** The sender's id; the signature inside the box was made with this key. */
  readonly from: PeerId;
}

/** Limits on a direct message, checked when sealing and enforced when opening. */
export interface DirectMessageLimits {
  /** Largest box, in bytes; a larger one is refused before any cryptography. Default 8192. */
  readonly boxBytesMax: number;
  /** Largest text, in UTF-8 bytes. Default 4096, as `WireLimits.textBytesMax`. */
  readonly textBytesMax: number;
  /** Largest nick, in UTF-8 bytes; a nick has at least 1. Default 32, as `WireLimits.nickBytesMax`. */
  readonly nickBytesMax: number;
}

/**
 * The limits {@linkcode sealDirect} and {@linkcode openDirect} use unless given others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_DIRECT_MESSAGE_LIMITS } from "./direct_message.ts";
 *
 * assert.equal(DEFAULT_DIRECT_MESSAGE_LIMITS.boxBytesMax, 8192);
 * ```
 */
export const DEFAULT_DIRECT_MESSAGE_LIMITS: DirectMessageLimits = Object.freeze({
  boxBytesMax: 8192,
  textBytesMax: DEFAULT_WIRE_LIMITS.textBytesMax,
  nickBytesMax: DEFAULT_WIRE_LIMITS.nickBytesMax,
});

/** Why a box was refused; see "Opening" in the module doc. */
export type DirectMessageFailure =
  | "too-large"
  | "malformed-box"
  | "undecryptable"
  | "malformed-plaintext"
  | "bad-signature";

/**
 * A received box cannot be opened: too large, malformed, not for this identity or
 * altered, or not signed by the sender it names. The receiver drops the box; it may count
 * it against the neighbour that delivered it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DirectMessageError } from "./direct_message.ts";
 *
 * const error = new DirectMessageError("too-large", "Cannot open direct message: box is 9000 bytes, limit 8192");
 * assert.equal(error.name, "DirectMessageError");
 * assert.equal(error.reason, "too-large");
 * ```
 */
export class DirectMessageError extends Error {
  /** Always `"DirectMessageError"`. */
  override name = "DirectMessageError";
  /** Which check refused the box. */
  readonly reason: DirectMessageFailure;

  /** Makes the error; `message` is in sentence case with the detail after a colon. */
  constructor(reason: DirectMessageFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

const utf8 = new TextEncoder();
const DOMAIN_BYTES = utf8.encode(DIRECT_SIGNATURE_DOMAIN);
const SALT_BYTES = utf8.encode(DIRECT_KEY_SALT);
const ZERO_NONCE = new Uint8Array(12);

// ---------------------------------------------------------------------------
// Sealing

/**
 * Seals a direct message from `sender` to the peer `recipientId`; returns the box to
 * route to it. Only that peer can open the box, and it learns that `sender` wrote it.
 *
 * @param limits Limits the content and the box must keep. Default
 * {@linkcode DEFAULT_DIRECT_MESSAGE_LIMITS}.
 * @throws {RangeError} if `recipientId` is not a peer id or not a usable key (e.g.
 * "Cannot convert Ed25519 public key to X25519: it is a point of small order (4)"), or a
 * field breaks a rule {@linkcode openDirect} enforces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportIdentityPkcs8, generateIdentity, importIdentityPkcs8 } from "../identity/identity.ts";
 * import { openDirect, sealDirect } from "./direct_message.ts";
 *
 * const ann = await generateIdentity();
 * // An addressee loaded from PKCS#8 must be imported extractable: its X25519 key derives
 * // from the Ed25519 seed.
 * const bob = await importIdentityPkcs8(await exportIdentityPkcs8(await generateIdentity()), {
 *   extractable: true,
 * });
 * const box = await sealDirect(ann, bob.id, { nick: "ann", text: "psst", ts: 0 });
 * const message = await openDirect(bob, box);
 * assert.deepEqual(message, { from: ann.id, nick: "ann", text: "psst", ts: 0 });
 * ```
 */
export async function sealDirect(
  sender: Identity,
  recipientId: PeerId,
  content: DirectMessageContent,
  limits: DirectMessageLimits = DEFAULT_DIRECT_MESSAGE_LIMITS,
): Promise<Uint8Array> {
  const fail: Fail = (detail) => {
    throw new RangeError(`Cannot seal direct message: ${detail}`);
  };
  if (!isPeerId(sender.id)) fail("sender id must be 64 lowercase hex digits");
  if (!isPeerId(recipientId)) {
    fail(`recipient id must be 64 lowercase hex digits, got ${describe(recipientId)}`);
  }
  const nick = checkNick(content.nick, limits, fail);
  const text = checkText(content.text, limits, fail);
  const ts = checkInt(content.ts, "ts", fail);
  const recipient = hexToBytes(recipientId);
  const recipientX = peerX25519Key(recipientId, recipient);
  const from = hexToBytes(sender.id);
  const eph = await generateX25519KeyPair();
  const body = encodeMsgpack([from, nick, text, ts]);
  const signature = await signWithIdentity(
    sender,
    concatBytes([DOMAIN_BYTES, recipient, eph.publicKey, body]),
  );
  const plaintext = encodeMsgpack([from, nick, text, ts, signature]);
  const key = await boxKey(
    await x25519SharedSecret(eph.privateKey, recipientX),
    eph.publicKey,
    recipientX,
  );
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: ZERO_NONCE, additionalData: concatBytes([recipient, eph.publicKey]) },
      key,
      plaintext,
    ),
  );
  const box = encodeMsgpack([eph.publicKey, ciphertext]);
  if (box.byteLength > limits.boxBytesMax) {
    fail(`box is ${box.byteLength} bytes, limit ${limits.boxBytesMax}`);
  }
  return box;
}

/** The box key (step 5 of sealing); `shared` is zeroed once imported. */
async function boxKey(
  shared: Uint8Array<ArrayBuffer>,
  eph: Uint8Array,
  recipientX: Uint8Array,
): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  shared.fill(0);
  return await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: SALT_BYTES, info: concatBytes([eph, recipientX]) },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

// ---------------------------------------------------------------------------
// Opening

/**
 * Opens a box addressed to `recipient`: decrypts it, checks every field and the sender's
 * signature, and returns the message with its proven author. The checks and their order
 * are in the module doc.
 *
 * @param limits Limits to enforce. Default {@linkcode DEFAULT_DIRECT_MESSAGE_LIMITS}.
 * @throws {DirectMessageError} if the box cannot be opened, e.g. "Cannot open direct
 * message: not decryptable (not addressed to this identity, or altered)".
 * @throws {TypeError} if `recipient`'s private key is not extractable (its X25519 key is
 * derived from the seed in its PKCS#8 export).
 */
export async function openDirect(
  recipient: Identity,
  box: Uint8Array,
  limits: DirectMessageLimits = DEFAULT_DIRECT_MESSAGE_LIMITS,
): Promise<DirectMessage> {
  if (!(box instanceof Uint8Array)) {
    throw new TypeError(`Cannot open direct message: box must be a Uint8Array, got ${typeof box}`);
  }
  if (box.byteLength > limits.boxBytesMax) {
    throw new DirectMessageError(
      "too-large",
      `Cannot open direct message: box is ${box.byteLength} bytes, limit ${limits.boxBytesMax}`,
    );
  }
  const [eph, ciphertext] = decodeBox(box);
  const own = await ownX25519KeyPair(recipient);
  let shared: Uint8Array<ArrayBuffer>;
  try {
    shared = await x25519SharedSecret(own.privateKey, eph);
  } catch (cause) {
    throw new DirectMessageError(
      "undecryptable",
      "Cannot open direct message: ephemeral key is of small order",
      { cause },
    );
  }
  const key = await boxKey(shared, eph, own.publicKey);
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: ZERO_NONCE,
          additionalData: concatBytes([recipient.publicKey, eph]),
        },
        key,
        asArrayBufferView(ciphertext),
      ),
    );
  } catch (cause) {
    throw new DirectMessageError(
      "undecryptable",
      "Cannot open direct message: not decryptable (not addressed to this identity, or altered)",
      { cause },
    );
  }
  const { from, nick, text, ts, signature } = decodePlaintext(plaintext, limits);
  const body = encodeMsgpack([from, nick, text, ts]);
  const signed = concatBytes([DOMAIN_BYTES, recipient.publicKey, eph, body]);
  const id = bytesToHex(from);
  if (!(await verifyPeerSignature(id, signed, signature))) {
    throw new DirectMessageError(
      "bad-signature",
      `Cannot open direct message: signature does not verify for sender ${id}`,
    );
  }
  return { from: id, nick, text, ts };
}

// ---------------------------------------------------------------------------
// Decoding: exactly the two layouts, any MessagePack width accepted (the wire's reader)

type Fail = (detail: string) => never;

/**
 * What identifies a box however a relay re-encodes it: its ephemeral public
 * key, in hex (fresh for every box). A receiver that must show each message
 * once remembers these.
 *
 * @throws {DirectMessageError} `"malformed-box"` if `box` is not a box.
 */
export function directBoxId(box: Uint8Array): string {
  return bytesToHex(decodeBox(box)[0]);
}

function decodeBox(box: Uint8Array): [Uint8Array, Uint8Array] {
  const fail: Fail = (detail) => {
    throw new DirectMessageError("malformed-box", `Cannot open direct message: box ${detail}`);
  };
  const reader = new MsgpackReader(box, fail);
  const length = reader.arrayLength("the array");
  if (length !== 2) fail(`has ${length} elements, expected 2`);
  const eph = reader.bin("eph");
  if (eph.byteLength !== X25519_KEY_BYTES) {
    fail(`eph must be ${X25519_KEY_BYTES} bytes, got ${eph.byteLength}`);
  }
  const ciphertext = reader.bin("ciphertext");
  if (ciphertext.byteLength < DIRECT_TAG_BYTES) {
    fail(`ciphertext is ${ciphertext.byteLength} bytes, shorter than the tag`);
  }
  reader.end();
  return [eph, ciphertext];
}

interface Plaintext {
  readonly from: Uint8Array;
  readonly nick: string;
  readonly text: string;
  readonly ts: number;
  readonly signature: Uint8Array;
}

function decodePlaintext(plaintext: Uint8Array, limits: DirectMessageLimits): Plaintext {
  const fail: Fail = (detail) => {
    throw new DirectMessageError("malformed-plaintext", `Cannot open direct message: ${detail}`);
  };
  const reader = new MsgpackReader(plaintext, fail);
  const length = reader.arrayLength("the array");
  if (length !== 5) fail(`plaintext has ${length} elements, expected 5`);
  const from = reader.bin("from");
  if (from.byteLength !== PEER_ID_BYTES) {
    fail(`from must be ${PEER_ID_BYTES} bytes, got ${from.byteLength}`);
  }
  const nick = checkNick(reader.str("nick"), limits, fail);
  const text = checkText(reader.str("text"), limits, fail);
  const ts = reader.int("ts");
  const signature = reader.bin("signature");
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) {
    fail(`signature must be ${ED25519_SIGNATURE_BYTES} bytes, got ${signature.byteLength}`);
  }
  reader.end();
  return { from, nick, text, ts, signature };
}

// ---------------------------------------------------------------------------
// Field checks, shared by sealing (RangeError) and opening (DirectMessageError)

function checkNick(value: unknown, limits: DirectMessageLimits, fail: Fail): string {
  if (typeof value !== "string") return fail(`nick must be a string, got ${describe(value)}`);
  return checkNickText(value, "nick", limits, fail);
}

function checkText(value: unknown, limits: DirectMessageLimits, fail: Fail): string {
  if (typeof value !== "string") return fail(`text must be a string, got ${describe(value)}`);
  return checkUtf8Length(value, "text", limits.textBytesMax, fail);
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `string ${quoteForError(value)}`;
  return typeof value;
}
