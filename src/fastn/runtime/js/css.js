// Kernel attributes -> CSS declarations, as ftd/render/css.py computes them, and the page's
// stylesheet. Declarations are grouped by context: "" (plain), "dark" (body.dark .cls),
// "mobile" (body.mobile .cls), ":visited", "dark:visited", "code" (code in a text), and an
// anchor's element: "parent" or "#ID" (contextSelector). The value tables (weights,
// gradient directions, alignments) come from the Python module itself (TABLES).
//
// The stylesheet starts from the server's classes (declarations -> class name, in the
// model), so the same declarations get the same class as in the server's HTML; new ones get
// the next numbers and their rules go to the same <style id="styles">.

function number(v) {
  if (typeof v === "boolean" || typeof v === "number") return jsString(v);
  return pyStr(v);
}

/** The device-dependent part of a length reads the device (a dependency of the caller). */
function length(v) {
  if (!(v instanceof Or)) return v === null || v === undefined ? null : pyStr(v);
  switch (v.v) {
    case "px":
      return `${number(v.p)}px`;
    case "percent":
      return `${number(v.p)}%`;
    case "calc":
      return `calc(${pyStr(v.p)})`;
    case "responsive": {
      const rec = v.p;
      const chosen = currentDevice() === "mobile" ? rec.f.mobile : rec.f.desktop;
      return length(chosen || rec.f.desktop);
    }
    default:
      return `${number(v.p)}${v.v}`;
  }
}

const RESIZING = { "fill-container": "100%", "hug-content": "fit-content", auto: "auto" };

function resizing(v) {
  if (!(v instanceof Or)) return null;
  return RESIZING[v.v] || (v.v === "fixed" ? length(v.p) : null);
}

function colorPair(v) {
  if (v instanceof Rec && "light" in v.f) {
    const light = v.f.light;
    const dark = isTruthy(v.f.dark) ? v.f.dark : light;
    return [pyStr(light), pyStr(dark)];
  }
  if (typeof v === "string") return [v, v];
  return null;
}

function colored(prop, v, important, visited) {
  const pair = colorPair(v);
  if (pair === null) return {};
  const [light, dark] = pair;
  const suffix = important ? " !important" : "";
  const out = { "": { [prop]: light + suffix } };
  if (dark !== light) out.dark = { [prop]: dark + suffix };
  if (visited && dark !== light) {
    out[":visited"] = { [prop]: light + suffix };
    out["dark:visited"] = { [prop]: dark + suffix };
  }
  return out;
}

function plain(prop, convert) {
  return (v) => {
    const css = convert(v);
    return css === null ? {} : { "": { [prop]: css } };
  };
}

function multi(props, convert) {
  return (v) => {
    const css = convert(v);
    if (css === null) return {};
    const decls = {};
    for (const p of props) decls[p] = css;
    return { "": decls };
  };
}

function text(v) {
  if (v === null || v === undefined) return null;
  if (v instanceof Or) return pyStr(v.p);
  return number(v);
}

function font(t) {
  if (!(t instanceof Rec)) return {};
  const css = {};
  let families = isTruthy(t.f["font-family"]) ? t.f["font-family"] : [];
  if (typeof families === "string") families = [families];
  css["font-family"] = families.length ? families.map(pyStr).join(", ") : "sans-serif";
  for (const [field, prop] of [
    ["letter-spacing", "letter-spacing"],
    ["size", "font-size"],
  ]) {
    if (t.f[field] !== null && t.f[field] !== undefined) css[prop] = length(t.f[field]) || "";
  }
  if (t.f.weight !== null && t.f.weight !== undefined) css["font-weight"] = number(t.f.weight);
  if (t.f["line-height"] !== null && t.f["line-height"] !== undefined) {
    css["line-height"] = length(t.f["line-height"]) || "";
  }
  return css;
}

function role(v) {
  if (!(v instanceof Rec)) return {};
  const desktop = v.f.desktop;
  const mobile = isTruthy(v.f.mobile) ? v.f.mobile : desktop;
  const out = {};
  const onDesktop = font(desktop);
  if (Object.keys(onDesktop).length) out[""] = onDesktop;
  const family = desktop instanceof Rec ? desktop.f["font-family"] : null;
  if (isTruthy(family) && family.length !== 0) {
    out.code = { "font-family": onDesktop["font-family"] }; // fastn: a text's `code` too
  }
  const onMobile = font(mobile);
  if (Object.keys(onMobile).length) out.mobile = onMobile;
  return out;
}

function textStyle(v) {
  const css = {};
  for (const item of v || []) {
    const name = item instanceof Or ? item.v : pyStr(item);
    if (name === "italic") css["font-style"] = "italic";
    else if (name === "underline") css["text-decoration"] = "underline";
    else if (name === "strike") css["text-decoration"] = "line-through";
    else if (name in TABLES.weights) css["font-weight"] = TABLES.weights[name];
  }
  return Object.keys(css).length ? { "": css } : {};
}

function gradient(v, dark) {
  const direction = v.f.direction;
  let angle = "180deg";
  if (direction instanceof Or) {
    if (direction.v === "angle") angle = `${number(direction.p)}deg`;
    else if (direction.v === "turn") angle = `${number(direction.p)}turn`;
    else angle = TABLES.directions[direction.v] || "180deg";
  }
  const parts = [angle];
  for (const stop of v.f.colors || []) {
    const pair = colorPair(stop.f.color);
    let piece = pair ? (dark ? pair[1] : pair[0]) : "";
    for (const key of ["start", "end"]) {
      if (stop.f[key] !== null && stop.f[key] !== undefined) piece += ` ${length(stop.f[key])}`;
    }
    parts.push(piece);
    if (stop.f["stop-position"] !== null && stop.f["stop-position"] !== undefined) {
      parts.push(length(stop.f["stop-position"]) || "");
    }
  }
  return `linear-gradient(${parts.join(", ")})`;
}

function pair(v) {
  if (!(v instanceof Or)) return null;
  if (v.p instanceof Rec) return `${length(v.p.f.x)} ${length(v.p.f.y)}`;
  return pyStr(v.p).replaceAll("-", " ");
}

function background(v) {
  if (!(v instanceof Or)) return {};
  if (v.v === "solid") return colored("background-color", v.p, false, false);
  if (v.v === "linear-gradient") {
    const light = gradient(v.p, false);
    const dark = gradient(v.p, true);
    const out = { "": { "background-image": light } };
    if (dark !== light) out.dark = { "background-image": dark };
    return out;
  }
  if (v.v === "image") {
    const image = v.p;
    const urls = colorPair(image.f.src) || ["", ""];
    const out = { "": { "background-image": `url(${urls[0]})` } };
    if (urls[1] !== urls[0]) out.dark = { "background-image": `url(${urls[1]})` };
    if (image.f.repeat !== null && image.f.repeat !== undefined) {
      out[""]["background-repeat"] = pyStr(image.f.repeat.p);
    }
    if (image.f.size !== null && image.f.size !== undefined) {
      out[""]["background-size"] = pair(image.f.size) || "";
    }
    if (image.f.position !== null && image.f.position !== undefined) {
      out[""]["background-position"] = pair(image.f.position) || "";
    }
    return out;
  }
  return {};
}

function shadow(prop, withSpread) {
  return (v) => {
    if (!(v instanceof Rec)) return {};
    const parts = withSpread && isTruthy(v.f.inset) ? ["inset"] : [];
    const keys = withSpread
      ? ["x-offset", "y-offset", "blur", "spread"]
      : ["x-offset", "y-offset", "blur"];
    for (const k of keys) parts.push(length(k in v.f ? v.f[k] : null) || "0px");
    const colors = colorPair(v.f.color) || ["black", "white"];
    const light = [...parts, colors[0]].join(" ");
    const dark = [...parts, colors[1]].join(" ");
    const out = { "": { [prop]: light } };
    if (dark !== light) out.dark = { [prop]: dark };
    return out;
  };
}

function anchor(v) {
  if (!(v instanceof Or)) return {};
  if (v.v === "id") return { "": { position: "absolute" }, [`#${pyStr(v.p)}`]: { position: "relative" } };
  if (v.v === "parent") return { "": { position: pyStr(v.p) }, parent: { position: "relative" } };
  return { "": { position: pyStr(v.p) } };
}

function spacing(v) {
  if (!(v instanceof Or)) return {};
  if (v.v === "fixed") return { "": { gap: length(v.p) || "" } };
  return { "": { "justify-content": pyStr(v.p) } };
}

function alignContent(v, row) {
  if (!(v instanceof Or)) return {};
  const table = row ? TABLES.alignRow : TABLES.alignColumn;
  const [justify, align] = table[v.v] || ["start", "start"];
  return { "": { "justify-content": justify, "align-items": align } };
}

function lineClamp(v) {
  if (v === null || v === undefined) return {};
  return {
    "": {
      "-webkit-line-clamp": number(v),
      display: "-webkit-box",
      overflow: "hidden",
      "-webkit-box-orient": "vertical",
    },
  };
}

function backdrop(v) {
  if (!(v instanceof Or)) return {};
  const filter = (name, value) => `${name === "grayscale" ? "greyscale" : name}(${length(value)})`;
  if (v.v === "multi") {
    const parts = [];
    for (const [k, value] of Object.entries(v.p.f)) {
      if (value !== null && value !== undefined) parts.push(filter(k, value));
    }
    return { "": { "backdrop-filter": parts.join(" ") } };
  }
  return { "": { "backdrop-filter": filter(v.v, v.p) } };
}

function borderStyle(...sides) {
  const props = sides.length ? sides.map((s) => `border-${s}-style`) : ["border-style"];
  return multi(props, text);
}

const CONVERTERS = {
  "padding-horizontal": multi(["padding-left", "padding-right"], length),
  "padding-vertical": multi(["padding-top", "padding-bottom"], length),
  "margin-horizontal": multi(["margin-left", "margin-right"], length),
  "margin-vertical": multi(["margin-top", "margin-bottom"], length),
  "border-style": borderStyle(),
  "border-style-vertical": borderStyle("top", "bottom"),
  "border-style-horizontal": borderStyle("left", "right"),
  "border-color": (v) => colored("border-color", v, false, false),
  color: (v) => colored("color", v, true, true),
  background,
  role,
  spacing,
  wrap: (v) => (v === null ? {} : { "": { "flex-wrap": v ? "wrap" : "no-wrap" } }),
  "align-self": plain("align-self", text),
  anchor,
  sticky: (v) => (v === null ? {} : { "": { position: v ? "sticky" : "static" } }),
  "z-index": plain("z-index", text),
  overflow: plain("overflow", text),
  "overflow-x": plain("overflow-x", text),
  "overflow-y": plain("overflow-y", text),
  opacity: plain("opacity", text),
  cursor: plain("cursor", text),
  resize: (v) => (v instanceof Or ? { "": { resize: pyStr(v.p), overflow: "auto" } } : {}),
  shadow: shadow("box-shadow", true),
  "text-shadow": shadow("text-shadow", false),
  "white-space": plain("white-space", text),
  "text-transform": plain("text-transform", text),
  "text-align": plain("text-align", text),
  "line-clamp": lineClamp,
  style: textStyle,
  display: plain("display", text),
  selectable: (v) => (v === false ? { "": { "user-select": "none" } } : {}),
  "backdrop-filter": backdrop,
  fit: plain("object-fit", text),
  "link-color": () => ({}),
};
for (const p of TABLES.resizingProperties) CONVERTERS[p] = plain(p, resizing);
for (const p of TABLES.lengthProperties) CONVERTERS[p] = plain(p, length);
for (const side of ["left", "right", "top", "bottom"]) {
  CONVERTERS[`border-style-${side}`] = borderStyle(side);
  CONVERTERS[`border-${side}-color`] = (v) => colored(`border-${side}-color`, v, false, false);
}

/** The same string fastn/runtime/model.py's css_key builds. */
function cssKey(declarations) {
  return Object.keys(declarations)
    .sort()
    .map((context) => {
      const decls = declarations[context];
      const body = Object.keys(decls)
        .sort()
        .map((prop) => `${prop}:${decls[prop]}`)
        .join("\x1f");
      return `${context}\x1d${body}`;
    })
    .join("\x1e");
}

/** Like css.py's css_value: characters that would end a declaration or rule, escaped. */
function cssValue(value) {
  return value.replace(/[;{}<>]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(6, "0")}`);
}

const SELECTORS = {
  "": (name) => `.${name}`,
  dark: (name) => `body.dark .${name}`,
  mobile: (name) => `body.mobile .${name}`,
  ":visited": (name) => `.${name}:visited`,
  "dark:visited": (name) => `body.dark .${name}:visited`,
  parent: (name) => `:has(> .${name})`,
  code: (name) => `:not(pre, .ft_row, .ft_column).${name} code`,
};

/** Like css.py's context_selector: "#ID" is the element with that id. */
function contextSelector(context, name) {
  if (!context.startsWith("#")) return SELECTORS[context](name);
  const quoted = context.slice(1).replace(/\\/g, "\\5c ").replace(/"/g, "\\22 ");
  return `[id="${cssValue(quoted)}"]`;
}

class StyleSheet {
  constructor(known, next) {
    this.names = new Map(Object.entries(known));
    this.next = next;
  }

  classFor(short, declarations) {
    const key = cssKey(declarations);
    let name = this.names.get(key);
    if (name !== undefined) return name;
    name = `__${short}-${this.next++}`;
    this.names.set(key, name);
    const rules = Object.entries(declarations).map(([context, decls]) => {
      const body = Object.entries(decls)
        .map(([p, v]) => `${p}: ${cssWithBase(cssValue(v))};`)
        .join(" ");
      return `${contextSelector(context, name)} { ${body} }`;
    });
    let style = document.getElementById("styles");
    if (!style) {
      style = document.createElement("style");
      style.id = "styles";
      document.head.appendChild(style);
    }
    style.appendChild(document.createTextNode(`\n${rules.join("\n")}`));
    return name;
  }
}
