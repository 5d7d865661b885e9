// The 3-D camera: projection, its inverse, fitting the box and zooming about a point.
import assert from "node:assert/strict";
import { test } from "node:test";
import { basis, fit, fromScene, project, toScene, unproject, zoomAt, ZOOM_RANGE } from "../../optviz/views/player/src/projection.js";

const BOX = { x: 10, y: 20, w: 400, h: 300 };
const CAMERA = { az: -55, el: 32, zoom: 1, pan: [0, 0] };
const close = (a, b, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test("the camera's axes are orthonormal and the eye looks down from its elevation", () => {
  const { eye, right, up } = basis(-55, 32);
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  for (const v of [eye, right, up]) close(dot(v, v), 1);
  close(dot(eye, right), 0);
  close(dot(eye, up), 0);
  close(dot(right, up), 0);
  close(Math.asin(eye[2]) * (180 / Math.PI), 32);
});

test("the whole box fits the screen box at zoom 1 and touches two of its sides", () => {
  const p = fit(CAMERA, 0.65, BOX);
  const xs = [];
  const ys = [];
  for (const X of [-1, 1]) for (const Y of [-1, 1]) for (const Z of [-0.65, 0.65]) {
    const [x, y] = project(p, X, Y, Z);
    xs.push(x);
    ys.push(y);
  }
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  assert.ok(x0 >= BOX.x - 1e-9 && x1 <= BOX.x + BOX.w + 1e-9 && y0 >= BOX.y - 1e-9 && y1 <= BOX.y + BOX.h + 1e-9);
  assert.ok(Math.abs(x1 - x0 - BOX.w) < 1e-6 || Math.abs(y1 - y0 - BOX.h) < 1e-6);
});

test("unproject inverts project, and depth grows towards the viewer", () => {
  const p = fit({ az: 30, el: 60, zoom: 2.5, pan: [12, -7] }, 0.65, BOX);
  for (const point of [[0, 0, 0], [0.3, -0.8, 0.5], [-1, 1, -0.65]]) {
    const [x, y, d] = project(p, ...point);
    unproject(p, x, y, d).forEach((v, i) => close(v, point[i]));
  }
  const near = project(p, ...p.eye.map((v) => v * 0.5));
  const far = project(p, ...p.eye.map((v) => -v * 0.5));
  assert.ok(near[2] > far[2]);
  close(near[0], far[0]); // along the line of sight: the same pixel
});

test("zooming keeps the point under the pointer in place, within the zoom's range", () => {
  const p = fit(CAMERA, 0.65, BOX);
  const scene = [0.2, -0.4, 0.1];
  const [x, y] = project(p, ...scene);
  const zoomed = zoomAt(CAMERA, x, y, 3, p);
  assert.equal(zoomed.zoom, 3);
  const [x2, y2] = project(fit(zoomed, 0.65, BOX), ...scene);
  close(x2, x, 1e-6);
  close(y2, y, 1e-6);
  assert.equal(zoomAt(CAMERA, x, y, 1000, p).zoom, ZOOM_RANGE[1]);
  assert.equal(zoomAt(CAMERA, x, y, 1e-6, p).zoom, ZOOM_RANGE[0]);
  // zooming back out by the same factor restores the camera
  const back = zoomAt(zoomed, x, y, 1 / 3, fit(zoomed, 0.65, BOX));
  close(back.zoom, 1);
  back.pan.forEach((v) => close(v, 0, 1e-9));
});

test("domain coordinates map onto the box's [-1, 1] and back", () => {
  assert.equal(toScene(-4.5, [-4.5, 4.5]), -1);
  assert.equal(toScene(4.5, [-4.5, 4.5]), 1);
  close(fromScene(toScene(1.25, [-2, 3]), [-2, 3]), 1.25);
});
