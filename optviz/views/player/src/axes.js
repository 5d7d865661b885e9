// A plot's axes: tick marks with their labels below and left of its box, and the axis titles (the
// y title turned, centred on the box). The player's contour view and the stability map draw theirs
// with it. Each axis: {ticks: [[value, label], ...], at: value -> pixel, title, titleAt: the x
// title's baseline or the y title's centre from the left, titleWidth: the room a title may take
// (undefined: as wide as it is)}.
export function plotAxes(ctx, { x, y, w, h }, xAxis, yAxis, colors, titleFont) {
  ctx.fillStyle = colors.text;
  ctx.strokeStyle = colors.axis;
  ctx.lineWidth = 1;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const [t, label] of xAxis.ticks) {
    const px = xAxis.at(t);
    ctx.beginPath();
    ctx.moveTo(px, y + h);
    ctx.lineTo(px, y + h + 5);
    ctx.stroke();
    ctx.fillText(label, px, y + h + 7);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const [t, label] of yAxis.ticks) {
    const py = yAxis.at(t);
    ctx.beginPath();
    ctx.moveTo(x - 5, py);
    ctx.lineTo(x, py);
    ctx.stroke();
    ctx.fillText(label, x - 7, py);
  }
  ctx.save();
  ctx.font = titleFont;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(xAxis.title, x + w / 2, xAxis.titleAt, xAxis.titleWidth);
  ctx.translate(yAxis.titleAt, y + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(yAxis.title, 0, 0, yAxis.titleWidth);
  ctx.restore();
}
