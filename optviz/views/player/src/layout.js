// Pure layout and wording: how tall the views are, how they are arranged, which key does what and
// the sentence that says what the race shows. No DOM here: unit-tested in tests/js/layout.test.js.

export const MIN_VIEWS = 280; // CSS pixels: below this a map's axes crowd out its picture
export const MAX_VIEWS = 1400;
export const BOTTOM_GAP = 12; // pixels left under the views, so the map's frame is not on the edge

// The views' row height that fits the window: the window's height minus where the views start (in
// the page's own coordinates, scrolling aside) and a small gap, clamped to [min, max]. `fixed` (a
// number) is the host's own height, used when the player does not follow the window.
export function viewsHeight({ viewport, top, fixed = null, gap = BOTTOM_GAP, min = MIN_VIEWS, max = MAX_VIEWS }) {
  if (fixed !== null && fixed !== undefined) return fixed;
  const room = Math.floor(viewport - top - gap);
  return Math.max(min, Math.min(max, room));
}

// The player's text size for its width: never under 14 px (readable from the back of a room), larger
// in presenter mode.
export function fontSizeFor(width, present = false) {
  if (present) return width >= 1600 ? 20 : width >= 1100 ? 18 : 16;
  return width >= 1400 ? 15 : 14;
}

// The grid of views for a width and a views' height H: where the map, the 3-D surface and the curves
// go. Returns CSS grid values for the views' box (`views`), the map's rows (`map`) and the curves'
// column (`curves`). In presenter mode the map takes most of the screen, the others a side column.
// In presenter mode the legend heads the side column (`legend`, its height in pixels), so the map has
// the whole height below the bar.
export function arrangement(width, H, has3d, curves, present = false, legend = 0) {
  if (present && width >= 700) {
    const gap = 10; // the views' grid gap (0.6rem)
    const side = H - (legend > 0 ? legend + gap : 0);
    const half = Math.floor((side - gap) / 2);
    const rows = has3d ? [`${half}px`, `${half}px`] : [`${side}px`];
    if (legend > 0) rows.unshift(`${legend}px`);
    return {
      views: { columns: "3.4fr 1fr", rows: rows.join(" ") },
      map: { row: `1 / span ${rows.length}` },
      legend: legend > 0 ? { row: "1", column: "2" } : null,
      curves: { columns: "1fr", rows: `repeat(${curves}, 1fr)`, column: "auto" },
    };
  }
  if (width >= 1180 || (!has3d && width >= 700)) {
    return {
      views: { columns: has3d ? "1.2fr 1fr 1fr" : "1.35fr 1fr", rows: `${H}px` },
      curves: { columns: "1fr", rows: `repeat(${curves}, 1fr)`, column: "auto" },
    };
  }
  if (width >= 640) {
    // the map and the 3-D view side by side, the map the wider (its axes and colour bar take room);
    // the curves in a row below
    return {
      views: { columns: width >= 900 ? "1fr 1fr" : "3fr 2fr", rows: `${H}px ${Math.max(230, Math.round(H * 0.6))}px` },
      curves: { columns: `repeat(${curves}, 1fr)`, rows: "1fr", column: "1 / span 2" },
    };
  }
  // a phone: one column, the map no taller than about square
  const top = Math.max(260, Math.min(H, Math.round(width * 1.05)));
  return {
    views: {
      columns: "1fr",
      rows: has3d ? `${top}px ${Math.round(top * 0.85)}px auto` : `${top}px auto`,
    },
    curves: { columns: "1fr", rows: `repeat(${curves}, 220px)`, column: "auto" },
  };
}

// The keyboard's shortcuts, as the `?` panel lists them.
export const SHORTCUTS = [
  ["Space", "play / pause"],
  ["← / →", "step back / forward"],
  ["Home / End", "first / last step"],
  ["R", "restart: play from the first step"],
  ["1 – 9", "hide / show competitor 1 – 9"],
  ["N / P", "next / previous preset"],
  ["D", "3-D view on / off"],
  ["F", "presenter mode on / off"],
  ["Esc", "leave presenter mode"],
  ["?", "show / hide these shortcuts"],
];

// The action a key stands for (or null): pure, so that the map from keys to actions is tested.
export function shortcut(key, { ctrl = false, alt = false, meta = false } = {}) {
  if (ctrl || alt || meta) return null;
  switch (key) {
    case " ":
      return { act: "toggle" };
    case "ArrowLeft":
      return { act: "back" };
    case "ArrowRight":
      return { act: "forward" };
    case "Home":
      return { act: "first" };
    case "End":
      return { act: "last" };
    case "r":
    case "R":
      return { act: "restart" };
    case "n":
    case "N":
    case "PageDown":
      return { act: "preset", by: 1 };
    case "p":
    case "P":
    case "PageUp":
      return { act: "preset", by: -1 };
    case "d":
    case "D":
      return { act: "view3d" };
    case "f":
    case "F":
      return { act: "present" };
    case "Escape":
      return { act: "escape" };
    case "?":
      return { act: "help" };
    default:
      if (/^[1-9]$/.test(key)) return { act: "runner", index: Number(key) - 1 };
      return null;
  }
}

// The race in one sentence for a screen reader: the surface, who races, the step and who leads (the
// lowest f − f* among the shown runners that have not diverged). `runners`: [{label, gap, ended,
// hidden}], gap being f − f* at this step; `format` writes a number.
export function describe({ surface, runners, step, steps, format = String }) {
  const shown = runners.filter((r) => !r.hidden);
  const names = shown.map((r) => r.label);
  const who = names.length === 0 ? "no competitors shown" : `${names.length} ${names.length === 1 ? "competitor" : "competitors"}: ${listed(names)}`;
  const parts = [`${surface}, ${who}.`, `Step ${step} of ${steps}.`];
  const racing = shown.filter((r) => !r.ended && Number.isFinite(r.gap));
  if (racing.length > 0) {
    const best = racing.reduce((a, b) => (b.gap < a.gap ? b : a));
    parts.push(`${best.label} leads, f − f* = ${format(best.gap)}.`);
  }
  const out = shown.filter((r) => r.ended).map((r) => r.label);
  if (out.length > 0) parts.push(`Diverged: ${listed(out)}.`);
  return parts.join(" ");
}

function listed(names) {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
