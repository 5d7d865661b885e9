// Live changes: sliders for a competitor's hyperparameters, and the start point dragged on the map.
// While the pointer moves, each value goes out as a live change; at release as ("commit", change)
// to the host. A live change goes to the server's own route when the data names one (`live.url`:
// optviz.app.live_endpoint, answered without rerunning the page), else to the host as ("live",
// change). Either answers with a new race whose `live.seq` is the change's: until then at most one
// change is in flight, and values that arrive meanwhile replace each other, so nothing queues up
// however fast the pointer moves. The maths stays in the server.
import { el } from "./dom.js";
import { sci } from "./scales.js";

const GIVE_UP_MS = 2000; // a change unanswered this long no longer holds the next one back

// The one-in-flight sender: pure logic (no DOM), unit-tested.
export class Coalescer {
  constructor(send, now = () => performance.now()) {
    this.send = send;
    this.now = now;
    this.seq = 0;
    this.inflight = null; // {seq, at}
    this.pending = null;
  }

  // A value while dragging: sent now if nothing is in flight, else kept to send when it is drawn.
  // `inputAt`: when the pointer moved to this value (kept with it, for measuring the lag).
  live(change, inputAt = this.now()) {
    if (this.inflight && this.now() - this.inflight.at < GIVE_UP_MS) {
      this.pending = { change, inputAt };
      return false;
    }
    this.pending = null;
    this.seq += 1;
    this.inflight = { seq: this.seq, at: this.now(), inputAt };
    this.send("live", { ...change, seq: this.seq });
    return true;
  }

  // A race arrived that answers changes up to `seq`: the next kept value goes out. Returns when the
  // pointer moved to the value that race shows (null when it answers none in flight).
  answered(seq) {
    if (this.inflight && seq >= this.inflight.seq) {
      const inputAt = this.inflight.inputAt;
      this.inflight = null;
      if (this.pending) this.live(this.pending.change, this.pending.inputAt);
      return inputAt;
    }
    return null;
  }

  // The value at release: sent at once (it carries the final value), nothing kept.
  commit(change) {
    this.pending = null;
    this.inflight = null;
    this.seq += 1;
    this.send("commit", { ...change, seq: this.seq });
  }
}

// The value a slider position stands for, and the position nearest a value.
export function nearest(positions, value) {
  let best = 0;
  for (let i = 1; i < positions.length; i++) {
    if (Math.abs(positions[i] - value) < Math.abs(positions[best] - value)) best = i;
  }
  return best;
}

// The row of live controls under the player's bar: which competitor, and its hyperparameters.
export class LiveRow {
  constructor(player) {
    this.player = player;
    this.row = el("div", { class: "ovz-live", "data-testid": "optviz-live" }, null);
    player.controls.bar.after(this.row);
    this.runner = 0;
    this.dragging = false;
    const label = el("label", { class: "ovz-live-who" }, this.row);
    el("span", { text: "Live" }, label);
    this.who = el("select", { "data-testid": "optviz-live-runner", "aria-label": "Competitor to change" }, label);
    this.who.addEventListener("change", () => {
      this.runner = Number(this.who.value);
      this.build();
    });
    this.sliders = el("div", { class: "ovz-live-sliders" }, this.row);
  }

  // New data: the competitor menu and the sliders follow it, except the slider being dragged.
  update(live) {
    this.live = live;
    const labels = this.player.runners.map((r) => r.label);
    if (this.runner >= labels.length) this.runner = 0;
    if (this.labels !== labels.join("\n")) {
      this.labels = labels.join("\n");
      this.who.innerHTML = "";
      labels.forEach((text, i) => el("option", { value: String(i), text }, this.who));
    }
    this.who.value = String(this.runner);
    if (this.dragging) this.refreshValues();
    else this.build();
  }

  build() {
    this.sliders.innerHTML = "";
    this.inputs = [];
    const values = this.live.runners[this.runner] || {};
    for (const [name, value] of Object.entries(values)) {
      const param = this.live.params[name];
      if (!param) continue;
      const box = el("label", { class: "ovz-live-param" }, this.sliders);
      const text = el("span", { class: "ovz-live-value" }, box);
      const input = el("input", { type: "range", min: "0", max: String(param.positions.length - 1), step: "1" }, box);
      input.setAttribute("data-testid", `optviz-live-${name}`);
      input.setAttribute("aria-label", `${param.label} ${param.symbol} of ${this.player.runners[this.runner].label}`);
      input.value = String(nearest(param.positions, value));
      const show = (v) => {
        text.textContent = `${param.symbol} = ${sci(v)}`;
      };
      show(value);
      const change = () => ({ runner: this.runner, name, value: param.positions[Number(input.value)] });
      input.addEventListener("input", () => {
        this.dragging = true;
        show(change().value);
        this.player.coalescer.live(change());
      });
      input.addEventListener("change", () => {
        this.dragging = false;
        this.player.coalescer.commit(change());
      });
      this.inputs.push({ name, input, show });
    }
  }

  // While dragging, the other sliders of this competitor keep their places; the read-outs follow.
  refreshValues() {
    const values = this.live.runners[this.runner] || {};
    for (const { name, input, show } of this.inputs) {
      if (document.activeElement !== input && name in values) {
        input.value = String(nearest(this.live.params[name].positions, values[name]));
        show(values[name]);
      }
    }
  }
}

// A live change sent over the direct line: resolves to the answer's JSON text, or rejects with
// {fallback: true} when the line is not there (the host must take the change) or {fallback: false,
// message} when the server refused the change (the race on screen stays).
export async function postChange(url, body, fetchImpl = fetch) {
  let response;
  try {
    response = await fetchImpl(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    throw { fallback: true, message: String(error) };
  }
  const json = (response.headers.get("content-type") || "").includes("application/json");
  if (response.ok && json) return response.text();
  if (!json || response.status === 404 || response.status === 405) {
    throw { fallback: true, message: `no live route at ${url} (${response.status})` };
  }
  let message = `${response.status}`;
  try {
    message = (await response.json()).error || message;
  } catch {
    // the status says enough
  }
  throw { fallback: false, message };
}
