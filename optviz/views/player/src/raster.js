// The 3-D surface drawn pixel by pixel: its vertices' colours (lit in Python,
// figures.mesh_colors) interpolated across each triangle (smooth shading), with a depth buffer, which also tells which parts of a path the surface hides. Pure functions of
// typed arrays, no DOM.
import { project } from "./projection.js";

// The mesh drawn into a buffer of `width` x `height` pixels, `k` pixels per CSS pixel, through the
// projection `p` (projection.fit). Returns RGBA words (0 where the surface is not) and depths
// (-Infinity there). `into` ({pixels, depth} of the same size, e.g. the last result) is reused.
export function rasterize(p, heights, colors, n, width, height, k, into = null) {
  const size = width * height;
  const reuse = into && into.pixels.length === size && into.depth.length === size;
  const pixels = reuse ? into.pixels.fill(0) : new Uint32Array(size);
  const depth = (reuse ? into.depth : new Float32Array(size)).fill(-Infinity);
  const sx = new Float32Array(n * n);
  const sy = new Float32Array(n * n);
  const sd = new Float32Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const v = j * n + i;
      const q = project(p, -1 + (2 * i) / (n - 1), -1 + (2 * j) / (n - 1), heights[v]);
      sx[v] = q[0] * k;
      sy[v] = q[1] * k;
      sd[v] = q[2];
    }
  // One triangle: each attribute (depth, red, green, blue) is a plane over the screen, so along a
  // row it changes by a constant per pixel; each row is filled only over the pixels the triangle
  // covers (where its three barycentric weights are >= 0).
  const EPS = -1e-6;
  const tri = (a, b, c) => {
    const x0 = sx[a];
    const y0 = sy[a];
    const x1 = sx[b];
    const y1 = sy[b];
    const x2 = sx[c];
    const y2 = sy[c];
    const area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (!(Math.abs(area) > 1e-9)) return;
    const minx = Math.max(0, Math.floor(Math.min(x0, x1, x2)));
    const maxx = Math.min(width - 1, Math.ceil(Math.max(x0, x1, x2)));
    const miny = Math.max(0, Math.floor(Math.min(y0, y1, y2)));
    const maxy = Math.min(height - 1, Math.ceil(Math.max(y0, y1, y2)));
    if (minx > maxx || miny > maxy) return;
    const inv = 1 / area;
    // w0 = A0 + B0 x + C0 y, w1 = A1 + B1 x + C1 y, w2 = 1 - w0 - w1 (x, y: a pixel's centre)
    const A0 = (x1 * y2 - x2 * y1) * inv;
    const B0 = (y1 - y2) * inv;
    const C0 = (x2 - x1) * inv;
    const A1 = (x2 * y0 - x0 * y2) * inv;
    const B1 = (y2 - y0) * inv;
    const C1 = (x0 - x2) * inv;
    const A2 = 1 - A0 - A1;
    const B2 = -B0 - B1;
    const C2 = -C0 - C1;
    // an attribute f = f2 + w0 (f0 - f2) + w1 (f1 - f2) is a plane: f00 + fdx x + fdy y
    const dd0 = sd[a] - sd[c];
    const dd1 = sd[b] - sd[c];
    const d00 = sd[c] + A0 * dd0 + A1 * dd1;
    const ddx = B0 * dd0 + B1 * dd1;
    const ddy = C0 * dd0 + C1 * dd1;
    const ca = 3 * a;
    const cb = 3 * b;
    const cc = 3 * c;
    const r0 = colors[ca] - colors[cc];
    const r1 = colors[cb] - colors[cc];
    const g0 = colors[ca + 1] - colors[cc + 1];
    const g1 = colors[cb + 1] - colors[cc + 1];
    const k0 = colors[ca + 2] - colors[cc + 2];
    const k1 = colors[cb + 2] - colors[cc + 2];
    const r00 = colors[cc] + A0 * r0 + A1 * r1 + 0.5;
    const rdx = B0 * r0 + B1 * r1;
    const rdy = C0 * r0 + C1 * r1;
    const g00 = colors[cc + 1] + A0 * g0 + A1 * g1 + 0.5;
    const gdx = B0 * g0 + B1 * g1;
    const gdy = C0 * g0 + C1 * g1;
    const b00 = colors[cc + 2] + A0 * k0 + A1 * k1 + 0.5;
    const bdx = B0 * k0 + B1 * k1;
    const bdy = C0 * k0 + C1 * k1;
    for (let py = miny; py <= maxy; py++) {
      const cy = py + 0.5;
      // on this row each weight is w + B x (x: a pixel centre); keep the x where all are >= EPS
      let lo = minx + 0.5;
      let hi = maxx + 0.5;
      const w0 = A0 + C0 * cy;
      const w1 = A1 + C1 * cy;
      const w2 = A2 + C2 * cy;
      if (B0 > 1e-12) lo = Math.max(lo, (EPS - w0) / B0);
      else if (B0 < -1e-12) hi = Math.min(hi, (EPS - w0) / B0);
      else if (w0 < EPS) continue;
      if (B1 > 1e-12) lo = Math.max(lo, (EPS - w1) / B1);
      else if (B1 < -1e-12) hi = Math.min(hi, (EPS - w1) / B1);
      else if (w1 < EPS) continue;
      if (B2 > 1e-12) lo = Math.max(lo, (EPS - w2) / B2);
      else if (B2 < -1e-12) hi = Math.min(hi, (EPS - w2) / B2);
      else if (w2 < EPS) continue;
      const first = Math.max(minx, Math.ceil(lo - 0.5));
      const last = Math.min(maxx, Math.floor(hi - 0.5));
      if (first > last) continue;
      const cx = first + 0.5;
      let d = d00 + ddx * cx + ddy * cy;
      let r = r00 + rdx * cx + rdy * cy;
      let g = g00 + gdx * cx + gdy * cy;
      let bl = b00 + bdx * cx + bdy * cy;
      for (let i = py * width + first, end = py * width + last; i <= end; i++) {
        if (d > depth[i]) {
          depth[i] = d;
          pixels[i] = ((255 << 24) | ((bl & 255) << 16) | ((g & 255) << 8) | (r & 255)) >>> 0;
        }
        d += ddx;
        r += rdx;
        g += gdx;
        bl += bdx;
      }
    }
  };
  for (let j = 0; j < n - 1; j++)
    for (let i = 0; i < n - 1; i++) {
      const a = j * n + i;
      tri(a, a + 1, a + n + 1);
      tri(a, a + n + 1, a + n);
    }
  return { pixels, depth, width, height, k };
}

// The surface's depth nearest the viewer at CSS pixel (x, y), or -Infinity where there is none.
export function depthAt(buffer, x, y) {
  const px = Math.floor(x * buffer.k);
  const py = Math.floor(y * buffer.k);
  if (px < 0 || py < 0 || px >= buffer.width || py >= buffer.height) return -Infinity;
  return buffer.depth[py * buffer.width + px];
}

// Whether a point at CSS pixel (x, y) and depth d is in front of the surface, or behind it by less
// than `tol`. Lenient where the surface is steep on screen: hidden only when the surface is in front
// at every buffer pixel around the point.
export function visible(buffer, x, y, d, tol) {
  const r = 1;
  const px = Math.floor(x * buffer.k);
  const py = Math.floor(y * buffer.k);
  for (let j = py - r; j <= py + r; j++)
    for (let i = px - r; i <= px + r; i++) {
      if (i < 0 || j < 0 || i >= buffer.width || j >= buffer.height) return true;
      if (!(buffer.depth[j * buffer.width + i] > d + tol)) return true;
    }
  return false;
}

const PIECE = 4; // CSS pixels: a path's segments are tested against the surface in pieces this long

// A path's screen polyline, cut into pieces that are each wholly shown or hidden by the surface.
// `points` are the iterates' screen x, y and depth (NaN x: off the box, no segment to or from it).
// Returns x, y and `shown` (whether the piece ending at that point is drawn) per point, and `at[k]`:
// the index of iterate k.
export function cutPath(buffer, points, count, tol) {
  const xs = [];
  const ys = [];
  const shown = [];
  const at = new Uint32Array(count);
  for (let k = 0; k < count; k++) {
    const x = points[3 * k];
    const y = points[3 * k + 1];
    const d = points[3 * k + 2];
    const px = k > 0 ? points[3 * k - 3] : NaN;
    if (Number.isNaN(x) || Number.isNaN(px)) {
      at[k] = xs.length;
      xs.push(x);
      ys.push(y);
      shown.push(false);
      continue;
    }
    const py = points[3 * k - 2];
    const pd = points[3 * k - 1];
    const pieces = Math.max(1, Math.min(400, Math.ceil(Math.hypot(x - px, y - py) / PIECE)));
    for (let i = 1; i <= pieces; i++) {
      const t = i / pieces;
      const m = (i - 0.5) / pieces;
      xs.push(px + (x - px) * t);
      ys.push(py + (y - py) * t);
      shown.push(visible(buffer, px + (x - px) * m, py + (y - py) * m, pd + (d - pd) * m, tol));
    }
    at[k] = xs.length - 1;
  }
  return { x: Float32Array.from(xs), y: Float32Array.from(ys), shown: Uint8Array.from(shown), at };
}
