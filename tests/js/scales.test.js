// Scales: tick sets chosen from the ladder Python sends, places on the colour scale, read-out text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lossOf, pickTicks, sci, unit } from "../../optviz/views/player/src/scales.js";

// figures.tick_ladder(-4.5, 4.5), as the payload carries it
const LADDER = {
  rungs: [
    [[0, "0"]],
    [[-4, "-4"], [-2, "-2"], [0, "0"], [2, "2"], [4, "4"]],
    [[-4, "-4"], [-3, "-3"], [-2, "-2"], [-1, "-1"], [0, "0"], [1, "1"], [2, "2"], [3, "3"], [4, "4"]],
  ],
  pick: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2],
};

test("the tick set for a count is the rung the ladder names, counts clamped to the ladder", () => {
  assert.deepEqual(pickTicks(LADDER, 5).map(([v]) => v), [-4, -2, 0, 2, 4]);
  assert.deepEqual(pickTicks(LADDER, 9).map(([, label]) => label).at(-1), "4");
  assert.equal(pickTicks(LADDER, 400).length, 9);
  assert.equal(pickTicks(LADDER, -3).length, 1);
  assert.equal(pickTicks(LADDER, 4.6), LADDER.rungs[1]);
});

test("a value's place on the colour scale is clipped to its ends", () => {
  const scale = { low: -7, high: 5, log: true, offset: 0 };
  assert.equal(unit(scale, -7), 0);
  assert.equal(unit(scale, -1), 0.5);
  assert.equal(unit(scale, 99), 1);
  assert.equal(unit(scale, -99), 0);
});

test("a height on the scale reads back as the loss: f itself, or f* + 10^v on a log scale", () => {
  assert.equal(lossOf({ log: false, offset: 3 }, 2.5), 2.5);
  assert.equal(lossOf({ log: true, offset: 3 }, 2), 103);
});

test("read-outs have three significant digits and exponents outside [1e-3, 1e5)", () => {
  assert.equal(sci(0), "0");
  assert.equal(sci(3.14159), "3.14");
  assert.equal(sci(-0.00123456), "-0.00123");
  assert.equal(sci(123456), "1.23e5");
  assert.equal(sci(1.5e-7), "1.50e-7");
  assert.equal(sci(Infinity), "Infinity");
});
