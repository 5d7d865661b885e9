// A colour bar: its bands from the bottom up, its frame and its ticks labelled on the right. The
// player's contour view and the stability map draw theirs with it (each with its own title).
export function colorbar(ctx, { x, y, w, h }, bands, scale, colors) {
  const n = bands.length;
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = bands[i];
    ctx.fillRect(x, y + h - ((i + 1) / n) * h, w, h / n + 0.5); // overlapping: no hairline gaps
  }
  ctx.strokeStyle = colors.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  ctx.fillStyle = colors.text;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (const [t, label] of scale.ticks) {
    const py = y + h - ((t - scale.low) / (scale.high - scale.low)) * h;
    if (py < y - 1 || py > y + h + 1) continue;
    ctx.beginPath();
    ctx.moveTo(x + w, py);
    ctx.lineTo(x + w + 4, py);
    ctx.stroke();
    ctx.fillText(label, x + w + 6, py);
  }
}
