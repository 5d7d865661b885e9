// The player's controls: play/pause, step buttons, the scrub slider, the step read-out, the speed
// menu, the legend (click an entry to hide or show a runner) and the keyboard.
import { el } from "./dom.js";
import { SHORTCUTS, shortcut } from "./layout.js";

// Button icons as inline SVG: symbol fonts for media keys are missing on many machines.
const svg = (path) =>
  `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="currentColor">${path}</svg>`;
export const ICONS = {
  play: svg('<path d="M4 2.5v11l9-5.5z"/>'),
  pause: svg('<path d="M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z"/>'),
  first: svg('<path d="M2.5 2.5h2v11h-2zM14 2.5v11L5.5 8z"/>'),
  back: svg('<path d="M12.5 2.5v11L4 8z"/>'),
  forward: svg('<path d="M3.5 2.5v11L12 8z"/>'),
  last: svg('<path d="M11.5 2.5h2v11h-2zM2 2.5v11L10.5 8z"/>'),
  present: svg('<path d="M1.5 1.5h5v2h-3v3h-2zM9.5 1.5h5v5h-2v-3h-3zM1.5 9.5h2v3h3v2h-5zM12.5 9.5h2v5h-5v-2h3z"/>'),
  leave: svg('<path d="M4.5 1.5h2v5h-5v-2h3zM9.5 1.5h2v3h3v2h-5zM1.5 9.5h5v5h-2v-3h-3zM9.5 9.5h5v2h-3v3h-2z"/>'),
};

// The bar of controls at the top of `player.root`; returns its live parts.
export function buildControls(player) {
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
  const keys = button("optviz-keys", "?", "Keyboard shortcuts (?)", () => player.showHelp());
  keys.classList.add("ovz-keys-button");
  const present = button("optviz-present", "", "Presenter mode (F)", () => player.setPresent(!player.present));
  present.classList.add("ovz-present-button");
  showPresent(present, false);
  return { bar, play, scrub, readout, speed, present };
}

export function showPresent(button, present) {
  button.innerHTML = present ? `${ICONS.leave}<span>Exit</span>` : `${ICONS.present}<span>Present</span>`;
  const title = present ? "Leave presenter mode (Esc)" : "Presenter mode: the race fills the window (F)";
  button.title = title;
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-pressed", String(present));
}

// The keyboard's shortcuts, shown on `?` (hidden until then).
export function buildHelp(player) {
  // (a dialog only while it shows: a page's hidden dialogs are still counted as dialogs by some tools)
  const box = el("div", { class: "ovz-help", "aria-label": "Keyboard shortcuts" }, player.root);
  box.setAttribute("data-testid", "optviz-shortcuts");
  box.hidden = true;
  el("div", { class: "ovz-help-title", text: "Keyboard shortcuts" }, box);
  const list = el("dl", {}, box);
  for (const [key, what] of SHORTCUTS) {
    el("dt", { text: key }, list);
    el("dd", { text: what }, list);
  }
  const close = el("button", { type: "button", text: "Close", "data-testid": "optviz-shortcuts-close" }, box);
  close.addEventListener("click", () => player.showHelp(false));
  return box;
}

export function showPlaying(button, playing) {
  button.innerHTML = playing ? `${ICONS.pause}<span>Pause</span>` : `${ICONS.play}<span>Play</span>`;
}

// The speed menu's choices (steps per second): the app's list and the race's own speed.
export function speedOptions(select, speeds, extra, current) {
  const values = [...new Set([...speeds, extra])].sort((a, b) => a - b);
  select.innerHTML = "";
  for (const v of values) el("option", { value: String(v), text: `${v} ${v === 1 ? "step" : "steps"}/s` }, select);
  select.value = String(current);
}

// One legend entry per runner (with its divergence note and its live value), then the marks' key.
// Returns the elements that show each runner's value.
export function buildLegend(player, legend) {
  legend.innerHTML = "";
  const values = [];
  const items = [];
  for (const r of player.runners) {
    const item = el("button", { type: "button", class: "ovz-item", title: "Hide / show this runner" }, legend);
    item.setAttribute("data-testid", "optviz-legend-item");
    item.setAttribute("aria-pressed", String(!r.hidden));
    item.classList.toggle("ovz-off", r.hidden);
    items.push(item);
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
      const hidden = player.toggleRunner(r);
      item.classList.toggle("ovz-off", hidden);
      item.setAttribute("aria-pressed", String(!hidden));
    });
  }
  player.legendItems = items;
  const marks = ["○ start", "● now", "✕ diverged", "★ minimum"];
  if (player.options.arrows) marks.push("⟶ update Δw", "⇢ −gradient");
  el("span", { class: "ovz-keys", text: marks.join("   ") }, legend);
  return values;
}

// What a key does (layout.js `shortcut` names the action). Keys count while the focus is in the
// player, and in presenter mode also when nothing else has it; a field keeps its own keys (a slider
// its arrows, a menu everything).
export function onKey(player, e) {
  if (!player.data || player.destroyed) return;
  const path = e.composedPath ? e.composedPath() : [e.target];
  const target = path[0] || e.target;
  const inside = path.includes(player.root);
  const loose = !target || target === document.body || target === document.documentElement || target === window;
  if (!inside && !(player.present && loose)) return;
  const tag = target && target.tagName;
  if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && target.type !== "range")) return;
  const action = shortcut(e.key, { ctrl: e.ctrlKey, alt: e.altKey, meta: e.metaKey });
  if (!action) return;
  if (tag === "INPUT" && ["back", "forward", "first", "last"].includes(action.act)) return; // the slider's own
  if (tag === "BUTTON" && e.key === " " && target !== player.root) {
    // Space on a focused button presses that button (as everywhere), except the play button's own.
    if (target !== player.controls.play) return;
  }
  const acts = {
    toggle: () => player.toggle(),
    back: () => player.pauseAndSeek(player.step - 1),
    forward: () => player.pauseAndSeek(player.step + 1),
    first: () => player.pauseAndSeek(0),
    last: () => player.pauseAndSeek(player.data.steps),
    restart: () => player.restart(),
    runner: () => player.toggleIndex(action.index),
    preset: () => player.send("preset", action.by),
    view3d: () => player.toggle3d(),
    present: () => player.setPresent(!player.present),
    help: () => player.showHelp(),
    escape: () => {
      if (!player.help.hidden) player.showHelp(false);
      else if (player.present) player.setPresent(false);
      else return false;
      return true;
    },
  };
  if (acts[action.act]() === false) return;
  e.preventDefault();
  e.stopPropagation();
}

export function hint(clickable, show3d) {
  const parts = [];
  if (clickable) parts.push("Click the contour map to start every runner there");
  if (show3d) parts.push("drag the 3-D view to turn it, wheel or pinch to zoom, double-click to reset");
  parts.push("click a curve to jump to that step", "click a legend entry to hide or show a runner.");
  const text = parts.join(" · ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

