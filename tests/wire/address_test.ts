import assert from "node:assert/strict";
import fc from "fast-check";
import {
  addressProblem,
  dialAddressProblem,
  directPart,
  formatAddress,
  parseAddress,
  parseDialAddress,
  relayedAddress,
} from "../../lib/wire/address.ts";

const LONGEST_HOST = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;

Deno.test("parseAddress() parses hostnames, IPv4 and bracketed IPv6", () => {
  const cases: [string, string, number][] = [
    ["127.0.0.1:7000", "127.0.0.1", 7000],
    ["0.0.0.0:1", "0.0.0.0", 1],
    ["localhost:65535", "localhost", 65535],
    ["chat.example-1.org:80", "chat.example-1.org", 80],
    ["A.B:9", "A.B", 9],
    [`${LONGEST_HOST}:1`, LONGEST_HOST, 1],
    ["[::1]:7000", "::1", 7000],
    ["[::]:5", "::", 5],
    ["[2001:db8::8a2e:370:7334]:443", "2001:db8::8a2e:370:7334", 443],
    ["[1:2:3:4:5:6:7:8]:1", "1:2:3:4:5:6:7:8", 1],
    ["[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80],
    ["[1:2:3:4:5:6:1.2.3.4]:80", "1:2:3:4:5:6:1.2.3.4", 80],
  ];
  for (const [text, hostname, port] of cases) {
    assert.deepEqual(parseAddress(text), { hostname, port }, text);
  }
});

Deno.test("parseAddress() names what is wrong in a TypeError", () => {
  const cases: [string, string][] = [
    ["foo", "Invalid address 'foo': expected HOST:PORT"],
    ["", "Invalid address '': expected HOST:PORT"],
    [":7000", "Invalid address ':7000': expected HOST:PORT"],
    ["host:", "Invalid address 'host:': port '' is not a number from 1 to 65535"],
    ["host:0", "Invalid address 'host:0': port '0' is not a number from 1 to 65535"],
    ["host:65536", "Invalid address 'host:65536': port '65536' is not a number from 1 to 65535"],
    ["::1:80", "Invalid address '::1:80': an IPv6 host needs brackets, as in [::1]:7000"],
    ["[::1]", "Invalid address '[::1]': expected [IPV6]:PORT"],
    ["[1.2.3.4]:80", "Invalid address '[1.2.3.4]:80': host '1.2.3.4' is not an IPv6 address"],
    [
      "a..b:1",
      "Invalid address 'a..b:1': host 'a..b' is not a valid hostname or IPv4 address",
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseAddress(text), { name: "TypeError", message }, text);
  }
});

Deno.test("parseAddress() rejects malformed hosts and ports", () => {
  const bad = [
    "host:08",
    "host:+1",
    "host:1.5",
    "host:abc",
    "host: 80",
    "host:99999",
    "[::1]x80",
    "[::1]:",
    "[fe80::1%eth0]:80",
    "[1:2:3:4:5:6:7:8:9]:1",
    "[1:2:3:4:5:6:7]:1",
    "[1::2::3]:1",
    "[12345::]:1",
    "[:1]:1",
    "[1:]:1",
    "[::1.2.3.4.5]:1",
    "[::1.2.3.4:5]:1",
    "-bad.com:1",
    "bad-.com:1",
    "a_b:1",
    "exa mple:1",
    "host.:1",
    ".host:1",
    "256.1.1.1:1",
    "1.2.3:1",
    "01.2.3.4:1",
    "1.2.3.4.5:1",
    `${"a".repeat(64)}:1`,
    `${LONGEST_HOST}x:1`,
    "héllo:1",
    "host\n:1",
  ];
  for (const text of bad) {
    assert.throws(() => parseAddress(text), TypeError, text);
    assert.notEqual(addressProblem(text), undefined, text);
  }
});

Deno.test("parseAddress() escapes and cuts hostile input in its message", () => {
  assert.throws(() => parseAddress("\u001b[2J".repeat(100)), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.ok(!error.message.includes("\u001b"));
    assert.ok(error.message.length < 200);
    return true;
  });
});

Deno.test("parseAddress() accepts generated IPv4, IPv6 and domain addresses (property)", () => {
  const host = fc.oneof(
    fc.ipV4(),
    fc.ipV6().map((ip) => `[${ip}]`),
    fc.domain().filter((domain) => domain.length <= 253),
  );
  fc.assert(
    fc.property(host, fc.integer({ min: 1, max: 65535 }), (hostText, port) => {
      const text = `${hostText}:${port}`;
      const address = parseAddress(text);
      assert.equal(address.port, port);
      assert.equal(formatAddress(address), text);
      assert.equal(addressProblem(text), undefined);
    }),
  );
});

Deno.test("formatAddress() brackets IPv6 hosts", () => {
  assert.equal(formatAddress({ hostname: "::1", port: 7000 }), "[::1]:7000");
  assert.equal(formatAddress({ hostname: "example.org", port: 1 }), "example.org:1");
});

Deno.test("formatAddress() rejects a bad port with a RangeError and a bad host with a TypeError", () => {
  for (const port of [0, 65536, 1.5, Number.NaN]) {
    assert.throws(() => formatAddress({ hostname: "h", port }), RangeError);
  }
  assert.throws(() => formatAddress({ hostname: "a b", port: 1 }), {
    name: "TypeError",
    message: "Cannot format address: host 'a b' is not a valid hostname or IPv4 address",
  });
  assert.throws(() => formatAddress({ hostname: "[::1]", port: 1 }), TypeError);
});

Deno.test("addressProblem() returns undefined for a valid address and the reason otherwise", () => {
  assert.equal(addressProblem("h:1"), undefined);
  assert.equal(addressProblem("h"), "expected HOST:PORT");
});

Deno.test("parseDialAddress() reads direct and relayed addresses", () => {
  const id = "0f".repeat(32);
  assert.deepEqual(parseDialAddress("10.0.0.1:7000"), { hostname: "10.0.0.1", port: 7000 });
  assert.deepEqual(parseDialAddress(`10.0.0.1:7000/relay/${id}`), {
    hostname: "10.0.0.1",
    port: 7000,
    relayFor: id,
  });
  assert.deepEqual(parseDialAddress(`[::1]:9/relay/${id}`), {
    hostname: "::1",
    port: 9,
    relayFor: id,
  });
  assert.equal(relayedAddress("10.0.0.1:7000", id), `10.0.0.1:7000/relay/${id}`);
  assert.equal(directPart(`10.0.0.1:7000/relay/${id}`), "10.0.0.1:7000");
  assert.equal(directPart("10.0.0.1:7000"), "10.0.0.1:7000");
});

Deno.test("parseDialAddress() names what is wrong with a relayed address", () => {
  const id = "0f".repeat(32);
  const cases: [string, RegExp][] = [
    [`10.0.0.1/relay/${id}`, /relay: expected HOST:PORT/],
    [`10.0.0.1:7000/relay/${id.toUpperCase()}`, /64-digit lowercase hex ID/],
    [`10.0.0.1:7000/relay/${id.slice(2)}`, /64-digit lowercase hex ID/],
    [`10.0.0.1:7000/relay/${id}/relay/${id}`, /64-digit lowercase hex ID/],
    ["10.0.0.1:7000/relay/", /64-digit lowercase hex ID/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseDialAddress(text), message, text);
    assert.match(dialAddressProblem(text)!, message, text);
  }
  // A relayed address is not a direct one: nothing listens or is seen at it.
  assert.notEqual(addressProblem(`10.0.0.1:7000/relay/${id}`), undefined);
  assert.throws(() => relayedAddress(`10.0.0.1:7000/relay/${id}`, id), TypeError);
  assert.throws(() => relayedAddress("10.0.0.1:7000", "zz"), TypeError);
});
