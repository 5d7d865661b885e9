// Marks drawn on a canvas: the minimum's star, a diverged run's X, a head, haloed text and paths.

export function star(ctx, x, y, r) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  ctx.closePath();
}

export function minimumMark(ctx, x, y, r, colors) {
  star(ctx, x, y, r);
  ctx.fillStyle = colors.minimum;
  ctx.strokeStyle = colors.minimumEdge;
  ctx.fill();
  ctx.stroke();
}

export function cross(ctx, x, y, r) {
  ctx.beginPath();
  ctx.moveTo(x - r, y - r);
  ctx.lineTo(x + r, y + r);
  ctx.moveTo(x + r, y - r);
  ctx.lineTo(x - r, y + r);
}

// The current path stroked twice: its casing (dark under light colours, white under black) under the
// runner's colour keeps it visible on every band of the map (the colours are chosen in optviz.style).
export function haloStroke(ctx, width, color, halo, casing = "#ffffff") {
  ctx.lineWidth = width + halo;
  ctx.strokeStyle = casing;
  ctx.stroke();
  ctx.lineWidth = width;
  ctx.strokeStyle = color;
  ctx.stroke();
}

// Where a diverged run ended.
export function endMark(ctx, x, y, size, color) {
  cross(ctx, x, y, size / 2);
  haloStroke(ctx, size / 4.5, color, size / 4.5);
}

// Where a run is now: a dot with a ring.
export function headMark(ctx, x, y, size, color, ring) {
  ctx.beginPath();
  ctx.arc(x, y, size / 2, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 1.8;
  ctx.strokeStyle = ring;
  ctx.stroke();
}

export function haloText(ctx, text, x, y, color) {
  ctx.lineWidth = 3.5;
  ctx.strokeStyle = "rgba(255,255,255,0.92)";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}
