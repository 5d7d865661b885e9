// The stability map: one cell per run, coloured by what that run did. Hover a cell to read its values,
// click it to race with them, drag a box to zoom in (the "Zoom out" button or Esc zooms out).
//
// Python (`optviz.views.map_figure.map_payload`) sends bytes: a little-endian uint32 length, a JSON
// header (titles, axes, colour scale, the race's values, the cells' layout), then the cells' arrays
// compressed with zlib, which the browser inflates (DecompressionStream). The cells are painted once
// into an image of one pixel per cell; a redraw (resize, zoom) scales that image, and hovering
// redraws only the overlay canvas. No plotly.js: the page loads nothing for the map but its bundle (map.js, built from this folder
// with the player's shared modules by scripts/player-bundle.mjs).
//
// Hooks for tests and benchmarks, on the root (data-testid="optviz-map"): data-revision (the map on
// screen), data-cells ("NXxNY"), data-plot (the plot area in CSS pixels of the canvas and the shown
// ranges, in log10 on a log axis), data-zoomed, data-hover (the cell under the pointer, [i, j]),
// data-picked (the cell last clicked), data-received (when the map's bytes came, ms since
// navigation) and data-draw-ms (bytes in -> map drawn). The canvas that takes the pointer is
// data-testid="optviz-map-canvas", the tooltip "optviz-map-tip", the zoom-out button
// "optviz-map-zoom-out".

import { plotAxes } from "../../player/src/axes.js";
import { colorbar } from "../../player/src/colorbar.js";
import { el, escape } from "../../player/src/dom.js";
import { fitCanvases } from "../../player/src/view.js";

const VIEWS = new WeakMap();
const CLICK_SLOP = 5; // pixels a press may move and still count as a click
const MIN_ZOOM_PX = 8; // a smaller drag is neither a click nor a zoom box

export default function mount(component) {
  const { data, parentElement, setTriggerValue } = component;
  let view = VIEWS.get(parentElement);
  if (!view || view.destroyed) {
    view = new MapView(parentElement);
    VIEWS.set(parentElement, view);
  }
  view.send = setTriggerValue;
  view.update(data);
  return () => {
    view.destroy();
    VIEWS.delete(parentElement);
  };
}

// ------------------------------------------------------------------------------------------ helpers

function hexToRgb(hex) {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const ARRAY_TYPES = { u1: Uint8Array, i2: Int16Array, i4: Int32Array };

// The cells' arrays, one after another in `raw`, each nx * ny long (row j, column i at j * nx + i).
function decodeCells(layout, raw) {
  const count = layout.nx * layout.ny;
  const arrays = {};
  let offset = 0;
  for (const [name, dtype] of layout.arrays) {
    const Type = ARRAY_TYPES[dtype];
    const bytes = count * Type.BYTES_PER_ELEMENT;
    // a copy: a typed array needs an offset that is a multiple of its element size
    arrays[name] = new Type(raw.slice(offset, offset + bytes).buffer);
    offset += bytes;
  }
  if (offset !== raw.length) throw new Error(`the map's cells hold ${raw.length} bytes, not ${offset}`);
  return arrays;
}

// The digits of `decimal_digits` (Python) as Python's f"{v:.{digits}g}" writes them.
function digitsText(mantissa, exponent, digits, nonfinite) {
  if (exponent === nonfinite) return mantissa > 0 ? "inf" : mantissa < 0 ? "-inf" : "nan";
  if (mantissa === 0) return "0";
  const sign = mantissa < 0 ? "-" : "";
  const s = String(Math.abs(mantissa));
  if (exponent < -4 || exponent >= digits) {
    const frac = s.slice(1).replace(/0+$/, "");
    const power = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    return `${sign}${s[0]}${frac ? `.${frac}` : ""}e${power}`;
  }
  if (exponent >= 0) {
    const frac = s.slice(exponent + 1).replace(/0+$/, "");
    return `${sign}${s.slice(0, exponent + 1)}${frac ? `.${frac}` : ""}`;
  }
  return `${sign}0.${("0".repeat(-exponent - 1) + s).replace(/0+$/, "")}`;
}

// A hyperparameter's value as the race will use it: every digit, in the shortest form.
function valueText(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential().replace("e+", "e");
  return String(v);
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

function decade(k) {
  if (k >= -3 && k <= 4) return String(Number((10 ** k).toPrecision(1)));
  return "10" + String(k).replace(/./g, (c) => SUPERSCRIPT[c]);
}

function tickText(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(1).replace("e+", "e").replace(".0e", "e");
  return String(Number(v.toPrecision(6)));
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

// Ticks of an axis shown from `lo` to `hi` (log10 of the values on a log axis): [position, text].
function axisTicks(log, lo, hi, count) {
  if (!log) return niceTicks(lo, hi, count).map((v) => [v, tickText(v)]);
  const first = Math.ceil(lo - 1e-9);
  const last = Math.floor(hi + 1e-9);
  if (last - first + 1 >= 3) {
    const every = Math.max(1, Math.ceil((last - first + 1) / count));
    const out = [];
    for (let k = first; k <= last; k++) if (k % every === 0) out.push([k, decade(k)]);
    return out;
  }
  // under three decades: 1, 2 and 5 of each; under one, round numbers
  const out = [];
  for (let k = Math.floor(lo); k <= last; k++) {
    for (const m of [1, 2, 5]) {
      const t = k + Math.log10(m);
      if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push([t, tickText(Number((m * 10 ** k).toPrecision(6)))]);
    }
  }
  if (out.length >= 3) return out;
  return niceTicks(10 ** lo, 10 ** hi, count)
    .filter((v) => v > 0)
    .map((v) => [Math.log10(v), tickText(v)]);
}

// ---------------------------------------------------------------------------------------- the view

class MapView {
  constructor(host) {
    this.host = host;
    this.root = host.querySelector(".ovm") || el("div", { class: "ovm", "data-testid": "optviz-map" }, host);
    this.root.tabIndex = 0;
    this.root.replaceChildren(); // a view mounted again on the same element starts afresh
    this.panel = el("div", { class: "ovm-panel" }, this.root);
    this.base = el("canvas", { role: "img", "aria-label": "stability map" }, this.panel);
    this.top = el("canvas", { class: "ovm-top", "data-testid": "optviz-map-canvas" }, this.panel);
    this.tip = el("div", { class: "ovm-tip", "data-testid": "optviz-map-tip" }, this.panel);
    this.reset = el("button", { type: "button", class: "ovm-reset", "data-testid": "optviz-map-zoom-out" }, this.panel);
    this.reset.textContent = "Zoom out";
    this.reset.title = "Show the whole map (Esc)";
    this.reset.addEventListener("click", () => this.zoomTo(null));
    this.image = document.createElement("canvas"); // one pixel per cell
    this.token = 0;
    this.zoom = null;
    this.press = null;
    this.hover = null;
    this.picked = null;
    this.w = 0;
    this.h = 0;
    this.destroyed = false;
    this.top.addEventListener("pointerdown", (e) => this.down(e));
    this.top.addEventListener("pointermove", (e) => this.move(e));
    this.top.addEventListener("pointerup", (e) => this.up(e));
    this.top.addEventListener("pointercancel", () => this.cancel());
    this.top.addEventListener("pointerleave", () => this.leave());
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.zoom) {
        e.preventDefault();
        this.zoomTo(null);
      }
    });
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.root);
  }

  destroy() {
    this.destroyed = true;
    this.observer.disconnect();
  }

  // ------------------------------------------------------------------------------------------ data

  update(bytes) {
    const received = performance.now();
    if (!bytes || bytes.length < 4) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const length = view.getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
    const token = ++this.token; // a map still being inflated is dropped: this one is newer
    if (this.header && this.header.revision === header.revision && this.cells) return;
    if (this.cells && this.cellsKey === header.cells.key) {
      this.show(header, this.cells, received);
      return;
    }
    inflate(bytes.slice(4 + length))
      .then((raw) => {
        if (token !== this.token || this.destroyed) return; // a newer map came meanwhile
        const cells = decodeCells(header.cells, raw);
        this.cells = cells;
        this.cellsKey = header.cells.key;
        this.show(header, cells, received);
      })
      .catch((error) => {
        this.root.dataset.error = String(error);
      });
  }

  show(header, cells, received) {
    const axes = (h) => JSON.stringify([h.x.edges, h.x.log, h.y.edges, h.y.log, h.cells.nx, h.cells.ny]);
    if (!this.header || axes(this.header) !== axes(header)) {
      this.zoom = null;
      this.picked = null;
      delete this.root.dataset.picked;
    }
    this.header = header;
    this.hover = null;
    this.hideTip();
    this.panel.style.height = `${header.height}px`;
    this.base.setAttribute("aria-label", header.title);
    this.paint(cells);
    this.resize(true);
    this.root.dataset.cells = `${header.cells.nx}x${header.cells.ny}`;
    this.root.dataset.revision = header.revision;
    this.root.dataset.received = received.toFixed(1); // ms since navigation
    this.root.dataset.drawMs = (performance.now() - received).toFixed(1);
  }

  // The cells into the image, one pixel each, the highest row of the map at the top.
  paint(cells) {
    const h = this.header;
    const { nx, ny } = h.cells;
    this.image.width = nx;
    this.image.height = ny;
    const ctx = this.image.getContext("2d");
    const pixels = ctx.createImageData(nx, ny);
    const out = pixels.data;
    const palette = new Uint8Array(h.scale.palette.length * 3);
    h.scale.palette.forEach((c, k) => palette.set(hexToRgb(c), 3 * k));
    const diverged = hexToRgb(h.colors.diverged);
    const never = h.colors.notReached ? hexToRgb(h.colors.notReached) : null;
    const { color, event } = cells;
    for (let j = 0; j < ny; j++) {
      let p = (ny - 1 - j) * nx * 4;
      for (let i = 0, k = j * nx; i < nx; i++, k++, p += 4) {
        const ev = event[k];
        if (ev <= -2) {
          out[p] = diverged[0];
          out[p + 1] = diverged[1];
          out[p + 2] = diverged[2];
        } else if (never && ev === -1) {
          out[p] = never[0];
          out[p + 1] = never[1];
          out[p + 2] = never[2];
        } else {
          const c = 3 * color[k];
          out[p] = palette[c];
          out[p + 1] = palette[c + 1];
          out[p + 2] = palette[c + 2];
        }
        out[p + 3] = 255;
      }
    }
    ctx.putImageData(pixels, 0, 0);
  }

  // ---------------------------------------------------------------------------------------- layout

  resize(force = false) {
    if (!this.header || !fitCanvases(this, force)) return;
    const style = getComputedStyle(this.root);
    this.fontFamily = style.fontFamily || "sans-serif";
    this.fontSize = parseFloat(style.fontSize) || 14;
    this.colors = { text: style.color || "#31333f", axis: "rgba(100,100,110,0.9)" };
    this.layout();
    this.drawStatic();
    this.drawOverlay();
  }

  font(scale = 1, weight = 400) {
    return `${weight} ${Math.round(this.fontSize * scale)}px ${this.fontFamily}`;
  }

  // The full extent of an axis on its own scale (log10 on a log axis).
  extent(axis) {
    const [a, b] = axis.edges;
    return axis.log ? [Math.log10(a), Math.log10(b)] : [a, b];
  }

  layout() {
    const fs = this.fontSize;
    const left = Math.round(fs * 5.4);
    const right = Math.round(fs * 8.2);
    const top = Math.round(fs * 2.8);
    const bottom = Math.round(fs * 3.6);
    this.plot = { x: left, y: top, w: Math.max(10, this.w - left - right), h: Math.max(10, this.h - top - bottom) };
    const h = this.header;
    this.full = { x: this.extent(h.x), y: this.extent(h.y) };
    this.range = this.zoom || this.full;
    const [x0, x1] = this.range.x;
    const [y0, y1] = this.range.y;
    const p = this.plot;
    this.sx = (u) => p.x + ((u - x0) / (x1 - x0)) * p.w;
    this.sy = (v) => p.y + ((y1 - v) / (y1 - y0)) * p.h;
    this.ux = (px) => x0 + ((px - p.x) / p.w) * (x1 - x0);
    this.vy = (py) => y1 - ((py - p.y) / p.h) * (y1 - y0);
    this.root.dataset.plot = JSON.stringify({ left: p.x, top: p.y, width: p.w, height: p.h, x: [x0, x1], y: [y0, y1] });
    this.root.dataset.zoomed = this.zoom ? "true" : "false";
    this.reset.style.display = this.zoom ? "block" : "none";
  }

  inside(x, y) {
    const p = this.plot;
    return p && x >= p.x && x <= p.x + p.w && y >= p.y && y <= p.y + p.h;
  }

  // The cell at a point of the canvas, or null outside the map.
  cellAt(x, y) {
    if (!this.inside(x, y)) return null;
    const { nx, ny } = this.header.cells;
    const [fx0, fx1] = this.full.x;
    const [fy0, fy1] = this.full.y;
    const i = Math.floor(((this.ux(x) - fx0) / (fx1 - fx0)) * nx);
    const j = Math.floor(((this.vy(y) - fy0) / (fy1 - fy0)) * ny);
    return [Math.min(nx - 1, Math.max(0, i)), Math.min(ny - 1, Math.max(0, j))];
  }

  // The rectangle of cell (i, j) on the canvas.
  cellBox([i, j]) {
    const { nx, ny } = this.header.cells;
    const [fx0, fx1] = this.full.x;
    const [fy0, fy1] = this.full.y;
    const dx = (fx1 - fx0) / nx;
    const dy = (fy1 - fy0) / ny;
    const left = this.sx(fx0 + i * dx);
    const right = this.sx(fx0 + (i + 1) * dx);
    const top = this.sy(fy0 + (j + 1) * dy);
    const bottom = this.sy(fy0 + j * dy);
    return { x: left, y: top, w: right - left, h: bottom - top };
  }

  context(canvas) {
    const ctx = canvas.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.font = this.font();
    return ctx;
  }

  // ------------------------------------------------------------------------------------------ draw

  drawStatic() {
    const h = this.header;
    const ctx = this.context(this.base);
    const { x, y, w, h: ph } = this.plot;
    ctx.save();
    ctx.font = this.font(1.2, 600);
    ctx.fillStyle = this.colors.text;
    ctx.textBaseline = "alphabetic";
    ctx.fillText(h.title, 4, this.fontSize * 1.5, this.w - 8 - (this.zoom ? 90 : 0));
    ctx.restore();
    // the shown part of the image: cells are evenly wide on each axis's own scale
    const { nx, ny } = h.cells;
    const [fx0, fx1] = this.full.x;
    const [fy0, fy1] = this.full.y;
    const [x0, x1] = this.range.x;
    const [y0, y1] = this.range.y;
    const sx = ((x0 - fx0) / (fx1 - fx0)) * nx;
    const sw = ((x1 - x0) / (fx1 - fx0)) * nx;
    const sy = ((fy1 - y1) / (fy1 - fy0)) * ny;
    const sh = ((y1 - y0) / (fy1 - fy0)) * ny;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.image, sx, sy, sw, sh, x, y, w, ph);
    ctx.strokeStyle = this.colors.axis;
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 0.5, y - 0.5, w + 1, ph + 1);
    this.axes(ctx);
    this.colorbar(ctx);
    this.marker(ctx);
  }

  axes(ctx) {
    const h = this.header;
    const { y, w, h: ph } = this.plot;
    const xAxis = {
      ticks: axisTicks(h.x.log, ...this.range.x, Math.max(3, Math.round(w / 90))),
      at: this.sx,
      title: h.x.title,
      titleAt: this.h - 4,
      titleWidth: this.w - 8,
    };
    const yAxis = {
      ticks: axisTicks(h.y.log, ...this.range.y, Math.max(3, Math.round(ph / 55))),
      at: this.sy,
      title: h.y.title,
      titleAt: this.fontSize * 0.95,
      titleWidth: ph + y,
    };
    plotAxes(ctx, this.plot, xAxis, yAxis, this.colors, this.font(1, 600));
  }

  colorbar(ctx) {
    const s = this.header.scale;
    const fs = this.fontSize;
    const bx = this.plot.x + this.plot.w + fs * 1.1;
    const bw = fs * 1.1;
    const by = this.plot.y;
    const bh = this.plot.h;
    colorbar(ctx, { x: bx, y: by, w: bw, h: bh }, s.palette, s, this.colors);
    ctx.save();
    ctx.font = this.font(1, 600);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.translate(this.w - fs * 0.95, by + bh / 2);
    ctx.rotate(Math.PI / 2);
    ctx.fillText(s.title, 0, 0, bh + this.plot.y);
    ctx.restore();
  }

  // The race's own values: an x, drawn whole on the map's edge too.
  marker(ctx) {
    const h = this.header;
    if (!h.current) return;
    const u = h.x.log ? Math.log10(h.current[0]) : h.current[0];
    const v = h.y.log ? Math.log10(h.current[1]) : h.current[1];
    const [x0, x1] = this.range.x;
    const [y0, y1] = this.range.y;
    if (u < x0 || u > x1 || v < y0 || v > y1) return;
    const px = this.sx(u);
    const py = this.sy(v);
    const r = 7;
    ctx.beginPath();
    ctx.moveTo(px - r, py - r);
    ctx.lineTo(px + r, py + r);
    ctx.moveTo(px + r, py - r);
    ctx.lineTo(px - r, py + r);
    ctx.lineCap = "round";
    ctx.lineWidth = 5;
    ctx.strokeStyle = "rgba(255,255,255,0.85)";
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = h.colors.marker;
    ctx.stroke();
  }

  // The hovered and the picked cell outlined, and the zoom box being dragged.
  drawOverlay() {
    const ctx = this.context(this.top);
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.plot.x, this.plot.y, this.plot.w, this.plot.h);
    ctx.clip();
    for (const [cell, color] of [
      [this.picked, "#ffffff"],
      [this.hover, "#000000"],
    ]) {
      if (!cell) continue;
      const b = this.cellBox(cell);
      const pad = Math.max(0, (3 - Math.min(b.w, b.h)) / 2); // a tiny cell gets a visible box
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = color;
      ctx.strokeRect(b.x - pad, b.y - pad, b.w + 2 * pad, b.h + 2 * pad);
    }
    ctx.restore();
    if (this.box) {
      const { x0, y0, x1, y1 } = this.box;
      ctx.fillStyle = "rgba(255,255,255,0.18)";
      ctx.strokeStyle = "rgba(20,20,28,0.8)";
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    }
  }

  // ---------------------------------------------------------------------------------------- hover

  tipHtml([i, j]) {
    const h = this.header;
    const c = this.cells;
    const k = j * h.cells.nx + i;
    const { loss, distance } = h.cells.digits;
    const nf = h.cells.nonfinite;
    const ev = c.event[k];
    const what =
      ev <= -2
        ? `diverged at step ${-2 - ev}`
        : ev >= 0
          ? `reached the tolerance at step ${ev}`
          : "did not reach the tolerance";
    const x = `${escape(h.x.name)} = ${valueText(h.x.values[i])}`;
    const y = `${escape(h.y.name)} = ${valueText(h.y.values[j])}`;
    return (
      `<b>${x}, ${y}</b><br>` +
      `final loss <span data-field="loss">${digitsText(c.loss[k], c.loss_exp[k], loss, nf)}</span><br>` +
      `distance <span data-field="distance">${digitsText(c.distance[k], c.distance_exp[k], distance, nf)}</span><br>` +
      `<span data-field="outcome">${what}</span><br>` +
      `<span class="ovm-hint">click to race with these values</span>`
    );
  }

  showTip(cell, x, y) {
    this.tip.innerHTML = this.tipHtml(cell);
    this.tip.style.display = "block";
    const tw = this.tip.offsetWidth;
    const th = this.tip.offsetHeight;
    // beside the pointer, on its left when the right would cover the colour bar
    const left = x + 16 + tw > this.plot.x + this.plot.w ? x - 16 - tw : x + 16;
    this.tip.style.left = `${Math.max(4, left)}px`;
    this.tip.style.top = `${Math.min(this.h - th - 4, Math.max(4, y + 14))}px`;
  }

  hideTip() {
    this.tip.style.display = "none";
  }

  // -------------------------------------------------------------------------------------- pointer

  down(e) {
    if (e.button !== 0 || !this.cells || !this.inside(e.offsetX, e.offsetY)) return;
    this.press = { x: e.offsetX, y: e.offsetY };
    this.top.setPointerCapture(e.pointerId);
  }

  move(e) {
    if (!this.cells || !this.plot) return;
    const x = e.offsetX;
    const y = e.offsetY;
    if (this.press && Math.hypot(x - this.press.x, y - this.press.y) > CLICK_SLOP) {
      const p = this.plot;
      const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
      this.box = { x0: this.press.x, y0: this.press.y, x1: clamp(x, p.x, p.x + p.w), y1: clamp(y, p.y, p.y + p.h) };
      this.hover = null;
      this.hideTip();
      this.drawOverlay();
      return;
    }
    const cell = this.cellAt(x, y);
    this.top.style.cursor = cell ? "crosshair" : "default";
    const same = cell && this.hover && cell[0] === this.hover[0] && cell[1] === this.hover[1];
    this.hover = cell;
    if (cell) {
      this.root.dataset.hover = JSON.stringify(cell);
      this.showTip(cell, x, y);
    } else {
      delete this.root.dataset.hover;
      this.hideTip();
    }
    if (!same) this.drawOverlay();
  }

  up(e) {
    const press = this.press;
    const box = this.box;
    this.press = null;
    this.box = null;
    if (!press) return;
    if (box) {
      this.drawOverlay();
      if (Math.abs(box.x1 - box.x0) >= MIN_ZOOM_PX || Math.abs(box.y1 - box.y0) >= MIN_ZOOM_PX) this.zoomBox(box);
      return;
    }
    const cell = this.cellAt(e.offsetX, e.offsetY);
    if (cell) this.pick(cell);
  }

  cancel() {
    this.press = null;
    this.box = null;
    this.drawOverlay();
  }

  leave() {
    if (this.press) return; // a drag goes on outside; the pointer is captured
    this.hover = null;
    delete this.root.dataset.hover;
    this.hideTip();
    this.drawOverlay();
  }

  pick(cell) {
    const h = this.header;
    const [i, j] = cell;
    this.picked = cell;
    this.root.dataset.picked = JSON.stringify(cell);
    this.drawOverlay();
    // the values say which map the cell is from: a click on a map since replaced is ignored
    if (this.send) this.send("pick", { i, j, x: h.x.values[i], y: h.y.values[j] });
  }

  // ----------------------------------------------------------------------------------------- zoom

  // Zooms to the whole cells the box touches (at least two along each axis), or to everything.
  zoomBox(box) {
    const { nx, ny } = this.header.cells;
    const a = this.cellAt(Math.min(box.x0, box.x1), Math.max(box.y0, box.y1)) || [0, 0];
    const b = this.cellAt(Math.max(box.x0, box.x1), Math.min(box.y0, box.y1)) || [nx - 1, ny - 1];
    const span = (lo, hi, n) => {
      if (hi > lo) return [lo, hi + 1];
      const start = Math.min(Math.max(0, lo), n - 2);
      return [start, start + 2];
    };
    const [i0, i1] = span(a[0], b[0], nx);
    const [j0, j1] = span(a[1], b[1], ny);
    if (i0 === 0 && j0 === 0 && i1 === nx && j1 === ny) {
      this.zoomTo(null);
      return;
    }
    const [fx0, fx1] = this.full.x;
    const [fy0, fy1] = this.full.y;
    const dx = (fx1 - fx0) / nx;
    const dy = (fy1 - fy0) / ny;
    this.zoomTo({ x: [fx0 + i0 * dx, fx0 + i1 * dx], y: [fy0 + j0 * dy, fy0 + j1 * dy] });
  }

  zoomTo(zoom) {
    this.zoom = zoom;
    this.hover = null;
    this.hideTip();
    this.layout();
    this.drawStatic();
    this.drawOverlay();
    if (!zoom) this.root.focus({ preventScroll: true });
  }
}
