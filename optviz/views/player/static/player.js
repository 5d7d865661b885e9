// The race player, built from optviz/views/player/src by `npm run build` (scripts/player-bundle.mjs).
// Do not edit: change the sources and rebuild; `npm run check:bundle` fails while this file is stale.

// optviz/views/player/src/data.js
function raceData(raw) {
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) return JSON.parse(new TextDecoder().decode(raw));
  return typeof raw === "string" ? JSON.parse(raw) : raw;
}
function bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function f32(b64) {
  const b = bytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}
function decodeRuns(runs, size) {
  const out = new Uint8Array(size * size);
  let at = 0;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    out.fill(runs[i], at, at + runs[i + 1]);
    at += runs[i + 1];
  }
  if (at !== size * size) throw new Error(`contour picture: ${at} pixels for ${size} x ${size}`);
  return out;
}
function paint(indices, palette) {
  const words = new Uint32Array(palette.map(([r, g, b]) => (255 << 24 | b << 16 | g << 8 | r) >>> 0));
  const out = new Uint32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = words[indices[i]];
  return out;
}
function decodeRunners(data, hidden = /* @__PURE__ */ new Set()) {
  return data.runners.map((r) => ({
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
    hidden: hidden.has(r.label)
  }));
}
function headIndex(runner, step) {
  return runner.divergedAt === null ? step : Math.min(step, runner.divergedAt - 1);
}
function ended(runner, step) {
  return runner.divergedAt !== null && step >= runner.divergedAt;
}
function trailStart(head, trail) {
  return trail === null ? 0 : Math.max(0, head - trail);
}

// optviz/views/player/src/dom.js
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
function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// optviz/views/player/src/controls.js
var svg = (path) => `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="currentColor">${path}</svg>`;
var ICONS = {
  play: svg('<path d="M4 2.5v11l9-5.5z"/>'),
  pause: svg('<path d="M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z"/>'),
  first: svg('<path d="M2.5 2.5h2v11h-2zM14 2.5v11L5.5 8z"/>'),
  back: svg('<path d="M12.5 2.5v11L4 8z"/>'),
  forward: svg('<path d="M3.5 2.5v11L12 8z"/>'),
  last: svg('<path d="M11.5 2.5h2v11h-2zM2 2.5v11L10.5 8z"/>')
};
function buildControls(player) {
  const bar = el("div", { class: "ovz-bar" }, player.root);
  const button = (testid, icon, title, onclick) => {
    const b = el("button", { type: "button", "data-testid": testid, title, "aria-label": title }, bar);
    b.innerHTML = icon;
    b.addEventListener("click", onclick);
    return b;
  };
  const play = button("optviz-play", "", "Play / pause (space)", () => player.toggle());
  play.classList.add("ovz-play");
  button("optviz-first", ICONS.first, "First step (Home)", () => player.pauseAndSeek(0));
  button("optviz-back", ICONS.back, "Step back (←)", () => player.pauseAndSeek(player.step - 1));
  button("optviz-forward", ICONS.forward, "Step forward (→)", () => player.pauseAndSeek(player.step + 1));
  button("optviz-last", ICONS.last, "Last step (End)", () => player.pauseAndSeek(player.data.steps));
  const scrub = el("input", { type: "range", min: "0", max: "1", value: "0", class: "ovz-scrub" }, bar);
  scrub.setAttribute("data-testid", "optviz-scrub");
  scrub.setAttribute("aria-label", "Step");
  scrub.addEventListener("input", () => player.pauseAndSeek(Number(scrub.value)));
  const readout = el("span", { class: "ovz-readout", "data-testid": "optviz-step", "aria-live": "off" }, bar);
  const speedLabel = el("label", { class: "ovz-speed" }, bar);
  el("span", { text: "Speed" }, speedLabel);
  const speed = el("select", { "data-testid": "optviz-speed", "aria-label": "Playback speed" }, speedLabel);
  speed.addEventListener("change", () => player.setSpeed(Number(speed.value)));
  return { play, scrub, readout, speed };
}
function showPlaying(button, playing) {
  button.innerHTML = playing ? `${ICONS.pause}<span>Pause</span>` : `${ICONS.play}<span>Play</span>`;
}
function speedOptions(select, speeds, extra, current) {
  const values = [.../* @__PURE__ */ new Set([...speeds, extra])].sort((a, b) => a - b);
  select.innerHTML = "";
  for (const v of values) el("option", { value: String(v), text: `${v} ${v === 1 ? "step" : "steps"}/s` }, select);
  select.value = String(current);
}
function buildLegend(player, legend) {
  legend.innerHTML = "";
  const values = [];
  for (const r of player.runners) {
    const item = el("button", { type: "button", class: "ovz-item", title: "Hide / show this runner" }, legend);
    item.setAttribute("data-testid", "optviz-legend-item");
    item.classList.toggle("ovz-off", r.hidden);
    const sw = el("span", { class: "ovz-swatch" }, item);
    sw.style.background = r.color;
    el("span", { text: r.label }, item);
    if (r.divergedAt !== null) {
      const text = `✕ ${player.data.style.note.replace("{step}", r.divergedAt)}`;
      const note = el("span", { class: "ovz-note", text }, item);
      note.style.color = r.color;
      note.setAttribute("data-testid", "optviz-diverged");
    }
    values.push(el("span", { class: "ovz-value" }, item));
    item.addEventListener("click", () => {
      item.classList.toggle("ovz-off", player.toggleRunner(r));
    });
  }
  const marks = ["○ start", "● now", "✕ diverged", "★ minimum"];
  if (player.options.arrows) marks.push("⟶ update Δw", "⇢ −gradient");
  el("span", { class: "ovz-keys", text: marks.join("   ") }, legend);
  return values;
}
function onKey(player, e) {
  if (e.target && e.target.tagName === "SELECT") return;
  const actions = {
    " ": () => player.toggle(),
    ArrowLeft: () => player.pauseAndSeek(player.step - 1),
    ArrowRight: () => player.pauseAndSeek(player.step + 1),
    Home: () => player.pauseAndSeek(0),
    End: () => player.pauseAndSeek(player.data.steps)
  };
  if (e.target === player.controls.scrub && e.key !== " ") return;
  const act = actions[e.key];
  if (act) {
    e.preventDefault();
    act();
  }
}
function hint(clickable, show3d) {
  const parts = [];
  if (clickable) parts.push("Click the contour map to start every runner there");
  if (show3d) parts.push("drag the 3-D view to turn it, wheel or pinch to zoom, double-click to reset");
  parts.push("click a curve to jump to that step", "click a legend entry to hide or show a runner.");
  const text = parts.join(" · ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// optviz/views/player/src/marks.js
function star(ctx, x, y, r) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + i * Math.PI / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  ctx.closePath();
}
function minimumMark(ctx, x, y, r, colors) {
  star(ctx, x, y, r);
  ctx.fillStyle = colors.minimum;
  ctx.strokeStyle = colors.minimumEdge;
  ctx.fill();
  ctx.stroke();
}
function cross(ctx, x, y, r) {
  ctx.beginPath();
  ctx.moveTo(x - r, y - r);
  ctx.lineTo(x + r, y + r);
  ctx.moveTo(x + r, y - r);
  ctx.lineTo(x - r, y + r);
}
function haloStroke(ctx, width, color, halo, casing = "#ffffff") {
  ctx.lineWidth = width + halo;
  ctx.strokeStyle = casing;
  ctx.stroke();
  ctx.lineWidth = width;
  ctx.strokeStyle = color;
  ctx.stroke();
}
function endMark(ctx, x, y, size, color) {
  cross(ctx, x, y, size / 2);
  haloStroke(ctx, size / 4.5, color, size / 4.5);
}
function headMark(ctx, x, y, size, color, ring) {
  ctx.beginPath();
  ctx.arc(x, y, size / 2, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 1.8;
  ctx.strokeStyle = ring;
  ctx.stroke();
}
function haloText(ctx, text, x, y, color) {
  ctx.lineWidth = 3.5;
  ctx.strokeStyle = "rgba(255,255,255,0.92)";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

// optviz/views/player/src/scales.js
function pickTicks(ladder, count) {
  const i = Math.max(0, Math.min(ladder.pick.length - 1, Math.round(count)));
  return ladder.rungs[ladder.pick[i]];
}
function sci(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}
function unit(scale, value) {
  const t = (value - scale.low) / (scale.high - scale.low);
  return t < 0 ? 0 : t > 1 ? 1 : t;
}
function lossOf(scale, value) {
  return scale.log ? scale.offset + 10 ** value : value;
}

// optviz/views/player/src/view.js
var View = class {
  constructor(player, parent, testid, title) {
    this.player = player;
    this.panel = el("div", { class: "ovz-panel" }, parent);
    this.base = el("canvas", { "data-testid": `${testid}-static`, role: "img", "aria-label": title }, this.panel);
    this.top = el("canvas", { class: "ovz-top", "data-testid": testid }, this.panel);
    this.tip = el("div", { class: "ovz-tip", "data-testid": `${testid}-tip` }, this.panel);
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
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.lineWidth = 3;
    ctx.lineJoin = "round";
    ctx.strokeStyle = "rgba(255,255,255,0.85)";
    ctx.strokeText(text, 12, this.player.fontSize * 1.45, this.w - 24);
    ctx.fillStyle = this.player.colors.text;
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
};

// optviz/views/player/src/contour.js
var CLICK_SLOP = 5;
var ContourView = class extends View {
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
    this.sx = (x) => this.plot.x + (x - x0) / (x1 - x0) * this.plot.w;
    this.sy = (y) => this.plot.y + (y1 - y) / (y1 - y0) * this.plot.h;
    this.dx = (px) => x0 + (px - this.plot.x) / this.plot.w * (x1 - x0);
    this.dy = (py) => y1 - (py - this.plot.y) / this.plot.h * (y1 - y0);
    this.player.root.dataset.plot = JSON.stringify({
      left: this.plot.x,
      top: this.plot.y,
      width: this.plot.w,
      height: this.plot.h,
      domain: this.player.data.surface.domain
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
    this.title(ctx, d.titles.contour);
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
      minimumMark(ctx, this.sx(mx), this.sy(my), d.style.minimum * 0.55, d.style.colors);
    }
  }
  axes(ctx) {
    const p = this.player;
    const { x, y, w, h } = this.plot;
    const fs = p.fontSize;
    const axes = p.data.surface.axes;
    ctx.fillStyle = p.colors.text;
    ctx.strokeStyle = p.colors.axis;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const [t, label] of pickTicks(axes.x, Math.max(4, Math.round(w / 70)))) {
      const px = this.sx(t);
      ctx.beginPath();
      ctx.moveTo(px, y + h);
      ctx.lineTo(px, y + h + 5);
      ctx.stroke();
      ctx.fillText(label, px, y + h + 7);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const [t, label] of pickTicks(axes.y, Math.max(4, Math.round(h / 60)))) {
      const py = this.sy(t);
      ctx.beginPath();
      ctx.moveTo(x - 5, py);
      ctx.lineTo(x, py);
      ctx.stroke();
      ctx.fillText(label, x - 7, py);
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
      const top = by + bh - (i + 1) / n * bh;
      ctx.fillRect(bx, top, bw, bh / n + 0.5);
    }
    ctx.strokeStyle = p.colors.axis;
    ctx.strokeRect(bx + 0.5, by + 0.5, bw - 1, bh - 1);
    ctx.fillStyle = p.colors.text;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const [t, label] of s.ticks) {
      const py = by + bh - (t - s.low) / (s.high - s.low) * bh;
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
      const head = headIndex(r, step);
      return [r.xy[2 * head], r.xy[2 * head + 1]];
    });
    for (const r of p.drawOrder) {
      if (r.hidden) continue;
      const head = headIndex(r, step);
      const from = trailStart(head, p.options.trail);
      ctx.beginPath();
      for (let k = from; k <= head; k++) ctx.lineTo(this.sx(r.xy[2 * k]), this.sy(r.xy[2 * k + 1]));
      haloStroke(ctx, st.trail, r.color, st.casing, r.casing);
      ctx.beginPath();
      ctx.arc(this.sx(r.xy[0]), this.sy(r.xy[1]), st.start / 2, 0, 2 * Math.PI);
      haloStroke(ctx, 2, r.color, 2.5);
    }
    if (p.options.arrows) this.arrows(ctx, step);
    const notes = [];
    const ends = [];
    for (const r of p.runners) {
      if (r.hidden) continue;
      const head = headIndex(r, step);
      let hx = this.sx(r.xy[2 * head]);
      let hy = this.sy(r.xy[2 * head + 1]);
      if (ended(r, step)) {
        const m = 9;
        hx = Math.max(this.plot.x + m, Math.min(this.plot.x + this.plot.w - m, hx));
        hy = Math.max(this.plot.y + m, Math.min(this.plot.y + this.plot.h - m, hy));
        endMark(ctx, hx, hy, st.end, r.color);
        const half = st.end / 2 + 3;
        ends.push({ r, hx, hy });
        notes.push({ left: hx - half, top: hy - half, w: 2 * half, h: 2 * half });
      } else {
        headMark(ctx, hx, hy, st.head, r.color, st.colors.ring);
        ctx.beginPath();
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
    const fit2 = (t) => Math.max(this.plot.y + 2, Math.min(this.plot.y + this.plot.h - lh - 2, t));
    const hits = (t) => notes.some((n) => left < n.left + n.w && n.left < left + w && t < n.top + n.h && n.top < t + lh);
    let top = fit2(y - lh / 2);
    for (let i = 1; i < 24 && hits(top); i++) top = fit2(y - lh / 2 + (i % 2 ? -1 : 1) * Math.ceil(i / 2) * lh);
    notes.push({ left, top, w, h: lh });
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    haloText(ctx, text, left, top, color);
  }
  arrows(ctx, step) {
    const p = this.player;
    const len = p.fontSize * 3.3;
    for (const r of p.runners) {
      if (r.hidden || !r.grad || ended(r, step)) continue;
      const k = headIndex(r, step);
      if (k >= p.data.steps) continue;
      const hx = this.sx(r.xy[2 * k]);
      const hy = this.sy(r.xy[2 * k + 1]);
      const g = [-r.grad[2 * k] * (this.plot.w / this.span(0)), r.grad[2 * k + 1] * (this.plot.h / this.span(1))];
      const u = [
        (r.xy[2 * k + 2] - r.xy[2 * k]) * (this.plot.w / this.span(0)),
        -(r.xy[2 * k + 3] - r.xy[2 * k + 1]) * (this.plot.h / this.span(1))
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
      [dashed ? 1.6 : 2.6, color]
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
    const t = p.data.titles;
    let html = `${escape(t.x)} = ${sci(x)}, ${escape(t.y)} = ${sci(y)}`;
    const best = p.nearestHead(
      (r, k) => Math.hypot(this.sx(r.xy[2 * k]) - e.offsetX, this.sy(r.xy[2 * k + 1]) - e.offsetY)
    );
    if (best) {
      html = p.headReadout(best.r, best.k);
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
    p.redraw();
    p.send("start", { x, y });
  }
};

// optviz/views/player/src/curves.js
var CurveView = class extends View {
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
  // {r, v, first, end, dash, coord} per series: values v[first..end) of runner r
  series() {
    const out = [];
    for (const r of this.player.runners) {
      if (r.hidden) continue;
      const end = r.divergedAt === null ? r.gap.length : r.divergedAt;
      if (this.kind === "loss") out.push({ r, v: r.gap, first: 0, end, dash: false });
      else if (this.kind === "distance") out.push({ r, v: r.dist, first: 0, end, dash: false });
      else if (r.rate) {
        const n = r.rate.length / 2;
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
  scales() {
    const axis = this.player.data.axes[this.kind];
    this.lo = axis.low;
    this.hi = axis.high;
    const steps = this.player.data.steps;
    const { x, y, w, h } = this.plot;
    this.sx = (k) => x + k / steps * w;
    this.ly = (l) => y + h - (Math.min(this.hi, Math.max(this.lo, l)) - this.lo) / (this.hi - this.lo) * h;
    this.sy = (v) => this.ly(v > 0 ? Math.log10(v) : this.lo);
    this.stepAt = (px) => Math.min(steps, Math.max(0, (px - x) / w * steps));
  }
  axes(ctx, axis) {
    const p = this.player;
    const { x, y, w, h } = this.plot;
    ctx.strokeStyle = p.colors.grid;
    ctx.fillStyle = p.colors.text;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const [k, label] of p.data.axes[this.kind].ticks) {
      const py = this.ly(k);
      ctx.beginPath();
      ctx.moveTo(x, py);
      ctx.lineTo(x + w, py);
      ctx.stroke();
      ctx.fillText(label, x - 6, py);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const [k, label] of pickTicks(p.data.axes.step, Math.max(3, Math.round(w / 80)))) {
      const px = this.sx(k);
      ctx.beginPath();
      ctx.moveTo(px, y);
      ctx.lineTo(px, y + h);
      ctx.stroke();
      ctx.fillText(label, px, y + h + 5);
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
      if (ended(s.r, step)) continue;
      ctx.beginPath();
      ctx.arc(this.sx(k), this.sy(s.v[k]), s.dash ? 3.5 : 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = s.r.color;
      ctx.fill();
      ctx.lineWidth = 1.3;
      ctx.strokeStyle = p.data.style.colors.ring;
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
    const rows = this.lines.filter((s) => k >= s.first && k < s.end).slice(0, 14).map(
      (s) => `<span class="ovz-dot" style="background:${s.r.color}"></span>${escape(s.r.label)}${s.coord ? ` (${s.coord})` : ""}: ${this.player.gap(s.v[k])}`
    );
    this.showTip([`<b>step ${k}</b> · click to go there`, ...rows].join("<br>"), e.offsetX, e.offsetY);
  }
};

// optviz/views/player/src/projection.js
function basis(az, el2) {
  const a = az * Math.PI / 180;
  const e = el2 * Math.PI / 180;
  return {
    eye: [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), Math.sin(e)],
    right: [-Math.sin(a), Math.cos(a), 0],
    up: [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)]
  };
}
function fit(camera, zh, box) {
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
  const cx = box.x + box.w / 2 - (minx + maxx) / 2 * s + camera.pan[0];
  const cy = box.y + box.h / 2 + (miny + maxy) / 2 * s + camera.pan[1];
  return { eye, right, up, s, cx, cy, zh, centre: [box.x + box.w / 2, box.y + box.h / 2] };
}
function project(p, X, Y, Z) {
  return [
    p.cx + (X * p.right[0] + Y * p.right[1]) * p.s,
    p.cy - (X * p.up[0] + Y * p.up[1] + Z * p.up[2]) * p.s,
    X * p.eye[0] + Y * p.eye[1] + Z * p.eye[2]
  ];
}
function unproject(p, x, y, d) {
  const a = (x - p.cx) / p.s;
  const b = (p.cy - y) / p.s;
  return [0, 1, 2].map((i) => a * p.right[i] + b * p.up[i] + d * p.eye[i]);
}
var ZOOM_RANGE = [0.5, 12];
function zoomAt(camera, x, y, factor, p) {
  const zoom = Math.max(ZOOM_RANGE[0], Math.min(ZOOM_RANGE[1], camera.zoom * factor));
  const f = zoom / camera.zoom;
  const pan = [0, 1].map((i) => f * camera.pan[i] + (1 - f) * ([x, y][i] - p.centre[i]));
  return { ...camera, zoom, pan };
}
function toScene(v, [lo, hi]) {
  return -1 + 2 * (v - lo) / (hi - lo);
}
function fromScene(V, [lo, hi]) {
  return lo + (V + 1) / 2 * (hi - lo);
}

// optviz/views/player/src/raster.js
function rasterize(p, heights, colors, n, width, height, k, into = null) {
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
      const q = project(p, -1 + 2 * i / (n - 1), -1 + 2 * j / (n - 1), heights[v]);
      sx[v] = q[0] * k;
      sy[v] = q[1] * k;
      sd[v] = q[2];
    }
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
    const A0 = (x1 * y2 - x2 * y1) * inv;
    const B0 = (y1 - y2) * inv;
    const C0 = (x2 - x1) * inv;
    const A1 = (x2 * y0 - x0 * y2) * inv;
    const B1 = (y2 - y0) * inv;
    const C1 = (x0 - x2) * inv;
    const A2 = 1 - A0 - A1;
    const B2 = -B0 - B1;
    const C2 = -C0 - C1;
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
          pixels[i] = (255 << 24 | (bl & 255) << 16 | (g & 255) << 8 | r & 255) >>> 0;
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
function depthAt(buffer, x, y) {
  const px = Math.floor(x * buffer.k);
  const py = Math.floor(y * buffer.k);
  if (px < 0 || py < 0 || px >= buffer.width || py >= buffer.height) return -Infinity;
  return buffer.depth[py * buffer.width + px];
}
function visible(buffer, x, y, d, tol) {
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
var PIECE = 4;
function cutPath(buffer, points, count, tol) {
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

// optviz/views/player/src/surface3d.js
var HIDDEN_ALPHA = 0.3;
var DEPTH_TOL = 0.02;
var SurfaceView = class extends View {
  constructor(player, parent) {
    super(player, parent, "optviz-surface3d", "3-D surface");
    this.camera = this.home();
    this.pointers = /* @__PURE__ */ new Map();
    this.drag = null;
    this.top.style.cursor = "grab";
    this.top.addEventListener("pointerdown", (e) => this.down(e));
    this.top.addEventListener("pointermove", (e) => this.move(e));
    const up = (e) => this.up(e);
    this.top.addEventListener("pointerup", up);
    this.top.addEventListener("pointercancel", up);
    this.top.addEventListener("pointerleave", () => this.hideTip());
    this.top.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    this.top.addEventListener("dblclick", (e) => {
      e.preventDefault();
      this.setCamera(this.home());
    });
    this.showCamera();
  }
  home() {
    const [az, el2] = this.player.data.style.camera;
    return { az, el: el2, zoom: 1, pan: [0, 0] };
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
    if (d.pinch !== void 0 && pts.length === 2) {
      const dist = Math.hypot(pts[0].x - pts[1].x, pts[0].y - pts[1].y);
      const mx = (pts[0].x + pts[1].x) / 2;
      const my = (pts[0].y + pts[1].y) / 2;
      const factor = dist / Math.max(1, d.pinch);
      this.setCamera(zoomAt(d.camera, mx, my, factor, fit(d.camera, this.zh(), this.box())));
    } else if (d.pinch === void 0) {
      const az = d.az - (e.offsetX - d.x) * 0.45;
      const el2 = Math.max(4, Math.min(88, d.el + (e.offsetY - d.y) * 0.35));
      this.setCamera({ ...this.camera, az, el: el2 });
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
    const factor = Math.exp(-e.deltaY * lines * 15e-4);
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
    const value = s.scale.low + (Z / this.zh() + 1) / 2 * (s.scale.high - s.scale.low);
    const t = p.data.titles;
    const x = fromScene(X, s.domain[0]);
    const y = fromScene(Y, s.domain[1]);
    this.showTip(
      `${escape(t.x)} = ${sci(x)}, ${escape(t.y)} = ${sci(y)}<br>f = ${sci(lossOf(s.scale, value))}` + (s.scale.log ? ` · ${escape(t.z)} = ${sci(value)}` : ""),
      e.offsetX,
      e.offsetY
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
    this.paths();
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
    this.title(ctx, d.titles.surface);
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
      this.colors = bytes(d.surface.mesh.rgb);
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
      [-1, 1]
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
    const nearY = eye[1] < 0 ? -1 : 1;
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
      [-1, 1]
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
    for (const [t, text] of s.ticks) {
      const Z = (2 * unit(s, t) - 1) * zh;
      if (t < s.low - 1e-9 || t > s.high + 1e-9) continue;
      const [px, py] = project(this.proj, best.X, best.Y, Z);
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
};

// optviz/views/player/src/player.js
var LEGEND_EVERY = 100;
var HEAD_REACH = 12;
var Player = class {
  constructor(host) {
    this.host = host;
    this.root = host.querySelector(".ovz") || el("div", { class: "ovz", "data-testid": "optviz-player" }, host);
    this.root.tabIndex = 0;
    this.step = 0;
    this.playing = false;
    this.speed = 30;
    this.frames = 0;
    this.renderMs = 0;
    this.hidden = /* @__PURE__ */ new Set();
    this.destroyed = false;
    this.send = () => {
    };
    this.controls = buildControls(this);
    showPlaying(this.controls.play, false);
    this.legend = el("div", { class: "ovz-legend", "data-testid": "optviz-legend" }, this.root);
    this.views = el("div", { class: "ovz-views" }, this.root);
    this.hintLine = el("div", { class: "ovz-hint" }, this.root);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.root);
    this.root.addEventListener("keydown", (e) => onKey(this, e));
  }
  destroy() {
    this.destroyed = true;
    this.playing = false;
    this.observer.disconnect();
  }
  font(scale = 1, weight = 400) {
    return `${weight} ${Math.round(this.fontSize * scale)}px ${this.fontFamily}`;
  }
  // ------------------------------------------------------------------------------------------ data
  update(data) {
    const received = performance.now();
    const previous = this.data;
    const oldSteps = previous ? previous.steps : 0;
    this.data = data;
    this.options = data.options;
    this.runners = decodeRunners(data, this.hidden);
    this.drawOrder = data.order.map((i) => this.runners[i]);
    this.mesh = f32(data.surface.mesh.z);
    const sameStart = previous && previous.start[0] === data.start[0] && previous.start[1] === data.start[1];
    if (!previous || !sameStart && !this.playing) {
      this.step = data.steps;
      this.playing = false;
    } else if (this.step >= oldSteps && !this.playing) {
      this.step = data.steps;
    } else {
      this.step = Math.min(this.step, data.steps);
    }
    if (!previous || previous.options.speed !== data.options.speed) this.speed = data.options.speed;
    speedOptions(this.controls.speed, data.options.speeds, data.options.speed, this.speed);
    this.controls.scrub.max = String(data.steps);
    if (this.contour) this.contour.pending = null;
    delete this.root.dataset.pending;
    this.hintLine.textContent = hint(data.clickable, data.options.show3d);
    this.root.dataset.steps = String(data.steps);
    this.root.dataset.first = JSON.stringify(this.runners.map((r) => [r.xy[0], r.xy[1]]));
    const last = this.runners.map((r) => {
      const k = r.xy.length / 2 - 1;
      return [r.xy[2 * k], r.xy[2 * k + 1]];
    });
    this.root.dataset.last = JSON.stringify(last);
    this.legendValues = buildLegend(this, this.legend);
    const layoutKey = JSON.stringify([data.options.show3d, data.options.rates, data.options.height]);
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.buildViews();
    }
    this.contourImage(data.surface.image);
    this.resize(true);
    this.root.dataset.revision = data.rev;
    this.root.dataset.received = received.toFixed(0);
    this.root.dataset.drawMs = (performance.now() - received).toFixed(1);
  }
  // The contour picture, painted from its run-length code: synchronous, so the map is drawn in the
  // same task as the rest (an <img> or createImageBitmap of a PNG waited 200-700 ms behind
  // Streamlit's own work on first load).
  contourImage(image) {
    const key = image.runs;
    if (this.imageKey === key) return this.image;
    const n = image.size;
    const canvas = document.createElement("canvas");
    canvas.width = n;
    canvas.height = n;
    const ctx = canvas.getContext("2d");
    const pixels = ctx.createImageData(n, n);
    new Uint32Array(pixels.data.buffer).set(paint(decodeRuns(bytes(image.runs), n), image.palette));
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
    if (!this.surface3d) delete this.root.dataset.camera;
    this.curveBox = el("div", { class: "ovz-column" }, this.views);
    this.curves = [
      new CurveView(this, this.curveBox, "optviz-loss", "loss"),
      new CurveView(this, this.curveBox, "optviz-distance", "distance")
    ];
    if (o.rates) this.curves.push(new CurveView(this, this.curveBox, "optviz-rates", "rate"));
    this.arrange();
  }
  // The grid adapts to the width: one row of three views on a wide screen, two rows on a laptop.
  arrange() {
    const width = this.root.getBoundingClientRect().width || 1e3;
    const H = this.options.height;
    this.fontSize = width >= 1400 ? 15 : width >= 900 ? 14 : 13;
    this.root.style.setProperty("--ovz-font", `${this.fontSize}px`);
    const v = this.views.style;
    const c = this.curveBox.style;
    const n = this.curves.length;
    const has3d = Boolean(this.surface3d);
    if (width >= 1180 || !has3d && width >= 700) {
      v.gridTemplateColumns = has3d ? "1.2fr 1fr 1fr" : "1.35fr 1fr";
      v.gridTemplateRows = `${H}px`;
      c.gridTemplateColumns = "1fr";
      c.gridTemplateRows = `repeat(${n}, 1fr)`;
      c.gridColumn = "auto";
    } else if (width >= 640) {
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
  // Hides or shows a runner in every view; returns whether it is hidden now.
  toggleRunner(r) {
    r.hidden = !r.hidden;
    if (r.hidden) this.hidden.add(r.label);
    else this.hidden.delete(r.label);
    this.drawAll();
    return r.hidden;
  }
  // ------------------------------------------------------------------------------------- read-outs
  // f - f* as text: the floor that keeps exact zeros on log axes reads as 0
  gap(v) {
    return v <= this.data.style.floor * 1.0001 ? "0" : sci(v);
  }
  // The shown runner whose head is nearest the pointer, within HEAD_REACH pixels by `distance(r, k)`.
  nearestHead(distance) {
    let best = null;
    for (const r of this.runners) {
      if (r.hidden) continue;
      const k = headIndex(r, this.step);
      const d = distance(r, k);
      if (d < HEAD_REACH && (!best || d < best.d)) best = { d, r, k };
    }
    return best;
  }
  // A head's values: where it is and its loss.
  headReadout(r, k) {
    const t = this.data.titles;
    const f = this.data.surface.scale.offset + r.gap[k];
    const state = ended(r, this.step) ? ` · ${escape(this.data.style.note.replace("{step}", r.divergedAt))}` : "";
    return `<span class="ovz-dot" style="background:${r.color}"></span><b>${escape(r.label)}</b> · step ${k}${state}<br>${escape(t.x)} = ${sci(r.xy[2 * k])}, ${escape(t.y)} = ${sci(r.xy[2 * k + 1])}<br>f = ${sci(f)} · f − f* = ${this.gap(r.gap[k])}`;
  }
  // ------------------------------------------------------------------------------------- drawing
  allViews() {
    return [this.contour, this.surface3d, ...this.curves].filter(Boolean);
  }
  resize(force = false) {
    if (!this.data || !this.contour) return;
    const style = getComputedStyle(this.root);
    const colors = this.data.style.colors;
    this.fontFamily = style.fontFamily || "sans-serif";
    this.colors = {
      text: style.color || "#31333f",
      axis: colors.axis,
      grid: colors.grid,
      panel: style.getPropertyValue("--ovz-panel").trim() || "#f0f2f6"
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
    this.controls.readout.textContent = `Step ${step} / ${this.data.steps}`;
    this.controls.scrub.value = String(step);
    const now = performance.now();
    if (!this.playing || now - (this.legendAt || 0) > LEGEND_EVERY) {
      this.legendAt = now;
      this.runners.forEach((r, i) => {
        const k = headIndex(r, step);
        this.legendValues[i].textContent = ended(r, step) ? "" : `f − f* ${this.gap(r.gap[k])}`;
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
    showPlaying(this.controls.play, true);
    this.loop();
  }
  loop() {
    const chain = this.chain = (this.chain || 0) + 1;
    this.origin = { time: performance.now(), step: this.step };
    this.playStart = { time: this.origin.time, frames: this.frames };
    const tick = (now) => {
      if (!this.playing || this.destroyed || chain !== this.chain) return;
      const elapsed = Math.max(0, now - this.origin.time);
      const target = Math.min(this.data.steps, this.origin.step + Math.floor(elapsed * this.speed / 1e3));
      if (target !== this.step) {
        this.step = target;
        this.redraw();
        this.frames += 1;
        this.root.dataset.frames = String(this.frames);
        const seconds = (now - this.playStart.time) / 1e3;
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
    showPlaying(this.controls.play, false);
    if (this.data) this.redraw();
  }
  // The speed menu is the race's one speed control: the choice goes back to the host (the app keeps
  // it in its link).
  setSpeed(speed) {
    this.speed = speed;
    if (this.playing) this.origin = { time: performance.now(), step: this.step };
    this.send("speed", speed);
  }
  seek(step) {
    this.step = Math.max(0, Math.min(this.data.steps, Math.round(step)));
    this.redraw();
  }
  pauseAndSeek(step) {
    this.pause();
    this.seek(step);
  }
};

// optviz/views/player/src/index.js
var PLAYERS = /* @__PURE__ */ new WeakMap();
function mount({ data, parentElement, setTriggerValue }) {
  let player = PLAYERS.get(parentElement);
  if (!player || player.destroyed) {
    player = new Player(parentElement);
    PLAYERS.set(parentElement, player);
  }
  player.send = typeof setTriggerValue === "function" ? setTriggerValue : () => {
  };
  player.update(raceData(data));
  return () => {
    player.destroy();
    PLAYERS.delete(parentElement);
  };
}
export {
  mount as default
};
