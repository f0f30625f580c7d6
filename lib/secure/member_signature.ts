/**
 * Member record signatures: a peer's claim about itself — its address and
 * incarnation, alive or (when it leaves) dead — is signed by its own identity
 * key, so that nobody else can raise its incarnation, revive it or retire it.
 * Rumors others spread about it (suspect, dead) carry no signature and no
 * power over its incarnation.
 *
 * Signed bytes: `UTF-8("p2pchat-member:") ‖ encodeMemberRecord(record)`, the
 * MessagePack array `[id, addr, incarnation, status]`, or `[id, addr,
 * incarnation, status, nick]` when the record names the member's nick (so
 * the signature covers the nick too). The domain prefix keeps
 * a record signature from ever verifying as a chat signature or an identity
 * binding, and the reverse.
 *
 * @module
 */

import {
  ED25519_SIGNATURE_BYTES,
  type Identity,
  signWithIdentity,
  verifyPeerSignature,
} from "../identity/identity.ts";
import type { MemberInfo, PeerId } from "../wire/message.ts";
import { encodeMemberRecord } from "../wire/message_encode.ts";
import { bytesToHex } from "../wire/hex.ts";

/** Domain string that precedes the record in the signed bytes. */
export const MEMBER_SIGNATURE_DOMAIN = "p2pchat-member:";

/** Records whose verdict {@linkcode memberAuthenticator} remembers (a peer list repeats them). */
export const MEMBER_VERDICTS_CACHED_MAX = 4096;

const DOMAIN_BYTES = new TextEncoder().encode(MEMBER_SIGNATURE_DOMAIN);

function signedBytes(record: MemberInfo): Uint8Array {
  const body = encodeMemberRecord(record);
  const bytes = new Uint8Array(DOMAIN_BYTES.byteLength + body.byteLength);
  bytes.set(DOMAIN_BYTES);
  bytes.set(body, DOMAIN_BYTES.byteLength);
  return bytes;
}

/** Whether a record's status is one its member signs: `alive`, or `dead` (it left). */
export function isSignableStatus(record: MemberInfo): boolean {
  return record.status === "alive" || record.status === "dead";
}

/**
 * Signs `record` (about `identity` itself) and returns it with its signature.
 *
 * @throws {TypeError} if the record is about another member or is a suspicion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity } from "../identity/identity.ts";
 * import { signMemberRecord, verifyMemberRecord } from "./member_signature.ts";
 *
 * const me = await generateIdentity();
 * const record = await signMemberRecord(me, {
 *   id: me.id, addr: "127.0.0.1:9000", incarnation: 3, status: "alive",
 * });
 * assert.ok(await verifyMemberRecord(record));
 * assert.equal(await verifyMemberRecord({ ...record, incarnation: 4 }), false);
 * ```
 */
export async function signMemberRecord(
  identity: Identity,
  record: MemberInfo,
): Promise<MemberInfo> {
  if (record.id !== identity.id) {
    throw new TypeError("Cannot sign member record: it is about another member");
  }
  if (!isSignableStatus(record)) {
    throw new TypeError(`Cannot sign member record: status '${record.status}' is a rumor`);
  }
  const unsigned = {
    id: record.id,
    addr: record.addr,
    incarnation: record.incarnation,
    status: record.status,
    ...(record.nick === undefined ? {} : { nick: record.nick }),
  };
  return { ...unsigned, signature: await signWithIdentity(identity, signedBytes(unsigned)) };
}

/**
 * Whether `record.signature` is its member's signature over it. Never
 * throws: a missing or malformed signature, a suspicion, or fields that
 * cannot be encoded give `false`.
 */
export async function verifyMemberRecord(record: MemberInfo): Promise<boolean> {
  const signature = record.signature;
  if (signature === undefined || signature.byteLength !== ED25519_SIGNATURE_BYTES) return false;
  if (!isSignableStatus(record)) return false;
  let bytes: Uint8Array;
  try {
    bytes = signedBytes(record);
  } catch {
    return false;
  }
  return await verifyPeerSignature(record.id, bytes, signature);
}

/** Signs this node's own records and checks others', remembering recent verdicts. */
export interface MemberAuthenticator {
  /** The member whose records this node signs: itself. */
  readonly selfId: PeerId;
  /** `record` (about this node, unsigned) with its signature. */
  sign(record: MemberInfo): Promise<MemberInfo>;
  /** Whether a received record's signature is its member's. */
  verify(record: MemberInfo): Promise<boolean>;
}

/** The cache key of a record: every signed field and the signature. */
function recordKey(record: MemberInfo, withSignature = true): string {
  const signature = record.signature === undefined || !withSignature
    ? ""
    : bytesToHex(record.signature);
  const nick = record.nick === undefined ? "" : JSON.stringify(record.nick);
  return `${record.id}|${record.addr}|${record.incarnation}|${record.status}|${nick}|${signature}`;
}

/**
 * A member authenticator for `identity`. Peer lists carry the same records
 * again and again, so the last {@linkcode MEMBER_VERDICTS_CACHED_MAX}
 * verdicts and this node's last signed record are kept.
 */
export function memberAuthenticator(identity: Identity): MemberAuthenticator {
  const verdicts = new Map<string, Promise<boolean>>();
  let lastSigned: { key: string; signed: Promise<MemberInfo> } | undefined;
  return {
    selfId: identity.id,
    sign(record: MemberInfo): Promise<MemberInfo> {
      const key = recordKey(record, false);
      if (lastSigned?.key !== key) lastSigned = { key, signed: signMemberRecord(identity, record) };
      return lastSigned.signed;
    },
    verify(record: MemberInfo): Promise<boolean> {
      const key = recordKey(record);
      let verdict = verdicts.get(key);
      if (verdict === undefined) {
        verdict = verifyMemberRecord(record);
        if (verdicts.size >= MEMBER_VERDICTS_CACHED_MAX) {
          verdicts.delete(verdicts.keys().next().value!);
        }
        verdicts.set(key, verdict);
      }
      return verdict;
    },
  };
}
