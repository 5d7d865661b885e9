// The race player: draws a race on canvases and animates it in the browser, in any host.
//
// Every view has two stacked canvases: a static layer (contour picture, surface, axes, full curves)
// drawn when the data, the size or the 3-D camera changes, and an overlay redrawn for each step
// (trails, heads, arrows, step markers). A frame therefore costs a few polylines, whatever the
// surface. Every value a view shows that is not the race's own numbers (ticks and their labels, the
// colour scale, titles, marker sizes, colours, the camera) comes with the payload, computed in Python
// (optviz.views.figures).
//
// Host contract: `mount({data, parentElement, setTriggerValue})`
//   data             optviz.views.player.payload(race, view): parsed JSON, its text, or the bytes of
//                    its text (what the Streamlit component sends; see race_player in __init__.py)
//   parentElement    the element to draw in (the player fills its width; its views' height is
//                    data.options.height, or follows the window with data.options.fit); it may
//                    hold a `.ovz` root to use, or the player makes one
//   setTriggerValue  (name, value) => void: ("start", {x, y}) when the map is clicked (only when
//                    data.clickable), ("speed", steps per second) when the speed menu changes,
//                    ("present", bool) for presenter mode, ("preset", ±1) for the N / P keys and
//                    ("view3d", bool) for the D key
// Mounting again on the same element with new data updates the player in place (it keeps its step,
// play state, speed, camera and hidden runners). The returned function unmounts it. The player's CSS
// (static/player.css) must be on the page or in the host's shadow root.
//
// Hooks for tests and benchmarks, on the root (data-testid="optviz-player"): data-step, data-steps,
// data-playing, data-present, data-views-height, data-revision (the drawn race), data-heads /
// data-first / data-last (points per runner), data-plot (the map's plot box in CSS pixels and its
// domain), data-camera (the 3-D view's azimuth, elevation, zoom and pan), data-frames and data-fps
// (frames drawn while playing), data-render-ms (a step's drawing), data-draw-ms, data-static-ms and
// data-surface-ms (drawing a race, the still layers, the 3-D surface), data-live-line ("direct"
// or "host": the way the last live change went) and data-live-lags (ms from a live value to its
// race drawn). Controls and views carry
// data-testid="optviz-play", "optviz-scrub", "optviz-step", "optviz-speed", "optviz-present",
// "optviz-keys", "optviz-shortcuts", "optviz-summary" (the race in words), "optviz-map" (the map's
// panel with its axes), "optviz-contour", "optviz-surface3d", "optviz-loss", "optviz-distance", ...
import { raceData } from "./data.js";
import { Player } from "./player.js";

const PLAYERS = new WeakMap();

export default function mount({ data, parentElement, setTriggerValue }) {
  let player = PLAYERS.get(parentElement);
  if (!player || player.destroyed) {
    player = new Player(parentElement);
    PLAYERS.set(parentElement, player);
  }
  player.send = typeof setTriggerValue === "function" ? setTriggerValue : () => {};
  player.update(raceData(data));
  return () => {
    player.destroy();
    PLAYERS.delete(parentElement);
  };
}
