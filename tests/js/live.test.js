// Live changes: at most one in flight, the latest value kept, the release always sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Coalescer, nearest, postChange } from "../../optviz/views/player/src/live.js";

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

// A fetch that answers with `status`, a content type and a body, recording what it was sent.
function fakeFetch(status, type, body, calls = []) {
  return async (url, init) => {
    calls.push([url, init]);
    return {
      ok: status >= 200 && status < 300,
      status,
      headers: { get: (name) => (name.toLowerCase() === "content-type" ? type : null) },
      text: async () => body,
      json: async () => JSON.parse(body),
    };
  };
}

test("a live change is posted as JSON to the route and its answer's text comes back", async () => {
  const calls = [];
  const body = { settings: { surface: "beale" }, change: { runner: 0, name: "lr", value: 0.1, seq: 1 } };
  const text = await postChange("/api/optviz/live", body, fakeFetch(200, "application/json", '{"rev":"r"}', calls));
  assert.equal(text, '{"rev":"r"}');
  assert.equal(calls[0][0], "/api/optviz/live");
  assert.equal(calls[0][1].method, "POST");
  assert.deepEqual(JSON.parse(calls[0][1].body), body);
});

test("a refused change brings the server's message, and the line stays", async () => {
  const refused = fakeFetch(400, "application/json", '{"error":"lr must be finite, got nan"}');
  await assert.rejects(postChange("/x", {}, refused), { fallback: false, message: "lr must be finite, got nan" });
  const busy = fakeFetch(429, "application/json", '{"error":"the server is busy"}');
  await assert.rejects(postChange("/x", {}, busy), { fallback: false, message: "the server is busy" });
});

test("without a route (a page, not JSON; 404; no network) the host takes the change", async () => {
  await assert.rejects(postChange("/x", {}, fakeFetch(200, "text/html", "<html>")), { fallback: true });
  await assert.rejects(postChange("/x", {}, fakeFetch(404, "text/plain", "Not Found")), { fallback: true });
  const offline = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(postChange("/x", {}, offline), { fallback: true });
});
