// Decoding the payload: base64 floats, the contour picture's run-length code, heads and trails.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bytes,
  decodeRunners,
  decodeRuns,
  ended,
  f32,
  headIndex,
  heldRunners,
  paint,
  raceData,
  trailStart,
} from "../../optviz/views/player/src/data.js";

const b64 = (array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64");

test("float32 arrays round-trip through base64 as Python sends them", () => {
  const values = new Float32Array([0, -1.5, 3.25, 1e-30, 6.02e23]);
  assert.deepEqual(Array.from(f32(b64(values))), Array.from(values));
  assert.deepEqual(Array.from(bytes("AAEC/w==")), [0, 1, 2, 255]);
});

test("run-length pairs expand to one palette index per pixel, and a short code is refused", () => {
  const runs = new Uint8Array([2, 3, 0, 1]); // three 2s, one 0: a 2 x 2 picture
  assert.deepEqual(Array.from(decodeRuns(runs, 2)), [2, 2, 2, 0]);
  assert.throws(() => decodeRuns(new Uint8Array([1, 3]), 2), /3 pixels for 2 x 2/);
});

test("palette indices paint RGBA words in ImageData's byte order", () => {
  const words = paint(new Uint8Array([1, 0]), [
    [255, 0, 0],
    [1, 2, 3],
  ]);
  const rgba = new Uint8Array(words.buffer);
  assert.deepEqual(Array.from(rgba), [1, 2, 3, 255, 255, 0, 0, 255]);
});

test("runners are decoded with their arrays, optional arrays left out, hidden ones marked", () => {
  const xy = new Float32Array([0, 0, 1, 1, 2, 2]);
  const one = new Float32Array([1, 2, 3]);
  const data = {
    runners: [
      { label: "Adam", color: "#000", casing: "#fff", divergedAt: null, adaptive: true, xy: b64(xy), gap: b64(one), dist: b64(one), z: b64(one) },
      { label: "GD", color: "#111", casing: "#fff", divergedAt: 2, adaptive: false, xy: b64(xy), gap: b64(one), dist: b64(one), z: b64(one), grad: b64(xy) },
    ],
  };
  const [adam, gd] = decodeRunners(data, new Set(["GD"]));
  assert.deepEqual(Array.from(adam.xy), Array.from(xy));
  assert.equal(adam.grad, null);
  assert.equal(adam.hidden, false);
  assert.equal(gd.hidden, true);
  assert.equal(gd.grad.length, 6);
});

test("a diverged run's head stops at its last good iterate and trails keep their length", () => {
  const gd = { divergedAt: 5 };
  const adam = { divergedAt: null };
  assert.equal(headIndex(adam, 9), 9);
  assert.equal(headIndex(gd, 3), 3);
  assert.equal(headIndex(gd, 9), 4);
  assert.equal(ended(gd, 4), false);
  assert.equal(ended(gd, 5), true);
  assert.equal(ended(adam, 1000), false);
  assert.equal(trailStart(40, null), 0);
  assert.equal(trailStart(40, 10), 30);
  assert.equal(trailStart(4, 10), 0);
});

test("the payload is read whether it comes parsed, as JSON text or as the bytes of that text", () => {
  const payload = { steps: 3, runners: [{ label: "Adam" }] };
  const text = JSON.stringify(payload);
  assert.deepEqual(raceData(payload), payload);
  assert.deepEqual(raceData(text), payload);
  assert.deepEqual(raceData(new TextEncoder().encode(text)), payload);
  assert.deepEqual(raceData(new TextEncoder().encode(text).buffer), payload);
});

test("runners a page shows stay held however many live updates replaced another runner since", () => {
  // Seven runners arrive in full; then 100 live updates each change runner 0 and refer to the six
  // others: they must still resolve after far more races than the page keeps.
  const held = new Map();
  const first = Array.from({ length: 7 }, (_, i) => ({ label: `r${i}`, digest: `d${i}` }));
  heldRunners(held, first, 64);
  for (let k = 0; k < 100; k++) {
    const race = [{ label: "r0", digest: `live${k}` }, ...first.slice(1).map((r) => ({ same: r.digest }))];
    const runners = heldRunners(held, race, 64);
    assert.deepEqual(runners.map((r) => r.label), first.map((r) => r.label));
  }
  assert.equal(held.size, 64);
  assert.throws(() => heldRunners(held, [{ same: "live0" }], 64), /does not hold/);
});
