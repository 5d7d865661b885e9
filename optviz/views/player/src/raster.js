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
    const d0 = sd[a];
    const d1 = sd[b];
    const d2 = sd[c];
    const r0 = colors[3 * a];
    const g0 = colors[3 * a + 1];
    const b0 = colors[3 * a + 2];
    const r1 = colors[3 * b];
    const g1 = colors[3 * b + 1];
    const b1 = colors[3 * b + 2];
    const r2 = colors[3 * c];
    const g2 = colors[3 * c + 1];
    const b2 = colors[3 * c + 2];
    const eps = -1e-6;
    for (let py = miny; py <= maxy; py++) {
      const cy = py + 0.5;
      let row = py * width + minx;
      for (let px = minx; px <= maxx; px++, row++) {
        const cx = px + 0.5;
        const w0 = ((x1 - cx) * (y2 - cy) - (x2 - cx) * (y1 - cy)) * inv;
        if (w0 < eps) continue;
        const w1 = ((x2 - cx) * (y0 - cy) - (x0 - cx) * (y2 - cy)) * inv;
        if (w1 < eps) continue;
        const w2 = 1 - w0 - w1;
        if (w2 < eps) continue;
        const d = w0 * d0 + w1 * d1 + w2 * d2;
        if (d <= depth[row]) continue;
        depth[row] = d;
        const r = (w0 * r0 + w1 * r1 + w2 * r2 + 0.5) | 0;
        const g = (w0 * g0 + w1 * g1 + w2 * g2 + 0.5) | 0;
        const bl = (w0 * b0 + w1 * b1 + w2 * b2 + 0.5) | 0;
        pixels[row] = ((255 << 24) | (bl << 16) | (g << 8) | r) >>> 0;
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
