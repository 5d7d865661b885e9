// Live changes: at most one in flight, the latest value kept, the release always sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Coalescer, nearest } from "../../optviz/views/player/src/live.js";

function recorder() {
  const sent = [];
  let clock = 0;
  const c = new Coalescer((name, value) => sent.push([name, value]), () => clock);
  return { c, sent, tick: (ms) => (clock += ms) };
}

test("while one change is in flight the next ones replace each other and go out when it is drawn", () => {
  const { c, sent } = recorder();
  assert.equal(c.live({ runner: 0, name: "lr", value: 0.1 }), true);
  assert.equal(c.live({ runner: 0, name: "lr", value: 0.2 }), false);
  assert.equal(c.live({ runner: 0, name: "lr", value: 0.3 }), false);
  assert.deepEqual(sent, [["live", { runner: 0, name: "lr", value: 0.1, seq: 1 }]]);
  assert.equal(c.answered(1), 0); // the time the pointer moved to the value the race shows
  assert.deepEqual(sent.at(-1), ["live", { runner: 0, name: "lr", value: 0.3, seq: 2 }]);
  assert.equal(sent.length, 2);
  c.answered(2);
  assert.equal(sent.length, 2); // nothing kept: nothing more to send
});

test("an old answer does not release a newer change", () => {
  const { c, sent } = recorder();
  c.live({ start: [1, 2] });
  c.answered(1);
  c.live({ start: [1, 3] });
  c.live({ start: [1, 4] });
  c.answered(1);
  assert.equal(sent.length, 2);
  c.answered(2);
  assert.deepEqual(sent.at(-1), ["live", { start: [1, 4], seq: 3 }]);
});

test("the release goes out at once with the final value and drops what was kept", () => {
  const { c, sent } = recorder();
  c.live({ runner: 1, name: "gamma", value: 0.5 });
  c.live({ runner: 1, name: "gamma", value: 0.6 });
  c.commit({ runner: 1, name: "gamma", value: 0.7 });
  assert.deepEqual(sent.at(-1), ["commit", { runner: 1, name: "gamma", value: 0.7, seq: 2 }]);
  c.answered(1);
  assert.equal(sent.length, 2);
});

test("a change never answered stops holding the next one back after a while", () => {
  const { c, sent, tick } = recorder();
  c.live({ start: [0, 0] });
  tick(500);
  assert.equal(c.live({ start: [0, 1] }), false);
  tick(2000);
  assert.equal(c.live({ start: [0, 2] }), true);
  assert.equal(sent.length, 2);
});

test("a slider's position is the one nearest the value", () => {
  assert.equal(nearest([0, 0.1, 0.2, 0.5], 0.12), 1);
  assert.equal(nearest([0.001, 0.01, 0.1], 5), 2);
  assert.equal(nearest([0.001, 0.01, 0.1], 0), 0);
});
