// What only the browser knows: the device (ftd.device, body.mobile), the colour scheme
// (ftd.dark-mode, body.dark, the user's choice in cookie fastn-dark-mode), local storage,
// the clipboard, navigation; and the runtime functions function bodies can call.

const DARK_COOKIE = "fastn-dark-mode";
const LANGUAGE_COOKIE = "fastn-lang";
const COOKIE_AGE = 60 * 60 * 24 * 365;
const systemScheme = matchMedia("(prefers-color-scheme: dark)");

function readCookie(name) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
  return found === undefined ? null : decodeURIComponent(found.slice(name.length + 1));
}

function writeCookie(name, value) {
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=${COOKIE_AGE}; samesite=lax`;
}

// ------------------------------------------------------------------ device

function currentDevice() {
  const device = readGlobal("ftd#device");
  return device instanceof Or ? device.v : "mobile";
}

function updateDevice() {
  const breakpoint = untracked(() => follow(readGlobal("ftd#breakpoint-width"), ["mobile"]));
  const mobile = window.innerWidth <= (typeof breakpoint === "number" ? breakpoint : 768);
  const variant = mobile ? "mobile" : "desktop";
  document.body.classList.toggle("mobile", mobile);
  const cell = globalCell("ftd#device", null);
  const now = cell.peek();
  if (!(now instanceof Or) || now.v !== variant) {
    cell.set(new Or("ftd#device-data", variant, variant));
  }
}

// ------------------------------------------------------------------ colour scheme

function isDarkMode() {
  return isTruthy(readGlobal("ftd#dark-mode"));
}

/** "dark", "light" or "system": the user's choice, remembered across pages and visits. */
function colorMode() {
  const saved = readCookie(DARK_COOKIE);
  return saved === "dark" || saved === "light" ? saved : "system";
}

function applyColorMode(mode, remember) {
  const systemDark = systemScheme.matches;
  const dark = mode === "dark" || (mode === "system" && systemDark);
  if (remember) writeCookie(DARK_COOKIE, mode === "system" ? `system-${systemDark ? "dark" : "light"}` : mode);
  document.body.classList.toggle("dark", dark);
  globalCell("ftd#system-dark-mode", false).set(systemDark);
  globalCell("ftd#follow-system-dark-mode", true).set(mode === "system");
  globalCell("ftd#dark-mode", false).set(dark);
}

function setColorMode(mode) {
  batch(() => applyColorMode(mode, true));
  return null;
}

function watchEnvironment() {
  applyColorMode(colorMode(), false);
  updateDevice();
  systemScheme.addEventListener("change", () => batch(() => applyColorMode(colorMode(), false)));
  window.addEventListener("resize", () => batch(updateDevice));
}

// ------------------------------------------------------------------ storage, clipboard, pages

function storageKey(key) {
  const snake = jsString(key)
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toLowerCase();
  return `${MODEL.package}_${snake}`;
}

const localStorageFunctions = {
  "ftd.local_storage.set": (key, value) => {
    const data = toPlain(value);
    const text = data !== null && typeof data === "object" ? JSON.stringify(data) : jsString(data);
    localStorage.setItem(storageKey(key), text);
    return null;
  },
  "ftd.local_storage.get": (key) => {
    const text = localStorage.getItem(storageKey(key));
    if (text === null) return null;
    try {
      return fromPlain(JSON.parse(text), null);
    } catch {
      return text;
    }
  },
  "ftd.local_storage.delete": (key) => {
    localStorage.removeItem(storageKey(key));
    return null;
  },
};

function copyToClipboard(value) {
  let text = jsString(value);
  if (text.startsWith("\\")) text = text.slice(1);
  if (navigator.clipboard) {
    navigator.clipboard.writeText(text).catch((error) => console.error("fastn: copy failed", error));
  } else {
    // pages served over plain http (not localhost) have no clipboard API
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  return null;
}

function navigate(url, data) {
  const query = new URLSearchParams();
  const fields = toPlain(data);
  if (fields !== null && typeof fields === "object") {
    for (const [key, value] of Object.entries(fields)) query.set(key, jsString(value));
  }
  const text = query.toString();
  const target = withBase(jsString(url));
  window.location.href = text ? `${target}?${text}` : target;
  return null;
}

/** `module#variable[.field…]` to the state it names (null when it is not mutable). */
function variablePlace(name) {
  const dot = name.indexOf(".", name.indexOf("#") + 1);
  const variable = dot < 0 ? name : name.slice(0, dot);
  const path = dot < 0 ? [] : name.slice(dot + 1).split(".");
  const cell = globalCell(variable);
  if (cell === null) {
    console.warn(`fastn: ${name} is not a mutable variable of this page`);
    return null;
  }
  return { place: new Place(cell, path), kind: path.length ? null : globals.get(variable).kind };
}

function setValue(name, value) {
  const target = variablePlace(jsString(name));
  if (target !== null) target.place.set(fromPlain(toPlain(value), target.kind));
  return null;
}

function getValue(name) {
  const target = variablePlace(jsString(name));
  return target === null ? null : target.place.get();
}

/** Functions a function body (or a condition) may call besides the expression built-ins. */
const RUNTIME_FUNCTIONS = {
  enable_dark_mode: () => setColorMode("dark"),
  enable_light_mode: () => setColorMode("light"),
  enable_system_mode: () => setColorMode("system"),
  "ftd.enable_dark_mode": () => setColorMode("dark"),
  "ftd.enable_light_mode": () => setColorMode("light"),
  "ftd.enable_system_mode": () => setColorMode("system"),
  "ftd.toggle_dark_mode": () => setColorMode(isDarkMode() ? "light" : "dark"),
  "ftd.copy_to_clipboard": copyToClipboard,
  "ftd.set_current_language": (language) => {
    writeCookie(LANGUAGE_COOKIE, jsString(language));
    window.location.reload();
    return null;
  },
  "ftd.get_current_language": () => readCookie(LANGUAGE_COOKIE),
  "ftd.navigate": navigate,
  "ftd.go_back": () => {
    window.history.back();
    return null;
  },
  "ftd.set_value": setValue,
  "ftd.get_value": getValue,
  "ftd.field_with_default_js": (name, value) => ({ name, value, error: null }),
  "ftd.get": (value, key) => follow(value, [jsString(key)]),
  get: (value, key) => follow(value, [jsString(key)]),
  // fastn's bodies are JavaScript in the end, and some log
  "console.log": (...values) => {
    console.log(...values.map(toPlain));
    return null;
  },
  ...localStorageFunctions,
  ...RIVE_FUNCTIONS,
};

function callRuntime(name, args) {
  const fn = RUNTIME_FUNCTIONS[name];
  if (fn === undefined) throw new UnknownName(name);
  return normal(fn(...args));
}
