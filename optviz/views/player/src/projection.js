// The 3-D view's camera: an orthographic projection of the scene box. Pure functions, no DOM.
//
// Scene coordinates: x and y of the domain in [-1, 1], height in [-zh, zh] (zh: the box's height over
// its width, sent as style.zAspect). A camera is an azimuth and an elevation in degrees, a zoom and a
// pan in CSS pixels. Depth grows towards the viewer.

// The camera's unit vectors: towards the eye, screen right and screen up.
export function basis(az, el) {
  const a = (az * Math.PI) / 180;
  const e = (el * Math.PI) / 180;
  return {
    eye: [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), Math.sin(e)],
    right: [-Math.sin(a), Math.cos(a), 0],
    up: [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)],
  };
}

// The projection for a camera {az, el, zoom, pan}: the whole box fits `box` ({x, y, w, h}, CSS pixels)
// at zoom 1; a zoom scales it about the box's centre, then the pan moves it.
export function fit(camera, zh, box) {
  const { eye, right, up } = basis(camera.az, camera.el);
  let minx = Infinity;
  let maxx = -Infinity;
  let miny = Infinity;
  let maxy = -Infinity;
  for (const X of [-1, 1])
    for (const Y of [-1, 1])
      for (const Z of [-zh, zh]) {
        const u = X * right[0] + Y * right[1];
        const v = X * up[0] + Y * up[1] + Z * up[2];
        minx = Math.min(minx, u);
        maxx = Math.max(maxx, u);
        miny = Math.min(miny, v);
        maxy = Math.max(maxy, v);
      }
  const s0 = Math.min(box.w / (maxx - minx), box.h / (maxy - miny));
  const s = s0 * camera.zoom;
  const cx = box.x + box.w / 2 - ((minx + maxx) / 2) * s + camera.pan[0];
  const cy = box.y + box.h / 2 + ((miny + maxy) / 2) * s + camera.pan[1];
  return { eye, right, up, s, cx, cy, zh, centre: [box.x + box.w / 2, box.y + box.h / 2] };
}

// Screen x, y (CSS pixels) and depth of a scene point.
export function project(p, X, Y, Z) {
  return [
    p.cx + (X * p.right[0] + Y * p.right[1]) * p.s,
    p.cy - (X * p.up[0] + Y * p.up[1] + Z * p.up[2]) * p.s,
    X * p.eye[0] + Y * p.eye[1] + Z * p.eye[2],
  ];
}

// The scene point at screen x, y and depth d: the inverse of `project`.
export function unproject(p, x, y, d) {
  const a = (x - p.cx) / p.s;
  const b = (p.cy - y) / p.s;
  return [0, 1, 2].map((i) => a * p.right[i] + b * p.up[i] + d * p.eye[i]);
}

export const ZOOM_RANGE = [0.5, 12];

// The camera zoomed by `factor` about the screen point (x, y), which stays where it is (p: the
// camera's projection from `fit`); the zoom is kept within ZOOM_RANGE.
export function zoomAt(camera, x, y, factor, p) {
  const zoom = Math.max(ZOOM_RANGE[0], Math.min(ZOOM_RANGE[1], camera.zoom * factor));
  const f = zoom / camera.zoom;
  // every projected point q moves to (x, y) + f (q - (x, y)): the box's centre moves with it, and the
  // zoom alone would keep that centre in place
  const pan = [0, 1].map((i) => f * camera.pan[i] + (1 - f) * ([x, y][i] - p.centre[i]));
  return { ...camera, zoom, pan };
}

// Scene x or y of a domain coordinate, and back.
export function toScene(v, [lo, hi]) {
  return -1 + (2 * (v - lo)) / (hi - lo);
}

export function fromScene(V, [lo, hi]) {
  return lo + ((V + 1) / 2) * (hi - lo);
}
