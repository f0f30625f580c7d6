/**
 * Fuzz target `open-direct`: boxes into `openDirect` — genuine boxes mutated
 * (bytes or structure), boxes sealed to someone else, random and oversized
 * boxes, ephemeral keys of small order, and boxes this target seals itself
 * (the sealing steps of `direct_message.ts`) around crafted plaintexts: the
 * genuine signed plaintext mutated, re-widened or rebuilt with bad fields.
 * Every box but the misaddressed ones (sealed by `sealDirect` itself, with a
 * fresh ephemeral key) is sealed under a seeded key, so iterations replay
 * exactly.
 *
 * Checked: `openDirect` throws nothing but `DirectMessageError`; a crafted
 * box that decrypts is never refused as undecryptable (else this target's
 * sealing is wrong and the plaintext checks go untested); and a box it opens
 * names its true author and carries exactly what that author wrote.
 *
 * @module
 */

import { Encoder } from "@msgpack/msgpack";
import { type Identity, signWithIdentity } from "../../../lib/identity/identity.ts";
import { type Random, seededRandom } from "../../../lib/random/random.ts";
import {
  DEFAULT_DIRECT_MESSAGE_LIMITS,
  DIRECT_KEY_SALT,
  DIRECT_SIGNATURE_DOMAIN,
  type DirectMessage,
  DirectMessageError,
  type DirectMessageLimits,
  openDirect,
  sealDirect,
} from "../../../lib/secure/direct_message.ts";
import { ed25519PublicKeyToX25519 } from "../../../lib/secure/ed25519_to_x25519.ts";
import { x25519SharedSecret } from "../../../lib/secure/noise/x25519.ts";
import { hexToBytes } from "../../../lib/wire/hex.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../../../lib/wire/wire_limits.ts";
import { hexExcerpt } from "./decode_message_target.ts";
import type { FuzzTarget } from "../harness/fuzz_campaign.ts";
import { chance, choose, intIn, randomBytes, weighted } from "../harness/fuzz_random.ts";
import { generateNick } from "../mutators/message_generator.ts";
import { type PackNode, packTree, unpackTree } from "../mutators/msgpack_tree.ts";
import { mutateBytes } from "../mutators/mutate_bytes.ts";
import { mutateTree, randomTree, widenTree } from "../mutators/mutate_msgpack.ts";
import { seededIdentity, seededX25519KeyPair } from "../harness/seeded_keys.ts";
import { concatBytes } from "../../../lib/wire/bytes.ts";

/** A failed check of `openDirect`. */
export class DirectCheckError extends Error {
  /** Always `"DirectCheckError"`. */
  override name = "DirectCheckError";
}

/** X25519 public keys of small order (libsodium's blocklist). */
const SMALL_ORDER_KEYS: readonly string[] = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

const encoder = new Encoder();
const utf8 = new TextEncoder();

/** Seals any plaintext to `recipient` as `sealDirect` would, under the ephemeral key it draws. */
async function sealPlaintext(
  random: Random,
  recipient: Identity,
  plaintext: (eph: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const eph = await seededX25519KeyPair(random);
  const recipientX = ed25519PublicKeyToX25519(recipient.publicKey);
  const ikm = await crypto.subtle.importKey(
    "raw",
    await x25519SharedSecret(eph.privateKey, recipientX),
    "HKDF",
    false,
    ["deriveKey"],
  );
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: utf8.encode(DIRECT_KEY_SALT),
      info: concatBytes([eph.publicKey, recipientX]),
    },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      {
        name: "AES-GCM",
        iv: new Uint8Array(12),
        additionalData: concatBytes([recipient.publicKey, eph.publicKey]),
      },
      key,
      concatBytes([await plaintext(eph.publicKey)]),
    ),
  );
  return packTree({
    kind: "array",
    items: [{ kind: "bin", bytes: eph.publicKey }, { kind: "bin", bytes: ciphertext }],
  });
}

interface Content {
  readonly nick: string;
  readonly text: string;
  readonly ts: number;
}

function content(random: Random, limits: DirectMessageLimits): Content {
  return {
    nick: generateNick(random, { limits: limitsAsWire(limits) }),
    text: weighted(random, [
      [() => "", 1],
      [() => "psst 😀", 3],
      [() => "\ufeff" + "x".repeat(intIn(random, 0, 300)), 1],
      [() => "y".repeat(limits.textBytesMax), 1],
    ])(),
    ts: chance(random, 0.9)
      ? 1_700_000_000_000 + random.int(1_000_000)
      : choose(random, [0, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]),
  };
}

function limitsAsWire(limits: DirectMessageLimits): WireLimits {
  return {
    ...DEFAULT_WIRE_LIMITS,
    textBytesMax: limits.textBytesMax,
    nickBytesMax: limits.nickBytesMax,
  };
}

/** The signed plaintext of step 4, with its fields as a tree. */
async function signedPlaintext(
  sender: Identity,
  recipient: Identity,
  eph: Uint8Array,
  c: Content,
): Promise<PackNode> {
  const from = hexToBytes(sender.id);
  const body = encoder.encode([from, c.nick, c.text, c.ts]);
  const signature = await signWithIdentity(
    sender,
    concatBytes([utf8.encode(DIRECT_SIGNATURE_DOMAIN), recipient.publicKey, eph, body]),
  );
  return unpackTree(encoder.encode([from, c.nick, c.text, c.ts, signature]))!;
}

/** One opening: only DirectMessageError, and an opened box says what its author wrote. */
async function checkOpen(
  recipient: Identity,
  box: Uint8Array,
  limits: DirectMessageLimits,
  expected: { readonly from: string; readonly content: Content } | undefined,
  what: string,
  decryptable: boolean,
): Promise<void> {
  let opened: DirectMessage;
  try {
    opened = await openDirect(recipient, box, limits);
  } catch (error) {
    if (!(error instanceof DirectMessageError)) {
      throw new DirectCheckError(
        `openDirect threw ${
          error instanceof Error ? `${error.name}: ${error.message}` : String(error)
        }, ` +
          `not a DirectMessageError, on ${what} ${hexExcerpt(box, 48)}`,
        { cause: error },
      );
    }
    if (decryptable && (error.reason === "undecryptable" || error.reason === "malformed-box")) {
      throw new DirectCheckError(
        `openDirect refused ${what} as ${error.reason}, though it is well sealed`,
      );
    }
    return;
  }
  if (
    expected === undefined || opened.from !== expected.from ||
    opened.nick !== expected.content.nick ||
    opened.text !== expected.content.text || opened.ts !== expected.content.ts
  ) {
    throw new DirectCheckError(
      `openDirect accepted ${what} ${hexExcerpt(box, 48)} as from ${opened.from.slice(0, 16)}…, ` +
        `which ${expected === undefined ? "nobody sealed" : "is not what its author wrote"}`,
    );
  }
}

/** A plaintext field replaced by one that breaks a rule. */
function badField(random: Random, tree: PackNode, limits: DirectMessageLimits): PackNode {
  if (tree.kind !== "array") return tree;
  const items = [...tree.items];
  const at = random.int(5);
  const replacement: PackNode = [
    () => ({ kind: "bin", bytes: randomBytes(random, choose(random, [0, 31, 33])) }) as PackNode,
    () =>
      ({
        kind: "str",
        bytes: utf8.encode(
          choose(random, ["", "a\nb", "\u009b", "n".repeat(limits.nickBytesMax + 1)]),
        ),
      }) as PackNode,
    () => ({ kind: "str", bytes: utf8.encode("t".repeat(limits.textBytesMax + 1)) }) as PackNode,
    () =>
      ({
        kind: "int",
        value: choose(random, [2n ** 53n, -(2n ** 53n), 2n ** 64n - 1n]),
      }) as PackNode,
    () =>
      ({ kind: "bin", bytes: randomBytes(random, choose(random, [0, 63, 64, 65])) }) as PackNode,
  ][at]!();
  items[at] = replacement;
  return { kind: "array", items };
}

/** The target. */
export const OPEN_DIRECT_TARGET: FuzzTarget = {
  name: "open-direct",
  description: "mutated, misaddressed, random and crafted-plaintext boxes into openDirect: only " +
    "DirectMessageError, and an opened box carries exactly what its author wrote",
  prepare: async (seed) => {
    const setup = seededRandom(seed);
    const recipient = await seededIdentity(setup);
    const sender = await seededIdentity(setup);
    const stranger = await seededIdentity(setup);
    return async (random) => {
      const limits = chance(random, 0.8) ? DEFAULT_DIRECT_MESSAGE_LIMITS : {
        boxBytesMax: intIn(random, 64, 8192),
        textBytesMax: intIn(random, 0, 64),
        nickBytesMax: intIn(random, 1, 8),
      };
      const c = content(random, DEFAULT_DIRECT_MESSAGE_LIMITS);
      const genuine = { from: sender.id, content: c };
      const kind = weighted(
        random,
        [
          ["mutated-box", 4],
          ["misaddressed", 1],
          ["random-box", 1],
          ["small-order", 1],
          ["crafted", 6],
        ] as const,
      );
      switch (kind) {
        case "mutated-box": {
          // Sealed here, under a seeded ephemeral key, so that the iteration replays byte for byte.
          const box = await sealPlaintext(
            random,
            recipient,
            async (eph) => packTree(await signedPlaintext(sender, recipient, eph, c)),
          );
          const mutated = chance(random, 0.5)
            ? mutateBytes(random, box)
            : packTree(mutateTree(random, unpackTree(box)!));
          await checkOpen(recipient, mutated, limits, genuine, "a mutated box", false);
          return;
        }
        case "misaddressed": {
          const box = await sealDirect(sender, stranger.id, c);
          await checkOpen(recipient, box, limits, undefined, "a box for someone else", false);
          return;
        }
        case "random-box": {
          const box = chance(random, 0.5)
            ? randomBytes(
              random,
              choose(random, [0, 1, 34, 50, intIn(random, 0, 200), 8193, 20_000]),
            )
            : packTree(randomTree(random, false));
          await checkOpen(recipient, box, limits, undefined, "a random box", false);
          return;
        }
        case "small-order": {
          const box = packTree({
            kind: "array",
            items: [
              { kind: "bin", bytes: hexToBytes(choose(random, SMALL_ORDER_KEYS)) },
              { kind: "bin", bytes: randomBytes(random, intIn(random, 16, 200)) },
            ],
          });
          await checkOpen(recipient, box, limits, undefined, "a box with a small-order eph", false);
          return;
        }
        case "crafted": {
          const edit = weighted(
            random,
            [
              ["as-is", 1],
              ["widened", 2],
              ["bytes", 3],
              ["tree", 4],
              ["bad-field", 3],
              ["random", 1],
            ] as const,
          );
          const box = await sealPlaintext(random, recipient, async (eph) => {
            const tree = await signedPlaintext(sender, recipient, eph, c);
            switch (edit) {
              case "as-is":
                return packTree(tree);
              case "widened":
                return packTree(widenTree(random, tree));
              case "bytes":
                return mutateBytes(random, packTree(tree));
              case "tree":
                return packTree(mutateTree(random, tree));
              case "bad-field":
                return packTree(badField(random, tree, limits));
              case "random":
                return packTree(randomTree(random, chance(random, 0.5)));
            }
          });
          const fits = box.length <= limits.boxBytesMax;
          await checkOpen(
            recipient,
            box,
            limits,
            genuine,
            `a crafted box (${edit} plaintext)`,
            fits,
          );
          if (edit === "as-is" && fits && limits === DEFAULT_DIRECT_MESSAGE_LIMITS) {
            // This target's sealing must match the real one, or the crafted cases test nothing.
            await openDirect(recipient, box, limits).catch((error) => {
              throw new DirectCheckError(
                `a box this target sealed does not open: ${String(error)}`,
              );
            });
          }
          return;
        }
      }
    };
  },
};
