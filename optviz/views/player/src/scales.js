// Scales: what the payload computed (ticks and their labels) chosen here, and read-out text. The
// values themselves come from optviz.views.figures; nothing here computes a tick or a colour again.

// The tick set for an axis with room for about `count` ticks, from a ladder the payload sent
// (figures.tick_ladder): a list of [value, label].
export function pickTicks(ladder, count) {
  const i = Math.max(0, Math.min(ladder.pick.length - 1, Math.round(count)));
  return ladder.rungs[ladder.pick[i]];
}

// A value as short text for read-outs (hover): 3 significant digits, exponents outside [1e-3, 1e5).
export function sci(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

// Position in [0, 1] of a value in the colour scale's units (clipped to its ends).
export function unit(scale, value) {
  const t = (value - scale.low) / (scale.high - scale.low);
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

// A value of the colour scale's units as the loss it stands for: f itself, or f* + 10^v on a log
// scale (the scale's tiny floor left out).
export function lossOf(scale, value) {
  return scale.log ? scale.offset + 10 ** value : value;
}
