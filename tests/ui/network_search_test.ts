/** `NetworkSearch`: the founder's notices. */

import assert from "node:assert/strict";
import { NetworkSearch } from "../../lib/ui/network_search.ts";

Deno.test("NetworkSearch says it starts a new network, and how it looks for the old one", () => {
  const none = new NetworkSearch({ triedBootstrap: "127.0.0.1:7411", remembered: [] });
  assert.match(
    none.startText(),
    /No bootstrap answered at 127\.0\.0\.1:7411: starting a NEW network/,
  );
  assert.match(
    none.startText(),
    /No addresses of this room are remembered.*check --room and --secret\/--key-file/,
  );
  const some = new NetworkSearch({
    triedBootstrap: "127.0.0.1:7411",
    remembered: ["10.0.0.1:1", "10.0.0.2:2"],
  });
  assert.match(some.startText(), /at 2 remembered addresses in the background/);
});

Deno.test("NetworkSearch.onPeerUp() says once that a remembered peer was reached", () => {
  const search = new NetworkSearch({ triedBootstrap: "b:1", remembered: ["10.0.0.1:1"] });
  assert.equal(search.onPeerUp("10.0.0.9:9"), undefined, "a newcomer to the new network");
  assert.match(search.onPeerUp("10.0.0.1:1")!, /joined the existing network/);
  assert.equal(search.joined, true);
  assert.equal(search.onPeerUp("10.0.0.1:1"), undefined, "once");
});
