// Layout and wording: the views' height that fits the window, the grid, the keys and the sentence
// that says what the race shows.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  MIN_VIEWS,
  SHORTCUTS,
  arrangement,
  describe,
  fontSizeFor,
  shortcut,
  viewsHeight,
} from "../../optviz/views/player/src/layout.js";

test("the views end just above the window's bottom edge, within a sensible range", () => {
  assert.equal(viewsHeight({ viewport: 768, top: 350 }), 768 - 350 - 12);
  assert.equal(viewsHeight({ viewport: 1080, top: 330, gap: 20 }), 730);
  // a short window or a player far down the page: never below the minimum
  assert.equal(viewsHeight({ viewport: 500, top: 450 }), MIN_VIEWS);
  assert.equal(viewsHeight({ viewport: 768, top: 2000 }), MIN_VIEWS);
  // a very tall window: capped
  assert.equal(viewsHeight({ viewport: 5000, top: 0, max: 1400 }), 1400);
  // a host's fixed height wins
  assert.equal(viewsHeight({ viewport: 768, top: 350, fixed: 600 }), 600);
});

test("text is never under 14 px, and larger in presenter mode", () => {
  for (const width of [320, 660, 899, 1000, 1399]) assert.ok(fontSizeFor(width) >= 14);
  assert.equal(fontSizeFor(1500), 15);
  for (const width of [800, 1024, 1920]) assert.ok(fontSizeFor(width, true) > fontSizeFor(width));
});

test("the grid puts the map first and as tall as the window allows", () => {
  const wide = arrangement(1500, 700, true, 2);
  assert.equal(wide.views.columns, "1.2fr 1fr 1fr");
  assert.equal(wide.views.rows, "700px");
  const laptop = arrangement(1000, 330, true, 2);
  assert.equal(laptop.views.rows.split(" ")[0], "330px");
  assert.equal(laptop.curves.column, "1 / span 2");
  // a narrow main column: the map takes the larger share
  assert.equal(arrangement(660, 350, true, 2).views.columns, "3fr 2fr");
  assert.equal(arrangement(800, 400, false, 3).views.columns, "1.35fr 1fr");
  // a phone: one column, the map about square
  const phone = arrangement(380, 600, true, 2);
  assert.equal(phone.views.columns, "1fr");
  assert.equal(phone.views.rows.split(" ")[0], "399px");
});

test("in presenter mode the map takes most of the screen, the other views a side column", () => {
  const a = arrangement(1366, 640, true, 2, true);
  assert.equal(a.views.columns, "3.4fr 1fr");
  assert.equal(a.map.row, "1 / span 2");
  assert.equal(a.views.rows, "315px 315px");
  assert.equal(arrangement(1366, 640, false, 2, true).views.rows, "640px");
  // the legend heads the side column: the map spans it too, the other views share what is left
  const withLegend = arrangement(1366, 640, true, 2, true, 150);
  assert.equal(withLegend.views.rows, "150px 235px 235px");
  assert.equal(withLegend.map.row, "1 / span 3");
  assert.deepEqual(withLegend.legend, { row: "1", column: "2" });
  assert.equal(arrangement(1366, 640, false, 2, true, 150).views.rows, "150px 480px");
  // a phone stays one column
  assert.equal(arrangement(400, 640, true, 2, true).views.columns, "1fr");
});

test("keys name their actions; modified keys are the browser's", () => {
  assert.deepEqual(shortcut(" "), { act: "toggle" });
  assert.deepEqual(shortcut("ArrowRight"), { act: "forward" });
  assert.deepEqual(shortcut("3"), { act: "runner", index: 2 });
  assert.equal(shortcut("0"), null);
  assert.deepEqual(shortcut("n"), { act: "preset", by: 1 });
  assert.deepEqual(shortcut("P"), { act: "preset", by: -1 });
  assert.deepEqual(shortcut("f"), { act: "present" });
  assert.deepEqual(shortcut("d"), { act: "view3d" });
  assert.deepEqual(shortcut("r"), { act: "restart" });
  assert.deepEqual(shortcut("?"), { act: "help" });
  assert.deepEqual(shortcut("Escape"), { act: "escape" });
  assert.equal(shortcut("f", { ctrl: true }), null);
  assert.equal(shortcut("r", { meta: true }), null);
  assert.equal(shortcut("x"), null);
  // the help lists every action the keys have
  const listed = SHORTCUTS.map(([key]) => key).join(" ");
  for (const key of ["Space", "N / P", "D", "F", "Esc", "?", "1 – 9", "R"]) assert.ok(listed.includes(key), key);
});

test("the race in one sentence: surface, competitors, step, leader and who diverged", () => {
  const runners = [
    { label: "Batch GD", gap: 0.5, ended: false },
    { label: "Adam", gap: 0.001, ended: false },
    { label: "SGD", gap: 1e-9, ended: false, hidden: true },
    { label: "Momentum", gap: Infinity, ended: true },
  ];
  const text = describe({ surface: "Beale's function", runners, step: 40, steps: 300 });
  assert.equal(
    text,
    "Beale's function, 3 competitors: Batch GD, Adam and Momentum. Step 40 of 300. " +
      "Adam leads, f − f* = 0.001. Diverged: Momentum.",
  );
  const none = describe({ surface: "Saddle point", runners: [{ label: "Adam", gap: 1, hidden: true }], step: 0, steps: 10 });
  assert.equal(none, "Saddle point, no competitors shown. Step 0 of 10.");
  const one = describe({ surface: "Bowl", runners: [{ label: "Adam", gap: 2, ended: false }], step: 1, steps: 2, format: (v) => v.toFixed(1) });
  assert.equal(one, "Bowl, 1 competitor: Adam. Step 1 of 2. Adam leads, f − f* = 2.0.");
});
