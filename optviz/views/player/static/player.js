// The race player: draws a race on canvases and animates it in the browser.
//
// Every view has two stacked canvases: a static layer (contour image, surface mesh, axes, full
// curves) drawn when the data or the size changes, and an overlay redrawn for each step (trails,
// heads, arrows, step markers). A frame therefore costs a few polylines, whatever the surface, and
// there is no plotly.js animation on the page: its two bugs (a contour trace that vanishes when an
// animation starts, click events that stop after an animation) cannot occur, and the page does not
// have to load and evaluate the 4.8 MB plotly.js bundle. Clicks on the map are plain DOM events.
//
// Streamlit calls the default export again with new data on every rerun that changes the race; the
// player (kept per host element) keeps its step, play state, speed, camera and hidden runners.
//
// Hooks for tests and benchmarks, on the root (data-testid="optviz-player"): data-step, data-steps,
// data-playing, data-revision (the drawn race), data-heads / data-first / data-last (points per
// runner), data-plot (the map's plot box in CSS pixels and its domain), data-frames and data-fps
// (frames drawn while playing), data-render-ms, data-draw-ms and data-static-ms (drawing times).
// Controls and views carry data-testid="optviz-play", "optviz-scrub", "optviz-step",
// "optviz-speed", "optviz-contour", "optviz-surface3d", "optviz-loss", "optviz-distance", ...

const PLAYERS = new WeakMap();
const CLICK_SLOP = 5; // pixels a press may move and still count as a click
const LEGEND_EVERY = 100; // ms between legend value updates while playing

// Button icons as inline SVG: symbol fonts for media keys are missing on many machines.
const svg = (path) =>
  `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="currentColor">${path}</svg>`;
const ICONS = {
  play: svg('<path d="M4 2.5v11l9-5.5z"/>'),
  pause: svg('<path d="M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z"/>'),
  first: svg('<path d="M2.5 2.5h2v11h-2zM14 2.5v11L5.5 8z"/>'),
  back: svg('<path d="M12.5 2.5v11L4 8z"/>'),
  forward: svg('<path d="M3.5 2.5v11L12 8z"/>'),
  last: svg('<path d="M11.5 2.5h2v11h-2zM2 2.5v11L10.5 8z"/>'),
};

export default function mount(component) {
  const { parentElement, setTriggerValue } = component;
  const data = raceData(component.data);
  let player = PLAYERS.get(parentElement);
  if (!player || player.destroyed) {
    player = new Player(parentElement);
    PLAYERS.set(parentElement, player);
  }
  player.send = setTriggerValue;
  player.update(data);
  return () => {
    player.destroy();
    PLAYERS.delete(parentElement);
  };
}

// ------------------------------------------------------------------------------------------ helpers

// The race arrives as the bytes of its JSON text (see race_player in __init__.py).
function raceData(raw) {
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) return JSON.parse(new TextDecoder().decode(raw));
  return typeof raw === "string" ? JSON.parse(raw) : raw;
}

function f32(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function el(tag, attrs = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function niceTicks(low, high, count = 6) {
  if (!(high > low)) return [low];
  const raw = (high - low) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  // the step of 1, 2 or 5 x 10^k nearest the wanted spacing
  const step = [1, 2, 5, 10]
    .map((m) => m * power)
    .reduce((a, b) => (Math.abs(Math.log(b / raw)) < Math.abs(Math.log(a / raw)) ? b : a));
  const ticks = [];
  for (let v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

function tickText(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(6)));
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

function decade(k) {
  if (k === 0) return "1";
  if (k === 1) return "10";
  if (k === 2) return "100";
  return "10" + String(k).replace(/./g, (c) => SUPERSCRIPT[c]);
}

function sci(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

function logTicks(low, high) {
  const first = Math.ceil(low - 1e-9);
  const last = Math.floor(high + 1e-9);
  const every = Math.max(1, Math.ceil((last - first + 1) / 6));
  const out = [];
  for (let k = first; k <= last; k++) if (k % every === 0) out.push(k);
  return out;
}

function star(ctx, x, y, r) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  ctx.closePath();
}

function cross(ctx, x, y, r) {
  ctx.beginPath();
  ctx.moveTo(x - r, y - r);
  ctx.lineTo(x + r, y + r);
  ctx.moveTo(x + r, y - r);
  ctx.lineTo(x - r, y + r);
}

// The current path stroked twice: its casing (dark under light colours, white under black) under the
// runner's colour keeps it visible on every band of the map (the colours are chosen in optviz.style).
function haloStroke(ctx, width, color, halo, casing = "#ffffff") {
  ctx.lineWidth = width + halo;
  ctx.strokeStyle = casing;
  ctx.stroke();
  ctx.lineWidth = width;
  ctx.strokeStyle = color;
  ctx.stroke();
}

// Where a diverged run ended.
function endMark(ctx, x, y, size, color) {
  cross(ctx, x, y, size / 2);
  haloStroke(ctx, size / 4.5, color, size / 4.5);
}

// Where a run is now: a dot with a white ring.
function headMark(ctx, x, y, size, color) {
  ctx.beginPath();
  ctx.arc(x, y, size / 2, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 1.8;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
}

function haloText(ctx, text, x, y, color) {
  ctx.lineWidth = 3.5;
  ctx.strokeStyle = "rgba(255,255,255,0.92)";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

function hexToRgb(hex) {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

// --------------------------------------------------------------------------------------------- views

// A view: a panel with a static canvas under an overlay canvas, both at device resolution.
class View {
  constructor(player, parent, testid, title) {
    this.player = player;
    this.panel = el("div", { class: "ovz-panel" }, parent);
    this.base = el("canvas", { "data-testid": `${testid}-static`, role: "img", "aria-label": title }, this.panel);
    this.top = el("canvas", { class: "ovz-top", "data-testid": testid }, this.panel);
    this.tip = el("div", { class: "ovz-tip" }, this.panel);
    this.w = 0;
    this.h = 0;
  }

  resize() {
    const r = this.panel.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width));
    const h = Math.max(1, Math.round(r.height));
    if (w === this.w && h === this.h && dpr === this.dpr) return false;
    this.w = w;
    this.h = h;
    this.dpr = dpr;
    for (const c of [this.base, this.top]) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    return true;
  }

  context(canvas) {
    const ctx = canvas.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.font = this.player.font();
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    return ctx;
  }

  title(ctx, text) {
    ctx.save();
    ctx.font = this.player.font(1.08, 600);
    ctx.fillStyle = this.player.colors.text;
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(text, 12, this.player.fontSize * 1.45, this.w - 24);
    ctx.restore();
  }

  showTip(html, x, y) {
    this.tip.innerHTML = html;
    this.tip.style.display = "block";
    const tw = this.tip.offsetWidth;
    const th = this.tip.offsetHeight;
    this.tip.style.left = `${Math.min(this.w - tw - 4, Math.max(4, x + 14))}px`;
    this.tip.style.top = `${Math.min(this.h - th - 4, Math.max(4, y + 14))}px`;
  }

  hideTip() {
    this.tip.style.display = "none";
  }
}

// The contour map: image, minima, axes and colour bar below; trails, heads and arrows above.
class ContourView extends View {
  constructor(player, parent) {
    super(player, parent, "optviz-contour", "contour map");
    this.pending = null;
    this.press = null;
    this.top.addEventListener("pointerdown", (e) => {
      this.press = { x: e.offsetX, y: e.offsetY };
    });
    this.top.addEventListener("pointerup", (e) => this.release(e));
    this.top.addEventListener("pointermove", (e) => this.hover(e));
    this.top.addEventListener("pointerleave", () => {
      this.hideTip();
      this.top.style.cursor = "default";
    });
  }

  layout() {
    const fs = this.player.fontSize;
    const left = Math.round(fs * 4.1);
    const right = Math.round(fs * 6.2);
    const top = Math.round(fs * 2.6);
    const bottom = Math.round(fs * 3.3);
    this.plot = { x: left, y: top, w: Math.max(10, this.w - left - right), h: Math.max(10, this.h - top - bottom) };
    const [[x0, x1], [y0, y1]] = this.player.data.surface.domain;
    this.sx = (x) => this.plot.x + ((x - x0) / (x1 - x0)) * this.plot.w;
    this.sy = (y) => this.plot.y + ((y1 - y) / (y1 - y0)) * this.plot.h;
    this.dx = (px) => x0 + ((px - this.plot.x) / this.plot.w) * (x1 - x0);
    this.dy = (py) => y1 - ((py - this.plot.y) / this.plot.h) * (y1 - y0);
    this.player.root.dataset.plot = JSON.stringify({
      left: this.plot.x,
      top: this.plot.y,
      width: this.plot.w,
      height: this.plot.h,
      domain: this.player.data.surface.domain,
    });
  }

  staticKey() {
    const d = this.player.data;
    return [d.surface.key, d.titles.contour, d.titles.x, d.titles.y];
  }

  inside(x, y) {
    const p = this.plot;
    return x >= p.x && x <= p.x + p.w && y >= p.y && y <= p.y + p.h;
  }

  drawStatic() {
    const p = this.player;
    const d = p.data;
    this.layout();
    const ctx = this.context(this.base);
    const { x, y, w, h } = this.plot;
    this.title(ctx, `${d.titles.contour}`);
    const img = p.image;
    if (img && img.width > 0) {
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(img, x, y, w, h);
    } else {
      ctx.fillStyle = p.colors.panel;
      ctx.fillRect(x, y, w, h);
    }
    ctx.strokeStyle = p.colors.axis;
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
    this.axes(ctx);
    this.colorbar(ctx);
    ctx.lineWidth = 1.5;
    for (const [mx, my] of d.surface.minima) {
      star(ctx, this.sx(mx), this.sy(my), d.style.minimum * 0.55);
      ctx.fillStyle = "#ffffff";
      ctx.strokeStyle = "#222222";
      ctx.fill();
      ctx.stroke();
    }
  }

  axes(ctx) {
    const p = this.player;
    const [[x0, x1], [y0, y1]] = p.data.surface.domain;
    const { x, y, w, h } = this.plot;
    const fs = p.fontSize;
    ctx.fillStyle = p.colors.text;
    ctx.strokeStyle = p.colors.axis;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(x0, x1, Math.max(4, Math.round(w / 70)))) {
      const px = this.sx(t);
      ctx.beginPath();
      ctx.moveTo(px, y + h);
      ctx.lineTo(px, y + h + 5);
      ctx.stroke();
      ctx.fillText(tickText(t), px, y + h + 7);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of niceTicks(y0, y1, Math.max(4, Math.round(h / 60)))) {
      const py = this.sy(t);
      ctx.beginPath();
      ctx.moveTo(x - 5, py);
      ctx.lineTo(x, py);
      ctx.stroke();
      ctx.fillText(tickText(t), x - 7, py);
    }
    ctx.save();
    ctx.font = p.font(1, 600);
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(p.data.titles.x, x + w / 2, this.h - 6);
    ctx.translate(fs * 1.05, y + h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(p.data.titles.y, 0, 0);
    ctx.restore();
  }

  colorbar(ctx) {
    const p = this.player;
    const s = p.data.surface.scale;
    const fs = p.fontSize;
    const bx = this.plot.x + this.plot.w + fs * 0.9;
    const bw = fs * 0.9;
    const by = this.plot.y + fs * 1.2;
    const bh = this.plot.h - fs * 1.2;
    const n = s.colors.length;
    for (let i = 0; i < n; i++) {
      ctx.fillStyle = s.colors[i];
      const top = by + bh - ((i + 1) / n) * bh;
      ctx.fillRect(bx, top, bw, bh / n + 0.5);
    }
    ctx.strokeStyle = p.colors.axis;
    ctx.strokeRect(bx + 0.5, by + 0.5, bw - 1, bh - 1);
    ctx.fillStyle = p.colors.text;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const [t, label] of s.ticks) {
      const py = by + bh - ((t - s.low) / (s.high - s.low)) * bh;
      if (py < by - 1 || py > by + bh + 1) continue;
      ctx.beginPath();
      ctx.moveTo(bx + bw, py);
      ctx.lineTo(bx + bw + 4, py);
      ctx.stroke();
      ctx.fillText(label, bx + bw + 6, py);
    }
    ctx.save();
    ctx.font = p.font(0.92, 600);
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(s.title, bx + bw / 2 + fs, by - fs * 0.35);
    ctx.restore();
  }

  drawDynamic(step) {
    const p = this.player;
    const ctx = this.context(this.top);
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.plot.x, this.plot.y, this.plot.w, this.plot.h);
    ctx.clip();
    const st = p.data.style;
    const heads = p.runners.map((r) => {
      const head = p.headIndex(r, step);
      return [r.xy[2 * head], r.xy[2 * head + 1]];
    });
    for (const r of p.drawOrder) {
      if (r.hidden) continue;
      const head = p.headIndex(r, step);
      const from = p.trailStart(head);
      ctx.beginPath();
      for (let k = from; k <= head; k++) ctx.lineTo(this.sx(r.xy[2 * k]), this.sy(r.xy[2 * k + 1]));
      haloStroke(ctx, st.trail, r.color, st.casing, r.casing);
      // start: an open circle
      ctx.beginPath();
      ctx.arc(this.sx(r.xy[0]), this.sy(r.xy[1]), st.start / 2, 0, 2 * Math.PI);
      haloStroke(ctx, 2, r.color, 2.5);
    }
    if (p.options.arrows) this.arrows(ctx, step);
    const notes = []; // boxes taken by end markers and notes
    const ends = [];
    for (const r of p.runners) {
      if (r.hidden) continue;
      const head = p.headIndex(r, step);
      let hx = this.sx(r.xy[2 * head]);
      let hy = this.sy(r.xy[2 * head + 1]);
      if (p.ended(r, step)) {
        // a run that left the map before it blew up is marked where it left, at the edge
        const m = 9;
        hx = Math.max(this.plot.x + m, Math.min(this.plot.x + this.plot.w - m, hx));
        hy = Math.max(this.plot.y + m, Math.min(this.plot.y + this.plot.h - m, hy));
        endMark(ctx, hx, hy, st.end, r.color);
        const half = st.end / 2 + 3;
        ends.push({ r, hx, hy });
        notes.push({ left: hx - half, top: hy - half, w: 2 * half, h: 2 * half });
      } else {
        headMark(ctx, hx, hy, st.head, r.color);
        ctx.beginPath(); // a thin dark rim: the white ring alone vanishes on the palest bands
        ctx.arc(hx, hy, st.head / 2 + 1.4, 0, 2 * Math.PI);
        ctx.lineWidth = 0.8;
        ctx.strokeStyle = "rgba(0,0,0,0.55)";
        ctx.stroke();
      }
    }
    for (const { r, hx, hy } of ends) {
      this.note(ctx, notes, `${r.label}: ${st.note.replace("{step}", r.divergedAt)}`, hx, hy, r.color);
    }
    if (this.pending) {
      const px = this.sx(this.pending[0]);
      const py = this.sy(this.pending[1]);
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.arc(px, py, 9, 0, 2 * Math.PI);
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#111111";
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = p.font(0.92, 600);
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      haloText(ctx, "new start: running…", px + 13, py, "#111111");
    }
    ctx.restore();
    p.root.dataset.heads = JSON.stringify(heads.map(([x, y]) => [Number(x.toPrecision(7)), Number(y.toPrecision(7))]));
  }

  // A divergence note beside its X, moved down until it overlaps no earlier note.
  note(ctx, notes, text, x, y, color) {
    const p = this.player;
    ctx.font = p.font(0.9, 700);
    const w = ctx.measureText(text).width;
    const lh = p.fontSize * 1.25;
    const right = x > this.plot.x + this.plot.w * 0.6;
    const left = right ? x - 12 - w : x + 12;
    const fit = (t) => Math.max(this.plot.y + 2, Math.min(this.plot.y + this.plot.h - lh - 2, t));
    const hits = (t) =>
      notes.some((n) => left < n.left + n.w && n.left < left + w && t < n.top + n.h && n.top < t + lh);
    // the free line nearest the mark: 0, one up, one down, two up, ...
    let top = fit(y - lh / 2);
    for (let i = 1; i < 24 && hits(top); i++) top = fit(y - lh / 2 + (i % 2 ? -1 : 1) * Math.ceil(i / 2) * lh);
    notes.push({ left, top, w, h: lh });
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    haloText(ctx, text, left, top, color);
  }

  arrows(ctx, step) {
    const p = this.player;
    const len = p.fontSize * 3.3;
    for (const r of p.runners) {
      if (r.hidden || !r.grad || p.ended(r, step)) continue;
      const k = p.headIndex(r, step);
      if (k >= p.data.steps) continue;
      const hx = this.sx(r.xy[2 * k]);
      const hy = this.sy(r.xy[2 * k + 1]);
      // directions on screen: the axes may be scaled differently
      const g = [-r.grad[2 * k] * (this.plot.w / this.span(0)), r.grad[2 * k + 1] * (this.plot.h / this.span(1))];
      const u = [
        (r.xy[2 * k + 2] - r.xy[2 * k]) * (this.plot.w / this.span(0)),
        -(r.xy[2 * k + 3] - r.xy[2 * k + 1]) * (this.plot.h / this.span(1)),
      ];
      this.arrow(ctx, hx, hy, g, len, r.color, true);
      this.arrow(ctx, hx, hy, u, len, r.color, false);
    }
  }

  span(axis) {
    const [a, b] = this.player.data.surface.domain[axis];
    return b - a;
  }

  arrow(ctx, x, y, v, len, color, dashed) {
    const n = Math.hypot(v[0], v[1]);
    if (!(n > 0) || !Number.isFinite(n)) return;
    const ux = v[0] / n;
    const uy = v[1] / n;
    const ex = x + ux * len;
    const ey = y + uy * len;
    const head = 8;
    for (const [width, stroke] of [
      [dashed ? 4 : 5.5, "rgba(255,255,255,0.9)"],
      [dashed ? 1.6 : 2.6, color],
    ]) {
      ctx.setLineDash(dashed ? [5, 4] : []);
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(ex, ey);
      ctx.lineWidth = width;
      ctx.strokeStyle = stroke;
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(ex - head * (ux - 0.5 * uy), ey - head * (uy + 0.5 * ux));
      ctx.lineTo(ex, ey);
      ctx.lineTo(ex - head * (ux + 0.5 * uy), ey - head * (uy - 0.5 * ux));
      if (!dashed && stroke === color) {
        ctx.closePath();
        ctx.fillStyle = color;
        ctx.fill();
      }
      ctx.stroke();
    }
  }

  hover(e) {
    const p = this.player;
    if (!this.plot || !this.inside(e.offsetX, e.offsetY)) {
      this.hideTip();
      this.top.style.cursor = "default";
      return;
    }
    this.top.style.cursor = p.data.clickable ? "crosshair" : "default";
    const x = this.dx(e.offsetX);
    const y = this.dy(e.offsetY);
    let html = `${p.data.titles.x} = ${sci(x)}, ${p.data.titles.y} = ${sci(y)}`;
    let best = null;
    for (const r of p.runners) {
      if (r.hidden) continue;
      const k = p.headIndex(r, p.step);
      const d = Math.hypot(this.sx(r.xy[2 * k]) - e.offsetX, this.sy(r.xy[2 * k + 1]) - e.offsetY);
      if (d < 12 && (!best || d < best.d)) best = { d, r, k };
    }
    if (best) {
      const { r, k } = best;
      html =
        `<span class="ovz-dot" style="background:${r.color}"></span><b>${r.label}</b> · step ${k}<br>` +
        `(${sci(r.xy[2 * k])}, ${sci(r.xy[2 * k + 1])}) · f − f* = ${p.gap(r.gap[k])}`;
    } else if (p.data.clickable) {
      html += "<br>click to start every runner here";
    }
    this.showTip(html, e.offsetX, e.offsetY);
  }

  release(e) {
    const press = this.press;
    this.press = null;
    const p = this.player;
    if (!press || !p.data.clickable || e.button !== 0) return;
    if (Math.hypot(e.offsetX - press.x, e.offsetY - press.y) > CLICK_SLOP) return;
    if (!this.inside(e.offsetX, e.offsetY)) return;
    const digits = (axis) => Math.max(0, 3 - Math.floor(Math.log10(this.span(axis))));
    const x = Number(this.dx(e.offsetX).toFixed(digits(0)));
    const y = Number(this.dy(e.offsetY).toFixed(digits(1)));
    this.pending = [x, y];
    p.root.dataset.pending = JSON.stringify(this.pending);
    p.redraw(); // a race that is playing keeps playing: the new one continues from this step
    p.send("start", { x, y });
  }
}

// The surface in 3-D: an orthographic view of the mesh, painted back to front; drag to turn it.
class SurfaceView extends View {
  constructor(player, parent) {
    super(player, parent, "optviz-surface3d", "3-D surface");
    const [az, el] = player.data.style.camera;
    this.az = az;
    this.el = el;
    this.drag = null;
    this.top.style.cursor = "grab";
    this.top.addEventListener("pointerdown", (e) => {
      this.drag = { x: e.clientX, y: e.clientY, az: this.az, el: this.el };
      this.top.setPointerCapture(e.pointerId);
      this.top.style.cursor = "grabbing";
    });
    this.top.addEventListener("pointermove", (e) => {
      if (!this.drag) return;
      this.az = this.drag.az - (e.clientX - this.drag.x) * 0.45;
      this.el = Math.max(4, Math.min(88, this.drag.el + (e.clientY - this.drag.y) * 0.35));
      if (!this.queued) {
        this.queued = true;
        requestAnimationFrame(() => {
          this.queued = false;
          this.drawStatic();
          this.drawDynamic(this.player.step);
        });
      }
    });
    const end = () => {
      this.drag = null;
      this.top.style.cursor = "grab";
    };
    this.top.addEventListener("pointerup", end);
    this.top.addEventListener("pointercancel", end);
  }

  staticKey() {
    const d = this.player.data;
    return [d.surface.key, d.titles.surface, this.az, this.el];
  }

  refresh() {
    this.paths(); // new runners on the same surface and camera
  }

  // Scene coordinates: x, y in [-1, 1], height in [-ZH, ZH].
  camera() {
    const a = (this.az * Math.PI) / 180;
    const e = (this.el * Math.PI) / 180;
    const eye = [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), Math.sin(e)];
    const right = [-Math.sin(a), Math.cos(a), 0];
    const up = [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)];
    this.eye = eye;
    this.right = right;
    this.up = up;
    const fs = this.player.fontSize;
    const box = { x: fs * 2.2, y: fs * 2.6, w: this.w - fs * 4.4, h: this.h - fs * 4.4 };
    let minx = Infinity;
    let maxx = -Infinity;
    let miny = Infinity;
    let maxy = -Infinity;
    for (const X of [-1, 1])
      for (const Y of [-1, 1])
        for (const Z of [-SurfaceView.ZH, SurfaceView.ZH]) {
          const u = X * right[0] + Y * right[1];
          const v = X * up[0] + Y * up[1] + Z * up[2];
          minx = Math.min(minx, u);
          maxx = Math.max(maxx, u);
          miny = Math.min(miny, v);
          maxy = Math.max(maxy, v);
        }
    const s = Math.min(box.w / (maxx - minx), box.h / (maxy - miny));
    const cx = box.x + box.w / 2 - ((minx + maxx) / 2) * s;
    const cy = box.y + box.h / 2 + ((miny + maxy) / 2) * s;
    this.project = (X, Y, Z) => [
      cx + (X * right[0] + Y * right[1]) * s,
      cy - (X * up[0] + Y * up[1] + Z * up[2]) * s,
      X * eye[0] + Y * eye[1] + Z * eye[2],
    ];
  }

  scene(x, y, z) {
    const [[x0, x1], [y0, y1]] = this.player.data.surface.domain;
    const s = this.player.data.surface.scale;
    const t = (Math.min(s.high, Math.max(s.low, z)) - s.low) / (s.high - s.low);
    return [-1 + (2 * (x - x0)) / (x1 - x0), -1 + (2 * (y - y0)) / (y1 - y0), (2 * t - 1) * SurfaceView.ZH];
  }

  drawStatic() {
    const d = this.player.data;
    this.camera();
    const ctx = this.context(this.base);
    this.title(ctx, d.titles.surface);
    this.floor(ctx);
    this.mesh(ctx);
    ctx.lineWidth = 1.2;
    d.surface.minima.forEach(([mx, my], i) => {
      const [X, Y, Z] = this.scene(mx, my, d.surface.minimaZ[i]);
      const [px, py] = this.project(X, Y, Z + 0.02);
      star(ctx, px, py, d.style.minimum * 0.45);
      ctx.fillStyle = "#ffffff";
      ctx.strokeStyle = "#222222";
      ctx.fill();
      ctx.stroke();
    });
    this.heightAxis(ctx);
    this.paths();
  }

  // The mesh as flat-shaded cells in the colour of their band, painted back to front.
  mesh(ctx) {
    const p = this.player;
    const mesh = p.mesh;
    const n = p.data.surface.mesh.n;
    const s = p.data.surface.scale;
    const ZH = SurfaceView.ZH;
    const P = new Float32Array(n * n * 3); // screen x, y and depth per vertex
    const H = new Float32Array(n * n); // scene height per vertex
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const Z = (2 * ((mesh[j * n + i] - s.low) / (s.high - s.low)) - 1) * ZH;
        P.set(this.project(-1 + (2 * i) / (n - 1), -1 + (2 * j) / (n - 1), Z), 3 * (j * n + i));
        H[j * n + i] = Z;
      }
    const cells = (n - 1) * (n - 1);
    const order = new Uint32Array(cells);
    const depth = new Float32Array(cells);
    for (let c = 0; c < cells; c++) {
      const a = Math.floor(c / (n - 1)) * n + (c % (n - 1));
      order[c] = c;
      depth[c] = P[3 * a + 2] + P[3 * (a + 1) + 2] + P[3 * (a + n) + 2] + P[3 * (a + n + 1) + 2];
    }
    order.sort((a, b) => depth[a] - depth[b]);
    const light = [this.eye[0] * 0.5 + 0.25, this.eye[1] * 0.5 - 0.25, this.eye[2] * 0.5 + 0.75];
    const ln = Math.hypot(...light);
    const rgb = s.colors.map(hexToRgb);
    const dx = 2 / (n - 1);
    ctx.lineWidth = 0.6; // each cell is stroked in its own colour to close the seams between cells
    for (const c of order) {
      const a = Math.floor(c / (n - 1)) * n + (c % (n - 1));
      const idx = [a, a + 1, a + n + 1, a + n];
      const [z0, z1, z2, z3] = idx.map((k) => H[k]);
      // the cell's normal from its two diagonals, lit from above the viewer
      const gx = (z1 + z2 - z0 - z3) / (2 * dx);
      const gy = (z3 + z2 - z0 - z1) / (2 * dx);
      const lambert = Math.abs((-gx * light[0] - gy * light[1] + light[2]) / (Math.hypot(gx, gy, 1) * ln));
      const shade = 0.62 + 0.38 * lambert;
      const t = ((z0 + z1 + z2 + z3) / 4 / ZH + 1) / 2;
      const [r, g, b] = rgb[Math.min(rgb.length - 1, Math.max(0, Math.floor(t * rgb.length)))];
      const color = `rgb(${Math.round(r * shade)},${Math.round(g * shade)},${Math.round(b * shade)})`;
      ctx.beginPath();
      for (const k of idx) ctx.lineTo(P[3 * k], P[3 * k + 1]);
      ctx.closePath();
      ctx.fillStyle = color;
      ctx.strokeStyle = color;
      ctx.fill();
      ctx.stroke();
    }
  }

  // The floor of the box with tick labels on its two front edges and the height axis on a corner.
  floor(ctx) {
    const p = this.player;
    const d = p.data;
    const ZH = SurfaceView.ZH;
    const [[x0, x1], [y0, y1]] = d.surface.domain;
    const s = d.surface.scale;
    const corners = [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ].map(([X, Y]) => this.project(X, Y, -ZH));
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
    const nearY = this.eye[1] < 0 ? -1 : 1; // the x ticks go on the edge nearer the viewer
    const nearX = this.eye[0] < 0 ? -1 : 1;
    const label = (X, Y, Z, text, ox, oy) => {
      const [px, py] = this.project(X, Y, Z);
      ctx.textAlign = ox < -1 ? "right" : ox > 1 ? "left" : "center";
      ctx.textBaseline = "middle";
      ctx.fillText(text, px + ox, py + oy);
    };
    const sideX = this.project(0, nearY * 1.25, -ZH);
    const midX = this.project(0, nearY, -ZH);
    const sideY = this.project(nearX * 1.25, 0, -ZH);
    const midY = this.project(nearX, 0, -ZH);
    const fs = p.fontSize;
    for (const t of niceTicks(x0, x1, 5)) {
      const X = -1 + (2 * (t - x0)) / (x1 - x0);
      label(X, nearY * 1.12, -ZH, tickText(t), 0, 0);
    }
    for (const t of niceTicks(y0, y1, 5)) {
      const Y = -1 + (2 * (t - y0)) / (y1 - y0);
      label(nearX * 1.12, Y, -ZH, tickText(t), 0, 0);
    }
    ctx.font = p.font(0.92, 600);
    ctx.textAlign = "center";
    ctx.fillText(d.titles.x, midX[0] + (sideX[0] - midX[0]) * 2.2, midX[1] + (sideX[1] - midX[1]) * 2.2);
    ctx.fillText(d.titles.y, midY[0] + (sideY[0] - midY[0]) * 2.2, midY[1] + (sideY[1] - midY[1]) * 2.2);
  }

  // The height axis on the box's leftmost vertical edge, drawn over the mesh so it stays readable.
  heightAxis(ctx) {
    const p = this.player;
    const d = p.data;
    const ZH = SurfaceView.ZH;
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
      const q = this.project(X, Y, -ZH);
      if (!best || q[0] < best.q[0]) best = { X, Y, q };
    }
    const top = this.project(best.X, best.Y, ZH);
    ctx.beginPath();
    ctx.moveTo(best.q[0], best.q[1]);
    ctx.lineTo(top[0], top[1]);
    ctx.strokeStyle = p.colors.axis;
    ctx.stroke();
    ctx.font = p.font(0.85);
    for (const [t, text] of s.ticks) {
      const Z = ((t - s.low) / (s.high - s.low)) * 2 * ZH - ZH;
      if (Z < -ZH - 1e-9 || Z > ZH + 1e-9) continue;
      const [px, py] = this.project(best.X, best.Y, Z);
      ctx.beginPath();
      ctx.moveTo(px - 4, py);
      ctx.lineTo(px, py);
      ctx.stroke();
      ctx.textAlign = "right";
      ctx.fillText(text, px - 6, py);
    }
    ctx.save();
    ctx.font = p.font(0.92, 600);
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(d.titles.z, Math.max(4, top[0] - fs * 2.5), top[1] - fs * 0.45);
    ctx.restore();
  }

  // Screen positions of every runner's iterates for the current camera. Points off the domain
  // have no place in the box: their segments are left out and a head there is pinned to the edge.
  paths() {
    const p = this.player;
    const lift = 0.02;
    const inside = (v) => v >= -1.0001 && v <= 1.0001;
    for (const r of p.runners) {
      const m = r.z.length;
      const line = new Float32Array(2 * m);
      const pinned = new Float32Array(2 * m);
      for (let k = 0; k < m; k++) {
        const [X, Y, Z] = this.scene(r.xy[2 * k], r.xy[2 * k + 1], r.z[k]);
        const Xc = Math.max(-1, Math.min(1, X));
        const Yc = Math.max(-1, Math.min(1, Y));
        const q = this.project(Xc, Yc, Z + lift);
        pinned[2 * k] = q[0];
        pinned[2 * k + 1] = q[1];
        const ok = inside(X) && inside(Y);
        line[2 * k] = ok ? q[0] : NaN;
        line[2 * k + 1] = ok ? q[1] : NaN;
      }
      r.screen3d = line;
      r.pinned3d = pinned;
    }
  }

  drawDynamic(step) {
    const p = this.player;
    const st = p.data.style;
    const ctx = this.context(this.top);
    for (const r of p.drawOrder) {
      if (r.hidden || !r.screen3d) continue;
      const head = p.headIndex(r, step);
      const from = p.trailStart(head);
      const q = r.screen3d;
      ctx.beginPath();
      let open = false;
      for (let k = from; k <= head; k++) {
        const x = q[2 * k];
        if (Number.isNaN(x)) {
          open = false;
          continue;
        }
        if (open) ctx.lineTo(x, q[2 * k + 1]);
        else ctx.moveTo(x, q[2 * k + 1]);
        open = true;
      }
      haloStroke(ctx, st.trail, r.color, st.casing * 0.85, r.casing);
      const hx = r.pinned3d[2 * head];
      const hy = r.pinned3d[2 * head + 1];
      if (p.ended(r, step)) endMark(ctx, hx, hy, st.end * 0.85, r.color);
      else headMark(ctx, hx, hy, st.head * 0.9, r.color);
    }
  }
}
SurfaceView.ZH = 0.62;

// A curve panel: one series per runner against the step on a log axis, with the current step marked.
class CurveView extends View {
  constructor(player, parent, testid, kind) {
    super(player, parent, testid, kind);
    this.kind = kind;
    this.top.style.cursor = "ew-resize";
    const seek = (e) => {
      if (!this.plot) return;
      const step = Math.round(this.stepAt(e.offsetX));
      this.player.pause();
      this.player.seek(step);
    };
    this.top.addEventListener("pointerdown", (e) => {
      this.dragging = true;
      this.top.setPointerCapture(e.pointerId);
      seek(e);
    });
    this.top.addEventListener("pointermove", (e) => {
      if (this.dragging) seek(e);
      this.hover(e);
    });
    this.top.addEventListener("pointerup", () => {
      this.dragging = false;
    });
    this.top.addEventListener("pointerleave", () => this.hideTip());
  }

  // [label suffix, values, dashed, length] per series
  series() {
    const p = this.player;
    const out = [];
    for (const r of p.runners) {
      if (r.hidden) continue;
      const end = r.divergedAt === null ? r.gap.length : r.divergedAt;
      if (this.kind === "loss") out.push({ r, v: r.gap, first: 0, end, dash: false });
      else if (this.kind === "distance") out.push({ r, v: r.dist, first: 0, end, dash: false });
      else if (r.rate) {
        const n = r.divergedAt === null ? r.rate.length / 2 : Math.max(0, r.divergedAt - 1);
        for (const c of [0, 1]) {
          const v = new Float32Array(n + 1);
          for (let k = 1; k <= n; k++) v[k] = r.rate[2 * (k - 1) + c];
          v[0] = v[Math.min(1, n)];
          out.push({ r, v, first: 1, end: n + 1, dash: c === 1, coord: "xy"[c] });
        }
      }
    }
    return out;
  }

  texts() {
    const t = this.player.data.titles;
    if (this.kind === "loss") return [t.loss, t.lossAxis];
    if (this.kind === "distance") return [t.distance, t.distanceAxis];
    return [t.rate, t.rateAxis];
  }

  drawStatic() {
    const fs = this.player.fontSize;
    const [title, axis] = this.texts();
    this.plot = { x: fs * 4.3, y: fs * 2.5, w: this.w - fs * 5.1, h: this.h - fs * 5.2 };
    const ctx = this.context(this.base);
    this.title(ctx, title);
    this.lines = this.series();
    this.scales();
    this.axes(ctx, axis);
    this.curves(ctx);
    if (this.kind === "rate") this.rateNote(ctx);
  }

  // The log axis fits the runs that did not diverge (plus two decades): a blow-up to 1e15 would
  // flatten every other curve, so diverged curves leave through the top edge.
  scales() {
    const range = (lines) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const s of lines)
        for (let k = s.first; k < s.end; k++) {
          const v = s.v[k];
          if (v > 0 && Number.isFinite(v)) {
            const l = Math.log10(v);
            if (l < lo) lo = l;
            if (l > hi) hi = l;
          }
        }
      return [lo, hi];
    };
    const steady = this.lines.filter((s) => s.r.divergedAt === null);
    let [lo, hi] = range(steady.length ? steady : this.lines);
    if (steady.length && steady.length < this.lines.length) hi = Math.min(range(this.lines)[1], hi + 2);
    if (!Number.isFinite(lo)) {
      lo = -1;
      hi = 1;
    }
    lo = Math.max(lo, hi - 16); // a run that reaches the minimum exactly would stretch the axis
    if (hi - lo < 1) {
      lo -= 0.5;
      hi += 0.5;
    }
    const pad = (hi - lo) * 0.04;
    this.lo = lo - pad;
    this.hi = hi + pad;
    const steps = this.player.data.steps;
    const { x, y, w, h } = this.plot;
    this.sx = (k) => x + (k / steps) * w;
    this.ly = (l) => y + h - ((Math.min(this.hi, Math.max(this.lo, l)) - this.lo) / (this.hi - this.lo)) * h;
    this.sy = (v) => this.ly(v > 0 ? Math.log10(v) : this.lo);
    this.stepAt = (px) => Math.min(steps, Math.max(0, ((px - x) / w) * steps));
  }

  axes(ctx, axis) {
    const p = this.player;
    const { x, y, w, h } = this.plot;
    ctx.strokeStyle = p.colors.grid;
    ctx.fillStyle = p.colors.text;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const k of logTicks(this.lo, this.hi)) {
      const py = this.ly(k);
      ctx.beginPath();
      ctx.moveTo(x, py);
      ctx.lineTo(x + w, py);
      ctx.stroke();
      ctx.fillText(decade(k), x - 6, py);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const k of niceTicks(0, p.data.steps, Math.max(3, Math.round(w / 80)))) {
      const px = this.sx(k);
      ctx.beginPath();
      ctx.moveTo(px, y);
      ctx.lineTo(px, y + h);
      ctx.stroke();
      ctx.fillText(tickText(k), px, y + h + 5);
    }
    ctx.strokeStyle = p.colors.axis;
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
    ctx.save();
    ctx.font = p.font(0.95, 600);
    ctx.textBaseline = "bottom";
    ctx.fillText(p.data.titles.step, x + w / 2, this.h - 4);
    ctx.translate(p.fontSize * 0.95, y + h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(axis, 0, 0);
    ctx.restore();
  }

  // Every runner's whole curve, ending in an X where it diverged.
  curves(ctx) {
    const { x, y, w, h } = this.plot;
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w, h);
    ctx.clip();
    for (const s of this.lines) {
      ctx.beginPath();
      for (let k = s.first; k < s.end; k++) ctx.lineTo(this.sx(k), this.sy(s.v[k]));
      ctx.setLineDash(s.dash ? [2, 3] : []);
      ctx.lineWidth = 2;
      ctx.strokeStyle = s.r.color;
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const s of this.lines) {
      if (s.r.divergedAt === null || s.first !== 0) continue;
      const k = s.end - 1;
      endMark(ctx, this.sx(k), this.sy(s.v[k]), 11, s.r.color);
    }
    ctx.restore();
  }

  rateNote(ctx) {
    const p = this.player;
    const { x, y, w, h } = this.plot;
    if (this.lines.length === 0) {
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillStyle = p.colors.text;
      ctx.fillText("No adaptive method (Adagrad, RMSProp, Adam, …) in this race.", x + w / 2, y + h / 2);
      return;
    }
    const text = "solid: x coordinate · dotted: y coordinate";
    ctx.font = p.font(0.85);
    const tw = ctx.measureText(text).width;
    const lh = p.fontSize * 1.2;
    ctx.fillStyle = "rgba(255,255,255,0.88)";
    ctx.fillRect(x + w - tw - 12, y + 3, tw + 8, lh);
    ctx.fillStyle = p.colors.text;
    ctx.textAlign = "right";
    ctx.textBaseline = "top";
    ctx.fillText(text, x + w - 8, y + 3 + lh * 0.1);
  }

  drawDynamic(step) {
    const p = this.player;
    const ctx = this.context(this.top);
    const { y, h } = this.plot;
    const px = this.sx(step);
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(px, y);
    ctx.lineTo(px, y + h);
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = p.colors.text;
    ctx.stroke();
    ctx.setLineDash([]);
    for (const s of this.lines) {
      const k = Math.min(Math.max(step, s.first), s.end - 1);
      if (k < s.first) continue;
      const mx = this.sx(k);
      const my = this.sy(s.v[k]);
      if (p.ended(s.r, step)) continue; // the X drawn with the curve marks it
      ctx.beginPath();
      ctx.arc(mx, my, s.dash ? 3.5 : 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = s.r.color;
      ctx.fill();
      ctx.lineWidth = 1.3;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
  }

  hover(e) {
    if (!this.plot || !this.lines) return;
    const { x, y, w, h } = this.plot;
    if (e.offsetX < x || e.offsetX > x + w || e.offsetY < y || e.offsetY > y + h) {
      this.hideTip();
      return;
    }
    const k = Math.round(this.stepAt(e.offsetX));
    const rows = this.lines
      .filter((s) => k >= s.first && k < s.end)
      .slice(0, 14)
      .map(
        (s) =>
          `<span class="ovz-dot" style="background:${s.r.color}"></span>${s.r.label}` +
          `${s.coord ? ` (${s.coord})` : ""}: ${this.player.gap(s.v[k])}`,
      );
    this.showTip([`<b>step ${k}</b> · click to go there`, ...rows].join("<br>"), e.offsetX, e.offsetY);
  }
}

// ---------------------------------------------------------------------------------------- the player

class Player {
  constructor(host) {
    this.host = host;
    this.root = host.querySelector(".ovz") || el("div", { class: "ovz", "data-testid": "optviz-player" }, host);
    this.root.tabIndex = 0;
    this.step = 0;
    this.playing = false;
    this.speed = 30;
    this.frames = 0;
    this.renderMs = 0;
    this.hidden = new Set();
    this.destroyed = false;
    this.buildControls();
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.root);
    this.root.addEventListener("keydown", (e) => this.key(e));
  }

  destroy() {
    this.destroyed = true;
    this.playing = false;
    this.observer.disconnect();
  }

  font(scale = 1, weight = 400) {
    return `${weight} ${Math.round(this.fontSize * scale)}px ${this.fontFamily}`;
  }

  // ------------------------------------------------------------------------------------ controls

  buildControls() {
    const bar = el("div", { class: "ovz-bar" }, this.root);
    const button = (testid, icon, title, onclick) => {
      const b = el("button", { type: "button", "data-testid": testid, title, "aria-label": title }, bar);
      b.innerHTML = icon;
      b.addEventListener("click", onclick);
      return b;
    };
    this.playButton = button("optviz-play", "", "Play / pause (space)", () => this.toggle());
    this.playButton.classList.add("ovz-play");
    this.showPlaying(false);
    button("optviz-first", ICONS.first, "First step (Home)", () => this.pauseAndSeek(0));
    button("optviz-back", ICONS.back, "Step back (←)", () => this.pauseAndSeek(this.step - 1));
    button("optviz-forward", ICONS.forward, "Step forward (→)", () => this.pauseAndSeek(this.step + 1));
    button("optviz-last", ICONS.last, "Last step (End)", () => this.pauseAndSeek(this.data.steps));
    this.scrub = el("input", { type: "range", min: "0", max: "1", value: "0", class: "ovz-scrub" }, bar);
    this.scrub.setAttribute("data-testid", "optviz-scrub");
    this.scrub.setAttribute("aria-label", "Step");
    this.scrub.addEventListener("input", () => this.pauseAndSeek(Number(this.scrub.value)));
    this.readout = el("span", { class: "ovz-readout", "data-testid": "optviz-step", "aria-live": "off" }, bar);
    const speed = el("label", { class: "ovz-speed" }, bar);
    el("span", { text: "Speed" }, speed);
    this.speedSelect = el("select", { "data-testid": "optviz-speed", "aria-label": "Playback speed" }, speed);
    this.speedSelect.addEventListener("change", () => this.setSpeed(Number(this.speedSelect.value)));
    this.legend = el("div", { class: "ovz-legend", "data-testid": "optviz-legend" }, this.root);
    this.views = el("div", { class: "ovz-views" }, this.root);
    this.hint = el("div", { class: "ovz-hint" }, this.root);
  }

  speedOptions(speeds, extra) {
    const values = [...new Set([...speeds, extra])].sort((a, b) => a - b);
    this.speedSelect.innerHTML = "";
    for (const v of values) el("option", { value: String(v), text: `${v} ${v === 1 ? "step" : "steps"}/s` }, this.speedSelect);
    this.speedSelect.value = String(this.speed);
  }

  key(e) {
    if (e.target && e.target.tagName === "SELECT") return;
    const actions = {
      " ": () => this.toggle(),
      ArrowLeft: () => this.pauseAndSeek(this.step - 1),
      ArrowRight: () => this.pauseAndSeek(this.step + 1),
      Home: () => this.pauseAndSeek(0),
      End: () => this.pauseAndSeek(this.data.steps),
    };
    if (e.target === this.scrub && e.key !== " ") return; // the range input handles its own keys
    const act = actions[e.key];
    if (act) {
      e.preventDefault();
      act();
    }
  }

  // ------------------------------------------------------------------------------------------ data

  update(data) {
    const received = performance.now();
    const previous = this.data;
    const oldSteps = previous ? previous.steps : 0;
    this.data = data;
    this.options = data.options;
    this.runners = data.runners.map((r) => ({
      label: r.label,
      color: r.color,
      casing: r.casing,
      divergedAt: r.divergedAt,
      adaptive: r.adaptive,
      xy: f32(r.xy),
      gap: f32(r.gap),
      dist: f32(r.dist),
      z: f32(r.z),
      grad: r.grad ? f32(r.grad) : null,
      rate: r.rate ? f32(r.rate) : null,
      hidden: this.hidden.has(r.label),
    }));
    this.drawOrder = data.order.map((i) => this.runners[i]);
    this.mesh = f32(data.surface.mesh.z);
    const sameStart = previous && previous.start[0] === data.start[0] && previous.start[1] === data.start[1];
    if (!previous || (!sameStart && !this.playing)) {
      // a new race or a new start point: show the whole paths at once; Play replays them
      this.step = data.steps;
      this.playing = false;
    } else if (this.step >= oldSteps && !this.playing) {
      this.step = data.steps;
    } else {
      this.step = Math.min(this.step, data.steps);
    }
    if (!previous || previous.options.speed !== data.options.speed) this.speed = data.options.speed;
    this.speedOptions(data.options.speeds, data.options.speed);
    this.scrub.max = String(data.steps);
    this.contour && (this.contour.pending = null);
    delete this.root.dataset.pending;
    this.hint.textContent = data.clickable
      ? "Click the contour map to start every runner there · drag the 3-D view to turn it · " +
        "click a curve to jump to that step · click a legend entry to hide or show a runner."
      : "Drag the 3-D view to turn it · click a curve to jump to that step.";
    this.root.dataset.steps = String(data.steps);
    this.root.dataset.first = JSON.stringify(this.runners.map((r) => [r.xy[0], r.xy[1]]));
    const last = this.runners.map((r) => {
      const k = r.xy.length / 2 - 1;
      return [r.xy[2 * k], r.xy[2 * k + 1]];
    });
    this.root.dataset.last = JSON.stringify(last);
    this.buildLegend();
    const layoutKey = JSON.stringify([data.options.show3d, data.options.rates, data.options.height]);
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.buildViews();
    }
    this.contourImage(data.surface.image);
    this.resize(true);
    this.root.dataset.revision = data.rev;
    this.root.dataset.received = received.toFixed(0); // ms since navigation
    this.root.dataset.drawMs = (performance.now() - received).toFixed(1);
  }

  // The contour image, painted from the bands' run-length code: synchronous, so the map is drawn
  // in the same task as the rest (an <img> or createImageBitmap of a PNG waited 200-700 ms behind
  // Streamlit's own work on first load). Contour lines are where a band meets another.
  contourImage(image) {
    const key = image.runs;
    if (this.imageKey === key) return this.image;
    const n = image.size;
    const runs = Uint8Array.from(atob(image.runs), (c) => c.charCodeAt(0));
    const band = new Uint8Array(n * n);
    for (let i = 0, at = 0; i < runs.length; i += 2) {
      band.fill(runs[i], at, at + runs[i + 1]);
      at += runs[i + 1];
    }
    const bands = image.palette.length / 2;
    const colors = new Uint32Array(
      image.palette.map((hex) => {
        const [r, g, b] = hexToRgb(hex);
        return (255 << 24) | (b << 16) | (g << 8) | r; // RGBA bytes on a little-endian machine
      }),
    );
    const canvas = document.createElement("canvas");
    canvas.width = n;
    canvas.height = n;
    const ctx = canvas.getContext("2d");
    const pixels = ctx.createImageData(n, n);
    const out = new Uint32Array(pixels.data.buffer);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const i = y * n + x;
        const b = band[i];
        const line = (x < n - 1 && band[i + 1] !== b) || (y < n - 1 && band[i + n] !== b);
        out[i] = colors[line ? b + bands : b];
      }
    }
    ctx.putImageData(pixels, 0, 0);
    this.image = canvas;
    this.imageKey = key;
    return canvas;
  }

  buildViews() {
    this.views.innerHTML = "";
    const o = this.options;
    this.contour = new ContourView(this, this.views);
    this.surface3d = o.show3d ? new SurfaceView(this, this.views) : null;
    this.curveBox = el("div", { class: "ovz-column" }, this.views);
    this.curves = [
      new CurveView(this, this.curveBox, "optviz-loss", "loss"),
      new CurveView(this, this.curveBox, "optviz-distance", "distance"),
    ];
    if (o.rates) this.curves.push(new CurveView(this, this.curveBox, "optviz-rates", "rate"));
    this.arrange();
  }

  // The grid adapts to the width: one row of three views on a wide screen, two rows on a laptop.
  arrange() {
    const width = this.root.getBoundingClientRect().width || 1000;
    const H = this.options.height;
    this.fontSize = width >= 1400 ? 15 : width >= 900 ? 14 : 13;
    this.root.style.setProperty("--ovz-font", `${this.fontSize}px`);
    const v = this.views.style;
    const c = this.curveBox.style;
    const n = this.curves.length;
    const has3d = Boolean(this.surface3d);
    if (width >= 1180 || (!has3d && width >= 700)) {
      v.gridTemplateColumns = has3d ? "1.2fr 1fr 1fr" : "1.35fr 1fr";
      v.gridTemplateRows = `${H}px`;
      c.gridTemplateColumns = "1fr";
      c.gridTemplateRows = `repeat(${n}, 1fr)`;
      c.gridColumn = "auto";
    } else if (width >= 640) {
      // two views side by side: no taller than wide, or the map is squeezed into a strip
      const top = Math.max(300, Math.min(H, Math.round(width / 2)));
      v.gridTemplateColumns = "1fr 1fr";
      v.gridTemplateRows = `${top}px ${Math.max(230, Math.round(H * 0.45))}px`;
      c.gridTemplateColumns = `repeat(${n}, 1fr)`;
      c.gridTemplateRows = "1fr";
      c.gridColumn = "1 / span 2";
    } else {
      v.gridTemplateColumns = "1fr";
      v.gridTemplateRows = has3d ? `${H}px ${Math.round(H * 0.8)}px auto` : `${H}px auto`;
      c.gridTemplateColumns = "1fr";
      c.gridTemplateRows = `repeat(${n}, 220px)`;
      c.gridColumn = "auto";
    }
  }

  buildLegend() {
    this.legend.innerHTML = "";
    this.legendValues = [];
    for (const r of this.runners) {
      const item = el("button", { type: "button", class: "ovz-item", title: "Hide / show this runner" }, this.legend);
      item.setAttribute("data-testid", "optviz-legend-item");
      item.classList.toggle("ovz-off", r.hidden);
      const sw = el("span", { class: "ovz-swatch" }, item);
      sw.style.background = r.color;
      el("span", { text: r.label }, item);
      if (r.divergedAt !== null) {
        const note = el("span", { class: "ovz-note", text: `✕ ${this.data.style.note.replace("{step}", r.divergedAt)}` }, item);
        note.style.color = r.color;
        note.setAttribute("data-testid", "optviz-diverged");
      }
      this.legendValues.push(el("span", { class: "ovz-value" }, item));
      item.addEventListener("click", () => {
        r.hidden = !r.hidden;
        if (r.hidden) this.hidden.add(r.label);
        else this.hidden.delete(r.label);
        item.classList.toggle("ovz-off", r.hidden);
        this.drawAll();
      });
    }
    const marks = ["○ start", "● now", "✕ diverged", "★ minimum"];
    if (this.options.arrows) marks.push("⟶ update Δw", "⇢ −gradient");
    el("span", { class: "ovz-keys", text: marks.join("   ") }, this.legend);
  }

  // ------------------------------------------------------------------------------------- drawing

  // f - f* as text: the floor that keeps exact zeros on log axes reads as 0
  gap(v) {
    return v <= this.data.style.floor * 1.0001 ? "0" : sci(v);
  }

  headIndex(r, step) {
    return r.divergedAt === null ? step : Math.min(step, r.divergedAt - 1);
  }

  ended(r, step) {
    return r.divergedAt !== null && step >= r.divergedAt;
  }

  trailStart(head) {
    const t = this.options.trail;
    return t === null ? 0 : Math.max(0, head - t);
  }

  allViews() {
    return [this.contour, this.surface3d, ...this.curves].filter(Boolean);
  }

  resize(force = false) {
    if (!this.data || !this.contour) return;
    const style = getComputedStyle(this.root);
    this.fontFamily = style.fontFamily || "sans-serif";
    this.colors = {
      text: style.color || "#31333f",
      axis: "rgba(100,100,110,0.9)",
      grid: "rgba(128,128,140,0.22)",
      panel: style.getPropertyValue("--ovz-panel").trim() || "#f0f2f6",
    };
    this.arrange();
    let changed = force;
    for (const v of this.allViews()) changed = v.resize() || changed;
    if (changed) this.drawAll();
  }

  // Static layers are redrawn only when what they show changed: a new race on the same surface
  // repaints the curves and the paths, not the map or the mesh.
  drawAll() {
    const times = {};
    for (const v of this.allViews()) {
      if (v.w <= 1) continue;
      const t0 = performance.now();
      const key = v.staticKey ? JSON.stringify([v.staticKey(), v.w, v.h, v.dpr, this.fontSize, this.colors]) : null;
      if (key === null || key !== v.drawnKey) {
        v.drawStatic();
        v.drawnKey = key;
      } else if (v.refresh) {
        v.refresh();
      }
      v.ready = true;
      times[v.top.dataset.testid] = Number((performance.now() - t0).toFixed(1));
    }
    this.root.dataset.staticMs = JSON.stringify(times);
    this.redraw();
  }

  redraw() {
    const t0 = performance.now();
    const step = this.step;
    for (const v of this.allViews()) if (v.ready) v.drawDynamic(step);
    this.readout.textContent = `Step ${step} / ${this.data.steps}`;
    this.scrub.value = String(step);
    const now = performance.now();
    if (!this.playing || now - (this.legendAt || 0) > LEGEND_EVERY) {
      this.legendAt = now;
      this.runners.forEach((r, i) => {
        const k = this.headIndex(r, step);
        this.legendValues[i].textContent = this.ended(r, step) ? "" : `f − f* ${this.gap(r.gap[k])}`;
      });
    }
    this.root.dataset.step = String(step);
    this.renderMs = 0.9 * this.renderMs + 0.1 * (performance.now() - t0);
    this.root.dataset.renderMs = this.renderMs.toFixed(2);
  }

  // ------------------------------------------------------------------------------------ playback

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.step >= this.data.steps) this.step = 0;
    this.playing = true;
    this.root.dataset.playing = "true";
    this.showPlaying(true);
    this.loop();
  }

  loop() {
    // one animation chain at a time: a newer chain retires the older one
    const chain = (this.chain = (this.chain || 0) + 1);
    this.origin = { time: performance.now(), step: this.step };
    this.playStart = { time: this.origin.time, frames: this.frames };
    const tick = (now) => {
      if (!this.playing || this.destroyed || chain !== this.chain) return;
      // a frame's timestamp can precede the moment play was pressed: never step backwards
      const elapsed = Math.max(0, now - this.origin.time);
      const target = Math.min(this.data.steps, this.origin.step + Math.floor((elapsed * this.speed) / 1000));
      if (target !== this.step) {
        this.step = target;
        this.redraw();
        this.frames += 1;
        this.root.dataset.frames = String(this.frames);
        const seconds = (now - this.playStart.time) / 1000;
        if (seconds > 0.5) this.root.dataset.fps = ((this.frames - this.playStart.frames) / seconds).toFixed(1);
      }
      if (this.step >= this.data.steps) this.pause();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    this.root.dataset.playing = "false";
    this.showPlaying(false);
    if (this.data) this.redraw(); // the legend values catch up
  }

  showPlaying(playing) {
    this.playButton.innerHTML = playing ? `${ICONS.pause}<span>Pause</span>` : `${ICONS.play}<span>Play</span>`;
  }

  // The speed menu is the race's one speed control: the choice goes back to the app (and its link).
  setSpeed(speed) {
    this.speed = speed;
    if (this.playing) this.origin = { time: performance.now(), step: this.step };
    if (this.send) this.send("speed", speed);
  }

  seek(step) {
    this.step = Math.max(0, Math.min(this.data.steps, Math.round(step)));
    this.redraw();
  }

  pauseAndSeek(step) {
    this.pause();
    this.seek(step);
  }
}
