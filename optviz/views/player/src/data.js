// Decoding the payload that optviz.views.player.payload sends: pure functions, no DOM.

// The payload as an object, whether it came parsed, as JSON text or as the bytes of that text (the
// Streamlit component sends bytes: see race_player in optviz/views/player/__init__.py).
export function raceData(raw) {
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) return JSON.parse(new TextDecoder().decode(raw));
  return typeof raw === "string" ? JSON.parse(raw) : raw;
}

// Bytes of a base64 string.
export function bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// Little-endian float32 values of a base64 string.
export function f32(b64) {
  const b = bytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

// The contour picture's palette indices, from (index, count) byte pairs along the rows.
export function decodeRuns(runs, size) {
  const out = new Uint8Array(size * size);
  let at = 0;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    out.fill(runs[i], at, at + runs[i + 1]);
    at += runs[i + 1];
  }
  if (at !== size * size) throw new Error(`contour picture: ${at} pixels for ${size} x ${size}`);
  return out;
}

// RGBA pixels as 32-bit words (little-endian byte order: R, G, B, A) from palette indices and an
// [r, g, b] palette: what ImageData holds.
export function paint(indices, palette) {
  const words = new Uint32Array(palette.map(([r, g, b]) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0));
  const out = new Uint32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = words[indices[i]];
  return out;
}

// A race's runners with the references to runners a page holds ({"same": digest}) replaced by them;
// `held` (a Map by digest, oldest first) then holds this race's runners as the most recent, and at
// most `keep` runners. The runners a race shows are always the last to go: a live update names every
// runner the page shows as held, however many other races it drew since those arrived.
export function heldRunners(held, runners, keep = 64) {
  const out = runners.map((r) => (r.same ? held.get(r.same) : r));
  if (out.some((r) => !r)) throw new Error("the race refers to a runner this page does not hold");
  for (const r of out) {
    if (!r.digest) continue;
    held.delete(r.digest); // set() alone keeps a key's old place, and the oldest go first
    held.set(r.digest, r);
  }
  while (held.size > keep) held.delete(held.keys().next().value);
  return out;
}

// The runners with their arrays decoded; `hidden` is the set of labels the user has hidden.
export function decodeRunners(data, hidden = new Set()) {
  return data.runners.map((r) => ({
    label: r.label,
    color: r.color,
    casing: r.casing,
    divergedAt: r.divergedAt,
    adaptive: r.adaptive,
    xy: f32(r.xy),
    gap: f32(r.gap),
    dist: f32(r.dist),
    z: f32(r.z),
    grad: r.grad ? f32(r.grad) : null,
    rate: r.rate ? f32(r.rate) : null,
    hidden: hidden.has(r.label),
  }));
}

// The iterate drawn as a runner's head at `step`: a diverged run stops at its last good iterate.
export function headIndex(runner, step) {
  return runner.divergedAt === null ? step : Math.min(step, runner.divergedAt - 1);
}

export function ended(runner, step) {
  return runner.divergedAt !== null && step >= runner.divergedAt;
}

// The first iterate of a trail of `trail` iterates (null: the whole path) ending at `head`.
export function trailStart(head, trail) {
  return trail === null ? 0 : Math.max(0, head - trail);
}
