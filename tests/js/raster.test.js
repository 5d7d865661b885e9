// The 3-D surface's rasteriser: it covers what it should, interpolates its vertices' colours, keeps
// the nearest surface and hides what is behind it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fit, project } from "../../optviz/views/player/src/projection.js";
import { cutPath, depthAt, rasterize, visible } from "../../optviz/views/player/src/raster.js";

// every vertex grey, as figures.mesh_colors sends the colours: RGB bytes per vertex
const grey = (n) => new Uint8Array(3 * n * n).fill(100);
const flat = (n, z) => new Float32Array(n * n).fill(z);

test("seen from straight above, a flat mesh covers its projected square and nothing else", () => {
  const n = 4;
  // a 60 x 40 screen box: the square is 40 x 40 in its middle, with 10 pixels free on each side
  const p = fit({ az: 0, el: 90, zoom: 1, pan: [0, 0] }, 0.65, { x: 0, y: 0, w: 60, h: 40 });
  const buffer = rasterize(p, flat(n, 0), grey(n), n, 60, 40, 1);
  const covered = [];
  for (let y = 0; y < 40; y++) for (let x = 0; x < 60; x++) if (Number.isFinite(buffer.depth[y * 60 + x])) covered.push([x, y]);
  assert.equal(covered.length, 40 * 40);
  assert.ok(covered.every(([x]) => x >= 10 && x < 50));
  assert.equal(buffer.pixels[20 * 60 + 30] >>> 24, 255); // opaque where covered
  assert.equal(buffer.pixels[0], 0); // transparent where not
  assert.equal(depthAt(buffer, 5, 5), -Infinity);
});

test("colours are interpolated between the vertices across a face", () => {
  const n = 2;
  const p = fit({ az: 0, el: 90, zoom: 1, pan: [0, 0] }, 0.65, { x: 0, y: 0, w: 40, h: 40 });
  // black along y = -1, white along y = 1
  const colors = new Uint8Array([0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
  const buffer = rasterize(p, flat(n, 0), colors, n, 40, 40, 1);
  const red = (Y) => {
    const [x, y] = project(p, 0, Y, 0);
    return buffer.pixels[Math.floor(y) * 40 + Math.floor(x)] & 255;
  };
  assert.ok(red(0.95) > 240 && red(-0.95) < 15, [red(0.95), red(-0.95)]);
  assert.ok(Math.abs(red(0) - 127) < 12, red(0));
});

test("depth grows towards the viewer: seen from straight above it is the height", () => {
  const n = 2;
  const p = fit({ az: 0, el: 90, zoom: 1, pan: [0, 0] }, 0.65, { x: 0, y: 0, w: 20, h: 20 });
  const high = rasterize(p, flat(n, 0.5), grey(n), n, 20, 20, 1);
  // seen from above, depth is the height
  assert.ok(Math.abs(depthAt(high, 10, 10) - 0.5) < 1e-6);
});

test("a point behind the surface is hidden, one on or above it is shown", () => {
  const n = 3;
  const p = fit({ az: 0, el: 90, zoom: 1, pan: [0, 0] }, 0.65, { x: 0, y: 0, w: 30, h: 30 });
  const buffer = rasterize(p, flat(n, 0.2), grey(n), n, 30, 30, 1);
  const [x, y] = project(p, 0, 0, 0);
  assert.equal(visible(buffer, x, y, 0.25, 0.02), true); // above
  assert.equal(visible(buffer, x, y, 0.19, 0.02), true); // within the tolerance
  assert.equal(visible(buffer, x, y, -0.3, 0.02), false); // under it
  assert.equal(visible(buffer, -50, -50, -9, 0.02), true); // off the buffer: nothing hides it
});

test("a path is cut into pieces shown or hidden where it passes under the surface", () => {
  const n = 3;
  const p = fit({ az: 0, el: 90, zoom: 1, pan: [0, 0] }, 0.65, { x: 0, y: 0, w: 60, h: 60 });
  const buffer = rasterize(p, flat(n, 0), grey(n), n, 60, 60, 1);
  // above the surface, then under it, then above again; then a point off the box
  const a = project(p, -0.8, 0, 0.1);
  const b = project(p, 0, 0, -0.5);
  const c = project(p, 0.8, 0, 0.1);
  const points = new Float32Array([...a, ...b, ...c, NaN, NaN, NaN]);
  const path = cutPath(buffer, points, 4, 0.02);
  assert.equal(path.at.length, 4);
  assert.equal(path.at[0], 0);
  const pieces = Array.from(path.shown.slice(1, path.at[2] + 1));
  assert.ok(pieces.includes(1) && pieces.includes(0));
  assert.equal(pieces[0], 1); // leaves the first point above the surface
  assert.ok(Number.isNaN(path.x[path.at[3]]));
  assert.equal(path.x[path.at[2]], c[0]);
});
