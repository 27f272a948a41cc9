// `ftd.rive`: the canvas plays its animation with Rive's library (window.rive, which the
// page loads as fastn's pages do), and the `ftd.*-rive*` functions drive its state machine
// or timelines. `$on-rive-play[timeline]$`, `$on-rive-pause[timeline]$` and
// `$on-rive-state-change[state]$` run when Rive reports that. Without the library (it could
// not be loaded) the canvas stays empty and the functions do nothing.

const riveByName = new Map(); // the `ftd.rive`'s id -> its Rive instance
const riveByCanvas = new WeakMap();
const RIVE_EVENT = /^(rive-play|rive-pause|rive-state-change)\[(.+)\]$/;

function startRive(box, props, frame) {
  const library = window.rive;
  if (!library || typeof library.Rive !== "function") return;
  const value = (key) => (props[key] ? untracked(() => evaluate(props[key], frame)) : null);
  const name = pyStr(value("id"));
  const report = (kind) => (event) => {
    const names = [].concat(event && event.data ? event.data : []).map(String);
    for (const handler of box.events) {
      const match = RIVE_EVENT.exec(handler.name);
      if (match && match[1] === kind && names.includes(match[2])) fire(handler, box.el, event);
    }
  };
  const instance = new library.Rive({
    src: withBase(pyStr(value("src"))),
    canvas: box.el,
    autoplay: value("autoplay") !== false,
    stateMachines: (value("state-machine") || []).map(pyStr),
    artboard: present(value("artboard")) ? pyStr(value("artboard")) : undefined,
    onLoad: () => instance.resizeDrawingSurfaceToCanvas(),
    onPlay: report("rive-play"),
    onPause: report("rive-pause"),
    onStateChange: report("rive-state-change"),
  });
  riveByName.set(name, instance);
  riveByCanvas.set(box.el, instance);
  onCleanup(() => {
    if (riveByName.get(name) === instance) riveByName.delete(name);
    if (typeof instance.cleanup === "function") instance.cleanup();
  });
}

/** The Rive instance a function means: the one named, else the one whose event runs. */
function riveNamed(name) {
  const found = riveByName.get(jsString(name));
  if (found !== undefined) return found;
  return currentEvent === null ? null : riveByCanvas.get(currentEvent.el) || null;
}

function riveInput(name, input) {
  const instance = riveNamed(name);
  if (instance === null || !instance.stateMachineNames.length) return null;
  const inputs = instance.stateMachineInputs(instance.stateMachineNames[0]) || [];
  return inputs.find((i) => i.name === jsString(input)) || null;
}

function onRiveInput(act) {
  return (name, input, value) => {
    const found = riveInput(name, input);
    if (found !== null) act(found, value);
    return null;
  };
}

function onRiveTimeline(act) {
  return (name, timeline) => {
    const instance = riveNamed(name);
    if (instance !== null) act(instance, jsString(timeline));
    return null;
  };
}

const RIVE_FUNCTIONS = {
  "ftd.set_rive_boolean": onRiveInput((input, value) => (input.value = isTruthy(value))),
  "ftd.toggle_rive_boolean": onRiveInput((input) => (input.value = !input.value)),
  "ftd.set_rive_integer": onRiveInput((input, value) => (input.value = toNumber(value))),
  "ftd.fire_rive": onRiveInput((input) => input.fire()),
  "ftd.play_rive": onRiveTimeline((instance, timeline) => instance.play(timeline)),
  "ftd.pause_rive": onRiveTimeline((instance, timeline) => instance.pause(timeline)),
  "ftd.toggle_play_rive": onRiveTimeline((instance, timeline) =>
    instance.playingAnimationNames.includes(timeline)
      ? instance.pause(timeline)
      : instance.play(timeline),
  ),
};
