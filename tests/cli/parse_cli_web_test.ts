import assert from "node:assert/strict";
import {
  HELP,
  isLoopbackHost,
  parseCli,
  type PeerCommand,
  UsageError,
} from "../../lib/cli/parse_cli.ts";

function peer(argv: string[]): PeerCommand {
  const command = parseCli(["peer", ...argv], { home: "/home/test" });
  assert.equal(command.command, "peer");
  return command as PeerCommand;
}

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseCli(["peer", ...argv], { home: "/home/test" }), (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${error}`);
    assert.equal(error.message.includes("\n"), false);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("parseCli() has no web front end without --web", () => {
  assert.equal(peer([]).web, undefined);
});

Deno.test("parseCli() --web listens on loopback, a free port", () => {
  assert.deepEqual(peer(["--web"]).web, { hostname: "127.0.0.1", port: 0, public: false });
});

Deno.test("parseCli() --web-listen chooses the address and implies --web", () => {
  assert.deepEqual(peer(["--web-listen", "127.0.0.1:8080"]).web, {
    hostname: "127.0.0.1",
    port: 8080,
    public: false,
  });
  assert.deepEqual(peer(["--web", "--web-listen", "[::1]:0"]).web?.hostname, "::1");
});

Deno.test("parseCli() refuses a non-loopback --web-listen without --web-public", () => {
  usageError(["--web-listen", "0.0.0.0:8080"], /not a loopback address; add --web-public/);
  usageError(["--web-listen", "192.168.1.2:0"], /not a loopback address/);
  assert.deepEqual(peer(["--web-listen", "0.0.0.0:8080", "--web-public"]).web, {
    hostname: "0.0.0.0",
    port: 8080,
    public: true,
  });
});

Deno.test("parseCli() refuses --web-public alone and a bad --web-listen", () => {
  usageError(["--web-public"], /--web-public: it needs --web/);
  usageError(["--web-listen", "nonsense"], /Invalid --web-listen/);
});

Deno.test("isLoopbackHost() knows the loopback names", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) {
    assert.ok(isLoopbackHost(host));
  }
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "example.com"]) assert.ok(!isLoopbackHost(host));
});

Deno.test("peer --help documents --web, --web-listen and --web-public", () => {
  for (const flag of ["--web ", "--web-listen HOST:PORT", "--web-public"]) {
    assert.ok(HELP.peer.includes(flag), flag);
  }
});
