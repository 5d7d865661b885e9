// The player: holds a race's data, lays out the views, draws them and plays the race.
import { Coalescer, LiveRow, postChange } from "./live.js";
import { buildControls, buildHelp, buildLegend, hint, onKey, showPlaying, showPresent, speedOptions } from "./controls.js";
import { ContourView } from "./contour.js";
import { CurveView } from "./curves.js";
import { bytes, decodeRunners, decodeRuns, ended, f32, headIndex, heldRunners, paint, raceData } from "./data.js";
import { el, escape } from "./dom.js";
import { arrangement, describe, fontSizeFor, viewsHeight } from "./layout.js";
import { sci } from "./scales.js";
import { SurfaceView } from "./surface3d.js";

const LEGEND_EVERY = 100; // ms between legend value updates while playing
const HEAD_REACH = 12; // CSS pixels: how near a head the pointer must be for its read-out
const RELEASE_WAIT_MS = 250; // at most this long a release waits for its race over the direct line

export class Player {
  constructor(host) {
    this.host = host;
    this.root = host.querySelector(".ovz") || el("div", { class: "ovz", "data-testid": "optviz-player" }, host);
    this.root.tabIndex = 0;
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-label", "Race player");
    this.present = false;
    this.flipped = {}; // switches the user flipped that the host has not answered yet (`choice`)
    this.step = 0;
    this.playing = false;
    this.speed = 30;
    this.frames = 0;
    this.renderMs = 0;
    this.hidden = new Set();
    this.destroyed = false;
    this.send = () => {};
    this.released = 0; // the seq of the last release: a live answer older than it is not drawn
    this.coalescer = new Coalescer((name, value) => {
      const change = { ...value, have: this.holding() };
      const line = this.data && this.data.live;
      const direct = Boolean(line && line.url && !this.lineDown);
      if (name !== "live") {
        // The release reruns the whole page (the link, the results). Over the direct line the chart
        // shows the released value's race first (the same race: the same revision), and the page's
        // rerun is asked for once it is drawn: asked for at once, its rendering in the browser would
        // hold the chart back. A line that does not answer in time does not hold the page back.
        this.released = value.seq;
        if (!direct) {
          this.send(name, value);
          return;
        }
        const wait = new Promise((resolve) => setTimeout(resolve, RELEASE_WAIT_MS));
        Promise.race([this.direct(line, change, true), wait]).then(() => this.send(name, value));
        return;
      }
      this.root.dataset.liveLine = direct ? "direct" : "host"; // the way the last live change went
      if (direct) this.direct(line, change);
      else this.send("live", change);
    });
    this.controls = buildControls(this);
    showPlaying(this.controls.play, false);
    this.legend = el("div", { class: "ovz-legend", "data-testid": "optviz-legend" }, this.root);
    this.views = el("div", { class: "ovz-views" }, this.root);
    this.hintLine = el("div", { class: "ovz-hint" }, this.root);
    // What the race shows, in words, for a screen reader: kept current while paused (not read out
    // on every frame of an animation).
    this.summary = el("p", { class: "ovz-sr", "data-testid": "optviz-summary", "aria-live": "polite" }, this.root);
    this.help = buildHelp(this);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.root);
    // What is above the player can grow or shrink (a note opened, a header that wraps): the views'
    // height follows the place where they start. The page's boxes around the player are watched.
    this.around = new ResizeObserver(() => this.refit());
    // Keys reach the player while the focus is in it, and in presenter mode from anywhere but a field.
    this.onKeyDown = (e) => onKey(this, e);
    this.onWindowResize = () => this.resize();
    // A link to "#optviz-player" on the page (the host's skip link) brings the focus to the player.
    this.onSkip = (e) => {
      const link = e.target && e.target.closest ? e.target.closest('a[href="#optviz-player"]') : null;
      if (!link || this.destroyed) return;
      e.preventDefault();
      this.root.focus({ preventScroll: true });
      this.root.scrollIntoView({ block: "start" });
    };
    window.addEventListener("keydown", this.onKeyDown);
    window.addEventListener("resize", this.onWindowResize);
    document.addEventListener("click", this.onSkip);
  }

  destroy() {
    this.destroyed = true;
    this.playing = false;
    this.observer.disconnect();
    this.around.disconnect();
    window.removeEventListener("keydown", this.onKeyDown);
    window.removeEventListener("resize", this.onWindowResize);
    document.removeEventListener("click", this.onSkip);
  }

  font(scale = 1, weight = 400) {
    return `${weight} ${Math.round(this.fontSize * scale)}px ${this.fontFamily}`;
  }

  // ------------------------------------------------------------------------------------------ data

  update(sent) {
    const received = performance.now();
    const previous = this.data;
    const data = this.resolve(sent);
    const oldSteps = previous ? previous.steps : 0;
    this.data = data;
    const show3d = this.choice("show3d", data.options.show3d);
    this.options = show3d === data.options.show3d ? data.options : { ...data.options, show3d };
    this.runners = decodeRunners(data, this.hidden);
    this.drawOrder = data.order.map((i) => this.runners[i]);
    if (data.live) {
      if (!this.liveRow) this.liveRow = new LiveRow(this);
      this.liveRow.update(data.live);
      this.inputAt = this.coalescer.answered(data.live.seq);
    } else if (this.liveRow) {
      this.liveRow.row.remove();
      this.liveRow = null;
    }
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
    const present = this.choice("present", Boolean(data.options.present));
    if (!previous || present !== this.present) this.setPresent(present, false);
    speedOptions(this.controls.speed, data.options.speeds, data.options.speed, this.speed);
    this.controls.scrub.max = String(data.steps);
    if (this.contour) this.contour.pending = null;
    delete this.root.dataset.pending;
    this.hintLine.textContent = hint(data.clickable, this.options.show3d);
    this.root.dataset.steps = String(data.steps);
    this.root.dataset.first = JSON.stringify(this.runners.map((r) => [r.xy[0], r.xy[1]]));
    const last = this.runners.map((r) => {
      const k = r.xy.length / 2 - 1;
      return [r.xy[2 * k], r.xy[2 * k + 1]];
    });
    this.root.dataset.last = JSON.stringify(last);
    this.legendValues = buildLegend(this, this.legend);
    // The legend with its values before the views are fitted below it: filled later, a legend that
    // wraps onto a second row would move the views after they were sized, and every live update
    // would draw the 3-D surface twice.
    this.showLegendValues(this.step);
    const layoutKey = JSON.stringify([this.options.show3d, data.options.rates]);
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.buildViews();
    }
    this.contourImage(data.surface.image);
    if (!this.watching) this.watchAround();
    this.resize(true);
    this.root.dataset.revision = data.rev;
    this.root.dataset.received = received.toFixed(0); // ms since navigation
    this.root.dataset.drawMs = (performance.now() - received).toFixed(1);
    if (this.inputAt !== null && this.inputAt !== undefined) {
      // How far the drawn race is behind the pointer: from the move to the value it shows, to now.
      this.liveLags = [...(this.liveLags || []).slice(-199), Math.round(performance.now() - this.inputAt)];
      this.root.dataset.liveLags = JSON.stringify(this.liveLags);
      this.inputAt = null;
    }
  }

  // A switch the user flipped here (presenter mode, the 3-D view) holds until the host's data says
  // the same: a race that was on its way before the flip must not undo it.
  choice(name, fromHost) {
    if (!(name in this.flipped)) return fromHost;
    const mine = this.flipped[name];
    if (mine === fromHost) delete this.flipped[name];
    return mine;
  }

  // Presenter mode: the player covers the window, with larger type; the host is told (the app keeps
  // it in its link) when the user switched it.
  setPresent(on, fromUser = true) {
    const was = this.present;
    this.present = Boolean(on);
    this.root.classList.toggle("ovz-present", this.present);
    this.root.dataset.present = String(this.present);
    showPresent(this.controls.present, this.present);
    if (fromUser) {
      this.flipped.present = this.present;
      this.send("present", this.present);
    }
    if (this.present && !was) this.root.focus({ preventScroll: true });
    if (!this.present && was) {
      this.showHelp(false);
      if (this.root.contains(document.activeElement) || document.activeElement === document.body) {
        this.controls.present.focus({ preventScroll: true });
      }
    }
    if (this.data) this.resize(true);
  }

  showHelp(on = this.help.hidden) {
    this.help.hidden = !on;
    if (on) this.help.setAttribute("role", "dialog");
    else this.help.removeAttribute("role");
    this.root.dataset.help = String(Boolean(on));
  }

  // Hides or shows runner i (a digit key) as its legend entry does.
  toggleIndex(i) {
    const r = this.runners && this.runners[i];
    if (!r) return;
    const hidden = this.toggleRunner(r);
    const item = this.legendItems && this.legendItems[i];
    if (item) {
      item.classList.toggle("ovz-off", hidden);
      item.setAttribute("aria-pressed", String(!hidden));
    }
  }

  // The 3-D view on or off at once; the host is told (the app keeps it in its settings and link).
  toggle3d() {
    const on = !this.options.show3d;
    this.options = { ...this.options, show3d: on };
    this.layoutKey = JSON.stringify([on, this.options.rates]);
    this.buildViews();
    this.hintLine.textContent = hint(this.data.clickable, on);
    this.resize(true);
    this.flipped.show3d = on;
    this.send("view3d", on);
  }

  restart() {
    this.pauseAndSeek(0);
    this.play();
  }

  // A change over the direct line: its answer is drawn as the host's data would be, unless a later
  // release made it old. A refused change is answered with nothing drawn, so the next value goes
  // out; without a line the host takes this change and the ones after it (a release, it has).
  direct(line, change, release = false) {
    return postChange(line.url, { settings: line.settings, change }).then(
      (answer) => {
        if (!this.destroyed && change.seq >= this.released) this.update(raceData(answer));
      },
      (refused) => {
        if (this.destroyed) return;
        if (refused.fallback) {
          this.lineDown = true;
          if (!release) this.send("live", change);
        } else {
          console.warn(`optviz: live change not raced: ${refused.message}`);
          this.coalescer.answered(change.seq);
        }
      },
    );
  }

  // A live update refers to what this player holds instead of sending it again ({"same": key}):
  // the surface it drew last, and runners by digest (kept for a few races).
  resolve(data) {
    this.held = this.held || new Map();
    const runners = heldRunners(this.held, data.runners);
    const surface = data.surface.same ? this.data.surface : data.surface;
    return { ...data, runners, surface };
  }

  // What this player holds, for a live change to name (so the host does not send it again).
  holding() {
    if (!this.data) return null;
    return { surface: this.data.surface.key, runners: this.data.runners.map((r) => r.digest).filter(Boolean) };
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
      new CurveView(this, this.curveBox, "optviz-distance", "distance"),
    ];
    if (o.rates) this.curves.push(new CurveView(this, this.curveBox, "optviz-rates", "rate"));
    this.arrange();
  }

  // The grid adapts to the width: one row of three views on a wide screen, two rows on a laptop.
  // The views' height follows the window (data.options.fit, and always in presenter mode): the map
  // with its axes ends just above the window's bottom edge; else it is data.options.height.
  arrange() {
    const width = this.root.getBoundingClientRect().width || 1000;
    this.fontSize = fontSizeFor(width, this.present);
    this.root.classList.toggle("ovz-narrow", width < (this.present ? 1300 : 900));
    this.root.style.setProperty("--ovz-font", `${this.fontSize}px`);
    const fit = this.present || Boolean(this.options.fit);
    const legend = this.placeLegend(this.present && width >= 700);
    this.fittedTop = fit ? this.viewsTop() : 0;
    const H = viewsHeight({
      viewport: window.innerHeight,
      top: this.fittedTop,
      fixed: fit ? null : this.options.height,
      gap: this.present ? 8 : undefined,
    });
    this.root.dataset.viewsHeight = String(H);
    const a = arrangement(width, H, Boolean(this.surface3d), this.curves.length, this.present, legend);
    this.contour.panel.style.gridRow = a.map ? a.map.row : "auto";
    this.contour.panel.style.gridColumn = a.legend ? "1" : "";
    this.legend.style.gridRow = a.legend ? a.legend.row : "";
    this.legend.style.gridColumn = a.legend ? a.legend.column : "";
    const v = this.views.style;
    const c = this.curveBox.style;
    v.gridTemplateColumns = a.views.columns;
    v.gridTemplateRows = a.views.rows;
    c.gridTemplateColumns = a.curves.columns;
    c.gridTemplateRows = a.curves.rows;
    c.gridColumn = a.curves.column;
  }

  // The legend above the views, or (presenter mode) at the head of their side column, so the map has
  // the whole height under the bar; returns its height in the side column (0 above the views).
  placeLegend(side) {
    const v = this.views;
    if (side) {
      if (this.legend.parentNode !== v) v.prepend(this.legend);
      this.legend.classList.add("ovz-side");
      v.style.gridTemplateColumns = "3.4fr 1fr"; // the side column's width, before measuring
      this.legend.style.gridRow = "1";
      this.legend.style.gridColumn = "2";
      return Math.ceil(this.legend.getBoundingClientRect().height);
    }
    if (this.legend.parentNode !== this.root) this.root.insertBefore(this.legend, v);
    this.legend.classList.remove("ovz-side");
    return 0;
  }

  // The boxes that hold the player, up to the page's body (through a shadow root's host).
  watchAround() {
    this.watching = true;
    let node = this.root.parentNode;
    for (let i = 0; node && i < 40; i++) {
      if (node.nodeType === 1 && node !== document.body) this.around.observe(node);
      if (node === document.body) break;
      node = node.parentNode || node.host || null;
    }
  }

  // Arranges again when the views no longer start where their height was measured from.
  refit() {
    if (!this.data || !this.contour || this.destroyed) return;
    if (!(this.present || this.options.fit)) return;
    if (Math.abs(this.viewsTop() - (this.fittedTop || 0)) > 1) this.resize();
  }

  // Where the views start, in the page's coordinates (as if it were not scrolled): the box's place on
  // screen plus every scroll offset above it (Streamlit scrolls its main section, not the window). In
  // presenter mode the root is fixed to the window: only its own scroll counts.
  viewsTop() {
    let top = this.views.getBoundingClientRect().top;
    if (this.present) return top + this.root.scrollTop;
    let node = this.views.parentNode;
    while (node) {
      if (node.scrollTop) top += node.scrollTop;
      node = node.parentNode || node.host || null;
    }
    return top; // (the window's own scroll is the root element's scrollTop, counted above)
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
    return (
      `<span class="ovz-dot" style="background:${r.color}"></span><b>${escape(r.label)}</b> · step ${k}${state}<br>` +
      `${escape(t.x)} = ${sci(r.xy[2 * k])}, ${escape(t.y)} = ${sci(r.xy[2 * k + 1])}<br>` +
      `f = ${sci(f)} · f − f* = ${this.gap(r.gap[k])}`
    );
  }

  // The race in words (the text alternative of the views), for the step on screen.
  describe() {
    const step = this.step;
    const text = describe({
      surface: this.data.titles.race || this.data.surface.name,
      runners: this.runners.map((r) => ({
        label: r.label,
        hidden: r.hidden,
        ended: ended(r, step),
        gap: r.gap[headIndex(r, step)],
      })),
      step,
      steps: this.data.steps,
      format: (v) => this.gap(v),
    });
    if (this.summary.textContent !== text) this.summary.textContent = text;
    this.contour.base.setAttribute("aria-label", text);
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
    this.controls.readout.textContent = `Step ${step} / ${this.data.steps}`;
    this.controls.scrub.value = String(step);
    const now = performance.now();
    if (!this.playing || now - (this.legendAt || 0) > LEGEND_EVERY) {
      this.legendAt = now;
      this.showLegendValues(step);
    }
    this.root.dataset.step = String(step);
    if (!this.playing) this.describe();
    this.renderMs = 0.9 * this.renderMs + 0.1 * (performance.now() - t0);
    this.root.dataset.renderMs = this.renderMs.toFixed(2);
  }

  showLegendValues(step) {
    this.runners.forEach((r, i) => {
      const k = headIndex(r, step);
      this.legendValues[i].textContent = ended(r, step) ? "" : `f − f* ${this.gap(r.gap[k])}`;
    });
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
    showPlaying(this.controls.play, false);
    if (this.data) this.redraw(); // the legend values catch up
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
}
