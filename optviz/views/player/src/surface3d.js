// The surface in 3-D: drawn pixel by pixel with smooth shading and a depth buffer (raster.js), paths
// hidden where the surface is in front of them. Drag to turn it, wheel or pinch to zoom, double-click
// to reset the camera; hover for x, y and f on the surface or at a head.
import { bytes, ended, headIndex, trailStart } from "./data.js";
import { escape } from "./dom.js";
import { endMark, headMark, haloStroke, minimumMark } from "./marks.js";
import { fit, fromScene, project, toScene, unproject, zoomAt } from "./projection.js";
import { cutPath, depthAt, rasterize, visible } from "./raster.js";
import { lossOf, pickTicks, sci, unit } from "./scales.js";
import { View } from "./view.js";

const HIDDEN_ALPHA = 0.3; // a head behind the surface is drawn this faint
const DEPTH_TOL = 0.02; // scene units: a path this little behind the surface still shows

export class SurfaceView extends View {
  constructor(player, parent) {
    super(player, parent, "optviz-surface3d", "3-D surface");
    this.camera = this.home();
    this.pointers = new Map();
    this.drag = null;
    this.top.style.cursor = "grab";
    this.top.addEventListener("pointerdown", (e) => this.down(e));
    this.top.addEventListener("pointermove", (e) => this.move(e));
    const up = (e) => this.up(e);
    this.top.addEventListener("pointerup", up);
    this.top.addEventListener("pointercancel", up);
    this.top.addEventListener("pointerleave", () => this.hideTip());
    // the page must not scroll while the wheel zooms the view
    this.top.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    this.top.addEventListener("dblclick", (e) => {
      e.preventDefault();
      this.setCamera(this.home());
    });
    this.showCamera();
  }

  home() {
    const [az, el] = this.player.data.style.camera;
    return { az, el, zoom: 1, pan: [0, 0] };
  }

  showCamera() {
    const c = this.camera;
    const r = (v) => Number(v.toFixed(3));
    this.player.root.dataset.camera = JSON.stringify({ az: r(c.az), el: r(c.el), zoom: r(c.zoom), pan: c.pan.map(r) });
  }

  setCamera(camera) {
    this.camera = camera;
    this.showCamera();
    this.schedule();
  }

  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.drawStatic();
      this.drawDynamic(this.player.step);
    });
  }

  // ------------------------------------------------------------------------------------ pointer

  down(e) {
    this.pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
    this.top.setPointerCapture(e.pointerId);
    this.hideTip();
    this.startGesture();
  }

  // One pointer turns the view; two pinch to zoom about their middle.
  startGesture() {
    const pts = [...this.pointers.values()];
    if (pts.length === 1) {
      this.drag = { x: pts[0].x, y: pts[0].y, az: this.camera.az, el: this.camera.el };
      this.top.style.cursor = "grabbing";
    } else if (pts.length === 2) {
      this.drag = { pinch: Math.hypot(pts[0].x - pts[1].x, pts[0].y - pts[1].y), camera: this.camera };
    }
  }

  move(e) {
    if (!this.pointers.has(e.pointerId)) {
      this.hover(e);
      return;
    }
    this.pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
    const d = this.drag;
    if (!d) return;
    const pts = [...this.pointers.values()];
    if (d.pinch !== undefined && pts.length === 2) {
      const dist = Math.hypot(pts[0].x - pts[1].x, pts[0].y - pts[1].y);
      const mx = (pts[0].x + pts[1].x) / 2;
      const my = (pts[0].y + pts[1].y) / 2;
      const factor = dist / Math.max(1, d.pinch);
      this.setCamera(zoomAt(d.camera, mx, my, factor, fit(d.camera, this.zh(), this.box())));
    } else if (d.pinch === undefined) {
      const az = d.az - (e.offsetX - d.x) * 0.45;
      const el = Math.max(4, Math.min(88, d.el + (e.offsetY - d.y) * 0.35));
      this.setCamera({ ...this.camera, az, el });
    }
  }

  up(e) {
    this.pointers.delete(e.pointerId);
    this.drag = null;
    this.top.style.cursor = "grab";
    if (this.pointers.size) this.startGesture();
  }

  wheel(e) {
    e.preventDefault();
    const lines = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.h : 1;
    const factor = Math.exp(-e.deltaY * lines * 0.0015);
    this.setCamera(zoomAt(this.camera, e.offsetX, e.offsetY, factor, this.proj));
  }

  // x, y and f under the pointer: at a head, that runner's values; on the surface, the drawn mesh's.
  hover(e) {
    const p = this.player;
    if (!this.proj || !this.buffer) return;
    const best = p.nearestHead((r, k) => {
      const q = r.pinned3d;
      return q ? Math.hypot(q[3 * k] - e.offsetX, q[3 * k + 1] - e.offsetY) : Infinity;
    });
    if (best) {
      this.showTip(p.headReadout(best.r, best.k), e.offsetX, e.offsetY);
      return;
    }
    const d = depthAt(this.buffer, e.offsetX, e.offsetY);
    if (!Number.isFinite(d)) {
      this.hideTip();
      return;
    }
    const s = p.data.surface;
    const [X, Y, Z] = unproject(this.proj, e.offsetX, e.offsetY, d);
    const value = s.scale.low + ((Z / this.zh() + 1) / 2) * (s.scale.high - s.scale.low);
    const t = p.data.titles;
    const x = fromScene(X, s.domain[0]);
    const y = fromScene(Y, s.domain[1]);
    this.showTip(
      `${escape(t.x)} = ${sci(x)}, ${escape(t.y)} = ${sci(y)}<br>f = ${sci(lossOf(s.scale, value))}` +
        (s.scale.log ? ` · ${escape(t.z)} = ${sci(value)}` : ""),
      e.offsetX,
      e.offsetY,
    );
  }

  // -------------------------------------------------------------------------------------- drawing

  zh() {
    return this.player.data.style.zAspect;
  }

  box() {
    const fs = this.player.fontSize;
    return { x: fs * 2.2, y: fs * 2.6, w: this.w - fs * 4.4, h: this.h - fs * 4.4 };
  }

  staticKey() {
    const d = this.player.data;
    return [d.surface.key, d.titles.surface, this.camera];
  }

  refresh() {
    this.paths(); // new runners on the same surface and camera
  }

  // Scene coordinates of a point of the domain at a height in the colour scale's units.
  scene(x, y, z) {
    const s = this.player.data.surface;
    return [toScene(x, s.domain[0]), toScene(y, s.domain[1]), (2 * unit(s.scale, z) - 1) * this.zh()];
  }

  drawStatic() {
    const t0 = performance.now();
    const p = this.player;
    const d = p.data;
    this.proj = fit(this.camera, this.zh(), this.box());
    const ctx = this.context(this.base);
    this.floor(ctx);
    this.mesh(ctx);
    this.heightAxis(ctx);
    ctx.lineWidth = 1.2;
    const lift = d.style.lift * 2 * this.zh();
    d.surface.minima.forEach(([mx, my], i) => {
      const [X, Y, Z] = this.scene(mx, my, d.surface.minimaZ[i]);
      const [px, py, depth] = project(this.proj, X, Y, Z + lift);
      ctx.globalAlpha = visible(this.buffer, px, py, depth, DEPTH_TOL) ? 1 : HIDDEN_ALPHA;
      minimumMark(ctx, px, py, d.style.minimum * 0.45, d.style.colors);
    });
    ctx.globalAlpha = 1;
    this.title(ctx, d.titles.surface); // last: a zoomed surface may reach the top
    this.paths();
    p.root.dataset.surfaceMs = (performance.now() - t0).toFixed(1);
  }

  // The surface, its vertices' colours shaded smoothly across each face, drawn into an off-screen buffer twice the screen's resolution on
  // ordinary screens (its edges are smoothed when it is scaled down), once on dense ones.
  mesh(ctx) {
    const p = this.player;
    const d = p.data;
    const n = d.surface.mesh.n;
    const key = d.surface.key;
    if (this.meshKey !== key) {
      const zh = this.zh();
      this.heights = p.mesh.map((v) => (2 * unit(d.surface.scale, v) - 1) * zh);
      this.colors = bytes(d.surface.mesh.rgb); // lit in Python (figures.mesh_colors)
      this.meshKey = key;
    }
    const k = this.dpr >= 2 ? this.dpr : 2 * this.dpr;
    const width = Math.round(this.w * k);
    const height = Math.round(this.h * k);
    if (!this.offscreen) this.offscreen = document.createElement("canvas");
    const off = this.offscreen;
    const octx = off.getContext("2d");
    if (off.width !== width || off.height !== height || !this.imageData) {
      off.width = width;
      off.height = height;
      this.imageData = octx.createImageData(width, height);
      this.buffer = null;
    }
    // the surface is drawn straight into the image's pixels
    const into = this.buffer || { pixels: new Uint32Array(this.imageData.data.buffer), depth: new Float32Array(width * height) };
    this.buffer = rasterize(this.proj, this.heights, this.colors, n, width, height, k, into);
    octx.putImageData(this.imageData, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(off, 0, 0, this.w, this.h);
  }

  // The floor of the box with tick labels on its two front edges.
  floor(ctx) {
    const p = this.player;
    const d = p.data;
    const zh = this.zh();
    const corners = [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ].map(([X, Y]) => project(this.proj, X, Y, -zh));
    ctx.beginPath();
    for (const [px, py] of corners) ctx.lineTo(px, py);
    ctx.closePath();
    ctx.fillStyle = p.colors.panel;
    ctx.fill();
    ctx.strokeStyle = p.colors.axis;
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.fillStyle = p.colors.text;
    ctx.font = p.font(0.85);
    const eye = this.proj.eye;
    const nearY = eye[1] < 0 ? -1 : 1; // the x ticks go on the edge nearer the viewer
    const nearX = eye[0] < 0 ? -1 : 1;
    const label = (X, Y, text) => {
      const [px, py] = project(this.proj, X, Y, -zh);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(text, px, py);
    };
    const [dx, dy] = d.surface.domain;
    for (const [t, text] of pickTicks(d.surface.axes.x, 5)) label(toScene(t, dx), nearY * 1.12, text);
    for (const [t, text] of pickTicks(d.surface.axes.y, 5)) label(nearX * 1.12, toScene(t, dy), text);
    const title = (X, Y, text) => {
      const [px, py] = project(this.proj, X, Y, -zh);
      ctx.fillText(text, px, py);
    };
    ctx.font = p.font(0.92, 600);
    ctx.textAlign = "center";
    title(0, nearY * 1.35, d.titles.x);
    title(nearX * 1.35, 0, d.titles.y);
  }

  // The height axis on the box's leftmost vertical edge, drawn over the surface so it stays readable.
  heightAxis(ctx) {
    const p = this.player;
    const d = p.data;
    const zh = this.zh();
    const s = d.surface.scale;
    const fs = p.fontSize;
    ctx.fillStyle = p.colors.text;
    ctx.textBaseline = "middle";
    let best = null;
    for (const [X, Y] of [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ]) {
      const q = project(this.proj, X, Y, -zh);
      if (!best || q[0] < best.q[0]) best = { X, Y, q };
    }
    const top = project(this.proj, best.X, best.Y, zh);
    ctx.beginPath();
    ctx.moveTo(best.q[0], best.q[1]);
    ctx.lineTo(top[0], top[1]);
    ctx.strokeStyle = p.colors.axis;
    ctx.stroke();
    ctx.font = p.font(0.85);
    const marks = s.ticks
      .filter(([t]) => t >= s.low - 1e-9 && t <= s.high + 1e-9)
      .map(([t, text]) => [...project(this.proj, best.X, best.Y, (2 * unit(s, t) - 1) * zh), text]);
    // A short or steeply seen axis labels every few ticks, so that labels never overlap.
    const gap = marks.length > 1 ? Math.abs(marks[0][1] - marks[marks.length - 1][1]) / (marks.length - 1) : Infinity;
    const every = Math.max(1, Math.ceil((fs * 1.05) / Math.max(gap, 1e-9)));
    marks.forEach(([px, py, , text], i) => {
      ctx.beginPath();
      ctx.moveTo(px - 4, py);
      ctx.lineTo(px, py);
      ctx.stroke();
      if (i % every !== 0) return;
      ctx.textAlign = "right";
      ctx.fillText(text, px - 6, py);
    });
    ctx.save();
    ctx.font = p.font(0.92, 600);
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(d.titles.z, Math.max(4, top[0] - fs * 2.5), top[1] - fs * 0.45);
    ctx.restore();
  }

  // Every runner's path on screen for the current camera, cut where the surface hides it. Points off
  // the domain have no place in the box: their segments are left out and a head there is pinned to
  // the edge.
  paths() {
    const p = this.player;
    if (!this.proj || !this.buffer) return;
    const lift = p.data.style.lift * 2 * this.zh();
    const inside = (v) => v >= -1.0001 && v <= 1.0001;
    for (const r of p.runners) {
      const m = r.z.length;
      const points = new Float32Array(3 * m);
      const pinned = new Float32Array(3 * m);
      for (let k = 0; k < m; k++) {
        const [X, Y, Z] = this.scene(r.xy[2 * k], r.xy[2 * k + 1], r.z[k]);
        const q = project(this.proj, Math.max(-1, Math.min(1, X)), Math.max(-1, Math.min(1, Y)), Z + lift);
        pinned.set(q, 3 * k);
        const ok = inside(X) && inside(Y);
        points.set(ok ? q : [NaN, NaN, NaN], 3 * k);
      }
      r.pinned3d = pinned;
      r.path3d = cutPath(this.buffer, points, m, DEPTH_TOL);
    }
  }

  drawDynamic(step) {
    const p = this.player;
    const st = p.data.style;
    const ctx = this.context(this.top);
    for (const r of p.drawOrder) {
      if (r.hidden || !r.path3d) continue;
      const head = headIndex(r, step);
      const path = r.path3d;
      ctx.beginPath();
      let open = false;
      for (let i = path.at[trailStart(head, p.options.trail)]; i <= path.at[head]; i++) {
        const x = path.x[i];
        if (Number.isNaN(x)) {
          open = false;
          continue;
        }
        if (open && path.shown[i]) ctx.lineTo(x, path.y[i]);
        else ctx.moveTo(x, path.y[i]);
        open = true;
      }
      haloStroke(ctx, st.trail, r.color, st.casing * 0.85, r.casing);
      const q = r.pinned3d;
      const [hx, hy, hd] = [q[3 * head], q[3 * head + 1], q[3 * head + 2]];
      ctx.globalAlpha = visible(this.buffer, hx, hy, hd, DEPTH_TOL) ? 1 : HIDDEN_ALPHA;
      if (ended(r, step)) endMark(ctx, hx, hy, st.end * 0.85, r.color);
      else headMark(ctx, hx, hy, st.head * 0.9, r.color, st.colors.ring);
      ctx.globalAlpha = 1;
    }
  }
}
