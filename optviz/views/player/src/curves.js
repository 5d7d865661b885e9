// A curve panel: one series per runner against the step on a log axis, with the current step marked.
// The axes' ranges, ticks and labels come with the payload (figures.curve_axes, figures.tick_ladder).
import { ended } from "./data.js";
import { escape } from "./dom.js";
import { endMark } from "./marks.js";
import { pickTicks } from "./scales.js";
import { View } from "./view.js";

export class CurveView extends View {
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
        const n = r.rate.length / 2; // the updates up to the last good one
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
    // As many decades as the panel's height has room for: a label every two lines of text.
    const rows = Math.max(1, Math.floor(h / (p.fontSize * 2)));
    for (const [k, label] of pickTicks(p.data.axes[this.kind].ticks, rows)) {
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
    ctx.fillText(axis, 0, 0, h); // a short panel narrows its axis title to the plot's height
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
      if (ended(s.r, step)) continue; // the X drawn with the curve marks it
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
    const rows = this.lines
      .filter((s) => k >= s.first && k < s.end)
      .slice(0, 14)
      .map(
        (s) =>
          `<span class="ovz-dot" style="background:${s.r.color}"></span>${escape(s.r.label)}` +
          `${s.coord ? ` (${s.coord})` : ""}: ${this.player.gap(s.v[k])}`,
      );
    this.showTip([`<b>step ${k}</b> · click to go there`, ...rows].join("<br>"), e.offsetX, e.offsetY);
  }
}
