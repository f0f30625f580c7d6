import assert from "node:assert/strict";
import fc from "fast-check";
import { LineScanner } from "../../scripts/_bench/line_scanner.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function scanAll(chunks: readonly Uint8Array[], scanner = new LineScanner()): string[] {
  const lines: string[] = [];
  const onLine = (line: Uint8Array) => lines.push(decoder.decode(line));
  for (const chunk of chunks) scanner.push(chunk, onLine);
  scanner.finish(onLine);
  return lines;
}

Deno.test("LineScanner.push() splits a chunk into its lines", () => {
  assert.deepEqual(scanAll([encoder.encode("a\nbb\n\nccc\n")]), ["a", "bb", "", "ccc"]);
});

Deno.test("LineScanner.push() joins a line split across chunks", () => {
  const chunks = ['{"ty', 'pe":', '1}\n{"x"', ":2}\n"].map((s) => encoder.encode(s));
  assert.deepEqual(scanAll(chunks), ['{"type":1}', '{"x":2}']);
});

Deno.test("LineScanner.finish() hands out an unterminated last line", () => {
  assert.deepEqual(scanAll([encoder.encode("a\nb")]), ["a", "b"]);
  assert.deepEqual(scanAll([encoder.encode("a\n")]), ["a"]);
});

Deno.test("LineScanner.push() keeps a carriage return (the caller strips it)", () => {
  assert.deepEqual(scanAll([encoder.encode("a\r\n")]), ["a\r"]);
});

Deno.test("LineScanner.push() copies held bytes, so the caller may reuse its buffer", () => {
  const scanner = new LineScanner();
  const buffer = encoder.encode("abc");
  const lines: string[] = [];
  scanner.push(buffer, (line) => lines.push(decoder.decode(line)));
  buffer.fill(0x7a);
  scanner.push(encoder.encode("d\n"), (line) => lines.push(decoder.decode(line)));
  assert.deepEqual(lines, ["abcd"]);
});

Deno.test("LineScanner.push() rejects a line longer than lineBytesMax", () => {
  const scanner = new LineScanner({ lineBytesMax: 4 });
  assert.throws(() => scanner.push(encoder.encode("12345\n"), () => {}), RangeError);
  const held = new LineScanner({ lineBytesMax: 4 });
  held.push(encoder.encode("123"), () => {});
  assert.throws(() => held.push(encoder.encode("45"), () => {}), RangeError);
});

Deno.test("LineScanner gives the same lines however the stream is cut", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: fc.constantFrom("a", "b", "\n", "{", "é") }), { maxLength: 20 }),
      fc.array(fc.nat(50), { maxLength: 10 }),
      (parts, cuts) => {
        const bytes = encoder.encode(parts.join(""));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const point of [...points, bytes.length]) {
          chunks.push(bytes.subarray(at, point));
          at = point;
        }
        const text = decoder.decode(bytes);
        const expected = text.split("\n");
        if (expected.at(-1) === "") expected.pop();
        assert.deepEqual(scanAll(chunks), expected);
      },
    ),
  );
});
