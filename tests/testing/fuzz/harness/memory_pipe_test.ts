import assert from "node:assert/strict";
import { memoryPipe, PipeDeadlockError } from "../../../../testing/fuzz/harness/memory_pipe.ts";
import { ProtocolError } from "../../../../lib/wire/protocol_error.ts";

Deno.test("memoryPipe() carries frames both ways and records them", async () => {
  const pipe = memoryPipe();
  const [a, b] = pipe.ends;
  await a.writeFrame(new Uint8Array([1]));
  await b.writeFrame(new Uint8Array([2, 3]));
  assert.deepEqual(await b.readFrame(), new Uint8Array([1]));
  assert.deepEqual(await a.readFrame(), new Uint8Array([2, 3]));
  assert.deepEqual(a.framesWritten, [new Uint8Array([1])]);
  assert.deepEqual(b.framesRead, [new Uint8Array([1])]);
  b.close();
  assert.equal(await a.readFrame(), undefined);
  await assert.rejects(() => a.writeFrame(new Uint8Array([4])));
});

Deno.test("memoryPipe() rewrites frames with its hook, through a real frame decoder", async () => {
  const pipe = memoryPipe({
    hook: (direction, index) =>
      direction === 0 && index === 0 ? { bytes: new Uint8Array([0, 0, 0, 0]) } : undefined,
  });
  const [a, b] = pipe.ends;
  await a.writeFrame(new Uint8Array([1]));
  await assert.rejects(() => b.readFrame(), ProtocolError);
});

Deno.test("memoryPipe() reports a deadlock: both ends waiting between frames", async () => {
  const pipe = memoryPipe();
  const [a, b] = pipe.ends;
  const first = a.readFrame();
  await assert.rejects(() => b.readFrame(), PipeDeadlockError);
  await assert.rejects(() => first, PipeDeadlockError);
  assert.ok(pipe.deadlocked);
});

Deno.test("memoryPipe() closes a pipe stuck inside a frame, as a timeout would", async () => {
  const pipe = memoryPipe({ hook: () => ({ bytes: new Uint8Array([0, 0, 0, 9, 1]) }) });
  const [a, b] = pipe.ends;
  await a.writeFrame(new Uint8Array([1]));
  a.retire();
  await assert.rejects(() => b.readFrame(), ProtocolError);
  assert.ok(pipe.stalled && !pipe.deadlocked);
});

Deno.test("memoryPipe() treats a frame swallowed whole as a broken connection", async () => {
  const pipe = memoryPipe({ hook: () => ({ bytes: new Uint8Array(0) }) });
  const [a, b] = pipe.ends;
  await a.writeFrame(new Uint8Array([1]));
  assert.equal(await b.readFrame(), undefined);
});
