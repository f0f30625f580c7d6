import assert from "node:assert/strict";
import { DeliveryRecorder, SampleBuffer } from "../../scripts/_bench/delivery_recorder.ts";

Deno.test("DeliveryRecorder.record() counts latency pairs, the sender's own apart, duplicates once", () => {
  const recorder = new DeliveryRecorder(3, 2);
  // Message 0 is sent by node 0, message 1 by node 1.
  recorder.record(0, { phase: "L", index: 0, sentAtMs: 100, atMs: 100.5 });
  recorder.record(1, { phase: "L", index: 0, sentAtMs: 100, atMs: 102 });
  recorder.record(2, { phase: "L", index: 0, sentAtMs: 100, atMs: 103 });
  recorder.record(2, { phase: "L", index: 0, sentAtMs: 100, atMs: 104 });
  recorder.record(0, { phase: "L", index: 1, sentAtMs: 110, atMs: 111 });
  recorder.record(0, { phase: "L", index: 9, sentAtMs: 110, atMs: 111 });
  assert.equal(recorder.latencyPairs, 3);
  assert.equal(recorder.latencyPairsExpected, 4);
  assert.deepEqual([...recorder.latencies.values()], [2, 3, 1]);
  assert.deepEqual([...recorder.selfLatencies.values()], [0.5]);
  assert.equal(recorder.latencyDuplicates, 1);
  assert.equal(recorder.strays, 1);
});

Deno.test("DeliveryRecorder tracks throughput per receiver, in and out of the window", () => {
  const recorder = new DeliveryRecorder(3, 0);
  recorder.setThroughputWindow(1000, 2000);
  recorder.record(0, { phase: "T", index: 0, sentAtMs: 1000, atMs: 1001 }); // the sender: ignored
  recorder.record(1, { phase: "T", index: 0, sentAtMs: 1000, atMs: 1005 });
  recorder.record(1, { phase: "T", index: 1, sentAtMs: 1990, atMs: 2100 });
  recorder.record(2, { phase: "T", index: 0, sentAtMs: 1000, atMs: 1010 });
  recorder.record(2, { phase: "T", index: 0, sentAtMs: 1000, atMs: 1011 });
  assert.deepEqual([...recorder.throughputDelivered], [0, 2, 2]);
  assert.deepEqual([...recorder.throughputInWindow], [0, 1, 2]);
  assert.equal(recorder.minThroughputDelivered(), 2);
  assert.equal(recorder.minThroughputInWindow(), 1);
  assert.equal(recorder.throughputOutOfOrder, 1);
  assert.equal(recorder.throughputLatencies.length, 4);
});

Deno.test("SampleBuffer grows past its initial capacity and keeps every value", () => {
  const buffer = new SampleBuffer();
  for (let i = 0; i < 5000; i++) buffer.push(i);
  assert.equal(buffer.length, 5000);
  assert.equal(buffer.values()[4999], 4999);
  assert.equal(buffer.values().length, 5000);
});
