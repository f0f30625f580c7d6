import assert from "node:assert/strict";
import { parseProtocolName } from "../../../lib/secure/noise/protocol_name.ts";

Deno.test("parseProtocolName() parses our production protocol", () => {
  const protocol = parseProtocolName("Noise_XXpsk3_25519_AESGCM_SHA256");
  assert.equal(protocol.name, "Noise_XXpsk3_25519_AESGCM_SHA256");
  assert.equal(protocol.pattern.name, "XXpsk3");
  assert.equal(protocol.dh, "25519");
  assert.equal(protocol.cipher, "AESGCM");
  assert.equal(protocol.hash, "SHA256");
});

Deno.test("parseProtocolName() rejects malformed names and unsupported functions with TypeError", () => {
  for (
    const [name, message] of [
      ["Noise_XX_25519_AESGCM", /is not Noise_<pattern>_<dh>_<cipher>_<hash>/],
      ["Nois_XX_25519_AESGCM_SHA256", /is not Noise_/],
      ["Noise_XX_448_AESGCM_SHA256", /unsupported DH functions 448/],
      ["Noise_XX_25519_ChaChaPoly_SHA256", /unsupported cipher ChaChaPoly/],
      ["Noise_XX_25519_AESGCM_BLAKE2s", /unsupported hash BLAKE2s/],
      ["Noise_QQ_25519_AESGCM_SHA256", /unknown pattern "QQ"/],
    ] as const
  ) {
    assert.throws(() => parseProtocolName(name), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, message);
      return true;
    });
  }
});
