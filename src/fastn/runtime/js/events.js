// Event handlers: `$on-EVENT$: $fn(args)` on an element runs fn with the caller's frame,
// then the page is brought up to date (batch). Element events listen on the element;
// click-outside and the global keys listen on the document for as long as the element's
// part of the page exists.

const ELEMENT_EVENTS = {
  click: "click",
  "mouse-enter": "mouseenter",
  "mouse-leave": "mouseleave",
  input: "input",
  change: "change",
  blur: "blur",
  focus: "focus",
};

function fire(handler, el, domEvent) {
  batch(() => {
    const previous = currentEvent;
    currentEvent = { el, event: domEvent };
    try {
      runAction(handler.call, handler.frame);
    } catch (error) {
      console.error(`fastn: $on-${handler.name}$ failed:`, error);
    } finally {
      currentEvent = previous;
    }
  });
}

const handlersOf = new WeakMap(); // element -> {DOM event type: [handler]}, for replaying

/** Listeners on the element itself (again after the element is replaced). */
function listenOnElement(box) {
  const registered = {};
  for (const handler of box.events) {
    const type = ELEMENT_EVENTS[handler.name];
    if (type === undefined) continue;
    box.el.addEventListener(type, (e) => fire(handler, box.el, e));
    (registered[type] ||= []).push(handler);
  }
  handlersOf.set(box.el, registered);
}

/** Clicks and typing that happened before the runtime was there (the page's inline start
 * script kept them): run their handlers now, on the elements they reached. */
function replayEarlyEvents(events) {
  for (const e of events) {
    for (let el = e.target; el instanceof Element && el.isConnected; el = el.parentElement) {
      for (const handler of (handlersOf.get(el) || {})[e.type] || []) fire(handler, el, e);
    }
  }
}

function bindEvents(box) {
  listenOnElement(box);
  for (const handler of box.events) {
    if (handler.name === "click-outside") {
      const listener = (e) => {
        if (box.el.isConnected && !box.el.contains(e.target)) fire(handler, box.el, e);
      };
      document.addEventListener("click", listener);
      onCleanup(() => document.removeEventListener("click", listener));
    } else {
      const match = /^global-key(-seq)?\[(.+)\]$/.exec(handler.name);
      if (match === null) {
        const known = handler.name in ELEMENT_EVENTS || RIVE_EVENT.test(handler.name);
        if (!known) console.warn(`fastn: unknown event ${handler.name}`);
        continue;
      }
      const entry = {
        keys: match[2].split("-").map(keyName),
        sequence: match[1] !== undefined,
        fire: (e) => fire(handler, box.el, e),
      };
      keyHandlers.add(entry);
      onCleanup(() => keyHandlers.delete(entry));
    }
  }
}

// ------------------------------------------------------------------ keyboard

const KEY_NAMES = {
  ctrl: "control",
  alt: "alt",
  shift: "shift",
  up: "arrowup",
  down: "arrowdown",
  left: "arrowleft",
  right: "arrowright",
  esc: "escape",
  dash: "-",
  space: " ",
};

function keyName(written) {
  const lower = written.toLowerCase();
  return KEY_NAMES[lower] || lower;
}

const keyHandlers = new Set();
const held = new Set();
let typed = []; // the recent key presses, for sequences
let lastPress = 0;
const SEQUENCE_GAP_MS = 1000;

function typingIn(target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["input", "textarea", "select"].includes(target.localName))
  );
}

function onKeyDown(e) {
  const key = e.key.toLowerCase();
  const navigation = key.startsWith("arrow") || key === "enter";
  if (typingIn(e.target) && !navigation) return;
  held.add(key);
  const now = performance.now();
  if (now - lastPress > SEQUENCE_GAP_MS) typed = [];
  lastPress = now;
  if (!e.repeat) typed.push(key);
  typed = typed.slice(-16);
  for (const handler of [...keyHandlers]) {
    const keys = handler.keys;
    if (handler.sequence) {
      const tail = typed.slice(-keys.length);
      if (tail.length === keys.length && tail.every((k, i) => k === keys[i])) {
        typed = [];
        handler.fire(e);
      }
    } else if (held.size === keys.length && keys.every((k) => held.has(k))) {
      handler.fire(e);
    }
  }
}

function listenForKeys() {
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", (e) => held.delete(e.key.toLowerCase()));
  window.addEventListener("blur", () => held.clear());
}
