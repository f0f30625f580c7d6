import assert from "node:assert/strict";
import { libcrypto } from "../../../lib/secure/libcrypto.ts";
import { REPO_ROOT } from "../../_helpers/process.ts";

// The rest of the suite runs with --allow-ffi, so with libcrypto where the
// machine has it. The fallback must pass the same Noise tests (the published
// vectors included) and the channel's: run them again in a process that may
// not load it, as a peer without --allow-ffi would.
Deno.test("the Noise and channel tests pass without libcrypto (node:crypto and the JavaScript SHA-256)", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      "tests/secure/noise/cipher_state_test.ts",
      "tests/secure/noise/transport_state_test.ts",
      "tests/secure/noise/handshake_state_test.ts",
      "tests/secure/noise/symmetric_state_test.ts",
      "tests/secure/noise_channel_test.ts",
      "tests/secure/sha256_test.ts",
      "tests/secure/merkle_tree_test.ts",
      "tests/secure/chat_signature_test.ts",
    ],
    cwd: REPO_ROOT,
    env: { P2PCHAT_LIBCRYPTO: "off", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, out.slice(-3000));
  assert.match(out, /ok \| \d+ passed \| 0 failed/);
});

Deno.test("SHA-256 turns to libcrypto only once a cipher has loaded it: a plaintext peer never maps it", async () => {
  const script = `
    const { sha256, sha256Implementation } = await import("./lib/secure/sha256.ts");
    const before = sha256Implementation();
    const digest = sha256(new Uint8Array(600)).toHex();
    const { CipherState } = await import("./lib/secure/noise/cipher_state.ts");
    await CipherState.fromKey(new Uint8Array(32));
    console.log(JSON.stringify({ before, after: sha256Implementation(), same: sha256(new Uint8Array(600)).toHex() === digest }));
  `;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--allow-ffi", "--allow-env", "--allow-read", script],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const result = JSON.parse(new TextDecoder().decode(stdout));
  const expectedAfter = libcrypto() instanceof Error ? "javascript" : "openssl";
  assert.deepEqual(result, { before: "javascript", after: expectedAfter, same: true });
});
