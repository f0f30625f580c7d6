import assert from "node:assert/strict";
import {
  checkRoomName,
  deriveRoomKey,
  generateRoomKeyFile,
  generateRoomKeyText,
  loadRoomKeyFile,
  parseRoomKeyText,
  PUBLIC_ROOM_KEY_PREFIX,
  publicRoomKey,
  resolveRoomKey,
  ROOM_KEY_ITERATIONS_DEFAULT,
  ROOM_KEY_SALT_PREFIX,
  roomNameProblem,
} from "../../lib/secure/room_key.ts";

const encoder = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** PBKDF2-HMAC-SHA256 for one 32-byte block, written out from RFC 8018 §5.2 with HMAC only. */
async function manualPbkdf2(password: string, salt: string, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(password),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const saltBytes = encoder.encode(salt);
  const first = new Uint8Array(saltBytes.length + 4);
  first.set(saltBytes);
  first[first.length - 1] = 1; // INT(1), big-endian
  let u = new Uint8Array(await crypto.subtle.sign("HMAC", key, first));
  const t = u.slice();
  for (let i = 1; i < iterations; i++) {
    u = new Uint8Array(await crypto.subtle.sign("HMAC", key, u));
    for (let j = 0; j < t.length; j++) t[j]! ^= u[j]!;
  }
  return hex(t);
}

Deno.test("deriveRoomKey() matches PBKDF2 computed by hand from HMAC-SHA256", async () => {
  for (const iterations of [1, 2, 3]) {
    const key = await deriveRoomKey("lobby", "correct horse battery staple", { iterations });
    assert.equal(
      hex(key),
      await manualPbkdf2(
        "correct horse battery staple",
        `${ROOM_KEY_SALT_PREFIX}lobby`,
        iterations,
      ),
      `${iterations} iterations`,
    );
  }
});

Deno.test("deriveRoomKey() is deterministic and depends on room, secret and iterations", async () => {
  const options = { iterations: 10 };
  const key = hex(await deriveRoomKey("lobby", "s3cret", options));
  assert.equal(key.length, 64);
  assert.equal(hex(await deriveRoomKey("lobby", "s3cret", options)), key);
  assert.notEqual(hex(await deriveRoomKey("lobby2", "s3cret", options)), key);
  assert.notEqual(hex(await deriveRoomKey("lobby", "s3cret!", options)), key);
  assert.notEqual(hex(await deriveRoomKey("lobby", "s3cret", { iterations: 11 })), key);
});

Deno.test("deriveRoomKey() uses 600 000 iterations by default", async () => {
  assert.equal(ROOM_KEY_ITERATIONS_DEFAULT, 600_000);
  assert.deepEqual(
    await deriveRoomKey("lobby", "s3cret"),
    await deriveRoomKey("lobby", "s3cret", { iterations: 600_000 }),
  );
});

Deno.test("deriveRoomKey() normalizes the secret to NFC, not the room name", async () => {
  const composed = "caf\u00e9";
  const decomposed = "cafe\u0301";
  assert.deepEqual(
    await deriveRoomKey("lobby", composed, { iterations: 1 }),
    await deriveRoomKey("lobby", decomposed, { iterations: 1 }),
  );
  assert.notDeepEqual(
    await deriveRoomKey(composed, "s", { iterations: 1 }),
    await deriveRoomKey(decomposed, "s", { iterations: 1 }),
  );
});

Deno.test("deriveRoomKey() rejects an empty or too long secret and bad iteration counts", async () => {
  await assert.rejects(deriveRoomKey("lobby", ""), RangeError);
  await assert.rejects(deriveRoomKey("lobby", "x".repeat(1025), { iterations: 1 }), RangeError);
  await deriveRoomKey("lobby", "x".repeat(1024), { iterations: 1 });
  await assert.rejects(deriveRoomKey("lobby", "s", { iterations: 0 }), RangeError);
  await assert.rejects(deriveRoomKey("lobby", "s", { iterations: 1.5 }), RangeError);
  await assert.rejects(deriveRoomKey("", "s", { iterations: 1 }), RangeError);
});

Deno.test("roomNameProblem() accepts 1–64 UTF-8 bytes without control characters", () => {
  assert.equal(roomNameProblem("a"), undefined);
  assert.equal(roomNameProblem("x".repeat(64)), undefined);
  assert.equal(roomNameProblem("\u20ac".repeat(21) + "a"), undefined); // 63 + 1 bytes
  assert.equal(roomNameProblem(""), "it is empty");
  assert.equal(roomNameProblem("x".repeat(65)), "it is 65 bytes, limit 64");
  assert.equal(roomNameProblem("\u20ac".repeat(22)), "it is 66 bytes, limit 64");
  assert.equal(roomNameProblem("a\nb"), "it contains a control character");
  assert.equal(roomNameProblem("\ud800"), "it is not well-formed Unicode");
  assert.throws(
    () => checkRoomName("x".repeat(65)),
    (error: unknown) =>
      error instanceof RangeError && error.message.endsWith(": it is 65 bytes, limit 64"),
  );
});

Deno.test("publicRoomKey() is SHA-256 of the documented prefix and the room, flagged public", async () => {
  const key = await publicRoomKey("lobby");
  const expected = new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(`${PUBLIC_ROOM_KEY_PREFIX}lobby`)),
  );
  assert.deepEqual(key.psk, expected);
  assert.equal(PUBLIC_ROOM_KEY_PREFIX, "p2pchat-public-room:");
  assert.equal(key.isPublic, true);
  assert.equal(key.source, "public");
  assert.equal(key.room, "lobby");
  assert.notDeepEqual((await publicRoomKey("lobby2")).psk, key.psk);
});

Deno.test("parseRoomKeyText() takes 64 hex digits, trimmed, and nothing else", () => {
  const key = parseRoomKeyText(`  ${"0f".repeat(16)}${"A0".repeat(16)}\r\n`);
  assert.equal(hex(key), "0f".repeat(16) + "a0".repeat(16));
  assert.throws(() => parseRoomKeyText("ab".repeat(31)), TypeError);
  assert.throws(() => parseRoomKeyText("ab".repeat(33)), TypeError);
  assert.throws(() => parseRoomKeyText("zz".repeat(32)), TypeError);
  assert.throws(() => parseRoomKeyText(`${"ab".repeat(16)} ${"ab".repeat(16)}`), TypeError);
  assert.equal(parseRoomKeyText(generateRoomKeyText()).byteLength, 32);
});

Deno.test("generateRoomKeyFile() writes an owner-only key that loadRoomKeyFile() reads back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/room.key`;
    const text = await generateRoomKeyFile(path);
    assert.match(text, /^[0-9a-f]{64}\n$/);
    assert.deepEqual(await loadRoomKeyFile(path), parseRoomKeyText(text));
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    await assert.rejects(generateRoomKeyFile(path), Deno.errors.AlreadyExists);
    assert.equal(await Deno.readTextFile(path), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadRoomKeyFile() names the file and the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      loadRoomKeyFile(`${dir}/missing.key`),
      (error: unknown) =>
        error instanceof Error &&
        error.message === `Cannot load room key file ${dir}/missing.key: no such file`,
    );
    await Deno.writeTextFile(`${dir}/short.key`, "abcd\n");
    await assert.rejects(
      loadRoomKeyFile(`${dir}/short.key`),
      (error: unknown) =>
        error instanceof Error &&
        error.message ===
          `Cannot load room key file ${dir}/short.key: expected 64 hex digits (32 bytes), got 4 characters`,
    );
    await Deno.writeFile(`${dir}/big.key`, new Uint8Array(2000).fill(0x61));
    await assert.rejects(
      loadRoomKeyFile(`${dir}/big.key`),
      /2000 bytes, a key file has at most 1024/,
    );
    await Deno.writeFile(`${dir}/binary.key`, new Uint8Array([0xff, 0xfe]));
    await assert.rejects(loadRoomKeyFile(`${dir}/binary.key`), /it is not text/);
    await assert.rejects(loadRoomKeyFile(dir), /not a regular file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveRoomKey() picks the secret, the key file or the public key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/room.key`;
    const text = await generateRoomKeyFile(path);
    const fromSecret = await resolveRoomKey("lobby", { secret: "s3cret", iterations: 5 });
    assert.deepEqual(fromSecret, {
      room: "lobby",
      psk: await deriveRoomKey("lobby", "s3cret", { iterations: 5 }),
      isPublic: false,
      source: "secret",
    });
    const fromFile = await resolveRoomKey("lobby", { keyFile: path });
    assert.deepEqual(fromFile, {
      room: "lobby",
      psk: parseRoomKeyText(text),
      isPublic: false,
      source: "key-file",
    });
    assert.deepEqual(await resolveRoomKey("lobby"), await publicRoomKey("lobby"));
    await assert.rejects(resolveRoomKey("lobby", { secret: "s", keyFile: path }), TypeError);
    await assert.rejects(resolveRoomKey("", {}), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
