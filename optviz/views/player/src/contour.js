// The contour map: picture, minima, axes and colour bar below; trails, heads and arrows above.
import { plotAxes } from "./axes.js";
import { colorbar } from "./colorbar.js";
import { ended, headIndex, trailStart } from "./data.js";
import { escape } from "./dom.js";
import { endMark, haloStroke, haloText, headMark, minimumMark } from "./marks.js";
import { pickTicks, sci } from "./scales.js";
import { View } from "./view.js";

const CLICK_SLOP = 5; // pixels a press may move and still count as a click

export class ContourView extends View {
  constructor(player, parent) {
    super(player, parent, "optviz-contour", "contour map");
    this.panel.setAttribute("data-testid", "optviz-map"); // the map with its axes and colour bar
    this.pending = null;
    this.press = null;
    this.top.addEventListener("pointerdown", (e) => {
      this.press = { x: e.offsetX, y: e.offsetY, dragging: false };
      if (this.player.data.live && this.player.data.clickable) this.top.setPointerCapture(e.pointerId);
    });
    this.top.addEventListener("pointerup", (e) => this.release(e));
    this.top.addEventListener("pointermove", (e) => {
      if (!this.drag(e)) this.hover(e);
    });
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
    const { w, h } = this.plot;
    const { axes } = p.data.surface;
    const xAxis = {
      ticks: pickTicks(axes.x, Math.max(4, Math.round(w / 70))),
      at: this.sx,
      title: p.data.titles.x,
      titleAt: this.h - 6,
    };
    const yAxis = {
      ticks: pickTicks(axes.y, Math.max(4, Math.round(h / 60))),
      at: this.sy,
      title: p.data.titles.y,
      titleAt: p.fontSize * 1.05,
    };
    plotAxes(ctx, this.plot, xAxis, yAxis, p.colors, p.font(1, 600));
  }

  colorbar(ctx) {
    const p = this.player;
    const s = p.data.surface.scale;
    const fs = p.fontSize;
    const bx = this.plot.x + this.plot.w + fs * 0.9;
    const bw = fs * 0.9;
    const by = this.plot.y + fs * 1.2;
    const bh = this.plot.h - fs * 1.2;
    colorbar(ctx, { x: bx, y: by, w: bw, h: bh }, s.colors, s, p.colors);
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
      const head = headIndex(r, step);
      let hx = this.sx(r.xy[2 * head]);
      let hy = this.sy(r.xy[2 * head + 1]);
      if (ended(r, step)) {
        // a run that left the map before it blew up is marked where it left, at the edge
        const m = 9;
        hx = Math.max(this.plot.x + m, Math.min(this.plot.x + this.plot.w - m, hx));
        hy = Math.max(this.plot.y + m, Math.min(this.plot.y + this.plot.h - m, hy));
        endMark(ctx, hx, hy, st.end, r.color);
        const half = st.end / 2 + 3;
        ends.push({ r, hx, hy });
        notes.push({ left: hx - half, top: hy - half, w: 2 * half, h: 2 * half });
      } else {
        headMark(ctx, hx, hy, st.head, r.color, st.colors.ring);
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

  // A divergence note beside its X (on the side with room for it, and whole inside the map even
  // where neither side has), moved down until it overlaps no earlier note.
  note(ctx, notes, text, x, y, color) {
    const p = this.player;
    ctx.font = p.font(0.9, 700);
    const w = ctx.measureText(text).width;
    const lh = p.fontSize * 1.25;
    const end = this.plot.x + this.plot.w - 2;
    const right = x > this.plot.x + this.plot.w * 0.6 || x + 12 + w > end;
    const left = Math.max(this.plot.x + 2, Math.min(end - w, right ? x - 12 - w : x + 12));
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
      if (r.hidden || !r.grad || ended(r, step)) continue;
      const k = headIndex(r, step);
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
    const t = p.data.titles;
    let html = `${escape(t.x)} = ${sci(x)}, ${escape(t.y)} = ${sci(y)}`;
    const best = p.nearestHead((r, k) =>
      Math.hypot(this.sx(r.xy[2 * k]) - e.offsetX, this.sy(r.xy[2 * k + 1]) - e.offsetY),
    );
    if (best) {
      html = p.headReadout(best.r, best.k);
    } else if (p.data.clickable) {
      html += "<br>click to start every runner here";
    }
    this.showTip(html, e.offsetX, e.offsetY);
  }

  // The map's point under the pointer, rounded to what the map can show (inside the plot).
  pointAt(e) {
    const px = Math.max(this.plot.x, Math.min(this.plot.x + this.plot.w, e.offsetX));
    const py = Math.max(this.plot.y, Math.min(this.plot.y + this.plot.h, e.offsetY));
    const digits = (axis) => Math.max(0, 3 - Math.floor(Math.log10(this.span(axis))));
    return [Number(this.dx(px).toFixed(digits(0))), Number(this.dy(py).toFixed(digits(1)))];
  }

  // A press that moves past the click's slop drags the start point: every runner follows, live.
  drag(e) {
    const press = this.press;
    const p = this.player;
    if (!press || !p.data.clickable || !p.data.live) return false;
    if (!press.dragging && Math.hypot(e.offsetX - press.x, e.offsetY - press.y) <= CLICK_SLOP) return false;
    press.dragging = true;
    const [x, y] = this.pointAt(e);
    this.pending = [x, y];
    p.root.dataset.pending = JSON.stringify(this.pending);
    p.redraw();
    p.coalescer.live({ start: [x, y] });
    return true;
  }

  release(e) {
    const press = this.press;
    this.press = null;
    const p = this.player;
    if (!press || !p.data.clickable || e.button !== 0) return;
    if (press.dragging) {
      const [x, y] = this.pointAt(e);
      p.coalescer.commit({ start: [x, y] });
      return;
    }
    if (Math.hypot(e.offsetX - press.x, e.offsetY - press.y) > CLICK_SLOP) return;
    if (!this.inside(e.offsetX, e.offsetY)) return;
    const [x, y] = this.pointAt(e);
    this.pending = [x, y];
    p.root.dataset.pending = JSON.stringify(this.pending);
    p.redraw(); // a race that is playing keeps playing: the new one continues from this step
    p.send("start", { x, y });
  }
}
