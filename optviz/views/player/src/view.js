import { el } from "./dom.js";

// A view: a panel with a static canvas under an overlay canvas, both at device resolution.
// Sizes a view's two canvases (`base`, `top`) to its panel at the screen's pixel density; whether
// anything changed (or `force`). The player's views and the stability map share it.
export function fitCanvases(view, force = false) {
  const r = view.panel.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(r.width));
  const h = Math.max(1, Math.round(r.height));
  if (!force && w === view.w && h === view.h && dpr === view.dpr) return false;
  view.w = w;
  view.h = h;
  view.dpr = dpr;
  for (const c of [view.base, view.top]) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  return true;
}

export class View {
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
    return fitCanvases(this);
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
    ctx.strokeStyle = "rgba(255,255,255,0.85)"; // readable over a zoomed-in surface
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
}
