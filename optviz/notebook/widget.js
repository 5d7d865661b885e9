// The race player in a Jupyter notebook (JupyterLab, Notebook 7, VS Code, Colab), through anywidget.
//
// The player itself is not copied here: the model carries its module's source as "_player" (the text
// of optviz/views/player/static/player.js, read when the widget is made), which is imported once per
// page from a blob URL, the way anywidget imports this module. Its default export `mount` is called
// as the Streamlit component calls it: {data, parentElement, setTriggerValue}, and returns the
// player's cleanup. Nothing else about the player is assumed.
//
// The model's "data" is the payload (optviz.views.player.payload); when Python changes it (a click
// on the map restarts the race from there), `mount` is called again on the same element and the
// player keeps its step, speed and camera. The player's messages go to Python as
// {event: name, value}; "notice" is Python's answer when it could not restart the race.

const modules = new Map(); // player source -> its module (a promise): every widget on a page shares one

function playerModule(source) {
  let loading = modules.get(source);
  if (!loading) {
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    loading = import(/* webpackIgnore: true */ /* @vite-ignore */ url).finally(() => URL.revokeObjectURL(url));
    modules.set(source, loading);
  }
  return loading;
}

async function render({ model, el }) {
  const { default: mount } = await playerModule(model.get("_player"));
  const host = document.createElement("div");
  host.className = "optviz-notebook";
  const notice = document.createElement("div");
  notice.className = "optviz-notice";
  notice.setAttribute("data-testid", "optviz-notice");
  notice.setAttribute("role", "status");
  el.append(host, notice);

  const send = (event, value) => model.send({ event, value });
  let cleanup = null;
  const draw = () => {
    cleanup = mount({ data: model.get("data"), parentElement: host, setTriggerValue: send });
  };
  const showNotice = () => {
    notice.textContent = model.get("notice") || "";
    notice.hidden = !notice.textContent;
  };
  draw();
  showNotice();
  model.on("change:data", draw);
  model.on("change:notice", () => {
    showNotice();
    draw(); // the same race again: the player drops the start point it marked as pending
  });
  return () => {
    if (typeof cleanup === "function") cleanup();
  };
}

export default { render };
