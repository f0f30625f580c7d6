import assert from "node:assert/strict";
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
