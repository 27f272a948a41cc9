// Start: read the page's model, attach to the server's HTML, then follow the browser's
// device and colour scheme. If the HTML does not match what the model describes (it should
// not happen), the page is drawn anew from the model instead.

function decodeExpr(x) {
  switch (x[0]) {
    case "L":
      x[1] = decodeValue(x[1]);
      break;
    case "RE":
      Object.values(x[2]).forEach(decodeExpr);
      break;
    case "LE":
      x[1].forEach(decodeExpr);
      break;
    case "OE":
      decodeExpr(x[3]);
      break;
    case "C":
      Object.values(x[2]).forEach(decodeExpr);
      break;
    case "X":
      Object.values(x[2]).forEach(decodeExpr);
      break;
    case "IF":
      for (const [condition, value] of x[1]) {
        decodeExpr(condition);
        decodeExpr(value);
      }
      if (x[2] !== null) decodeExpr(x[2]);
      break;
    case "UI":
      decodeNode(x[1]);
      break;
  }
}

function decodeNode(node) {
  Object.values(node.p || {}).forEach(decodeExpr);
  for (const [, call] of node.e || []) decodeExpr(call);
  if (node.if) decodeExpr(node.if);
  if (node.for) decodeExpr(node.for[2]);
  if (node.ui) decodeExpr(node.ui);
}

function decodeModel(model) {
  model.tree.forEach(decodeNode);
  for (const comp of Object.values(model.components)) {
    for (const arg of comp.args || []) if (arg[3] !== null) decodeExpr(arg[3]);
    if (comp.body) decodeNode(comp.body);
  }
  for (const fn of Object.values(model.functions)) {
    for (const param of fn.params) if (param[3] !== null) decodeExpr(param[3]);
  }
  for (const entry of Object.values(model.globals)) if (entry.x) decodeExpr(entry.x);
}

let renderer = null;
let pageOwner = null;

function rootElement() {
  return document.querySelector('body > [data-id="0"]');
}

/** Draws the whole page from the model, replacing what is there. */
function drawAnew() {
  if (pageOwner !== null) pageOwner.dispose();
  const old = rootElement();
  const root = document.createElement("div");
  root.dataset.id = "0";
  root.className = renderer.wrapperClasses();
  old.replaceWith(root);
  pageOwner = new Owner(null);
  ownedBy(pageOwner, () => untracked(() => renderer.page(root, false)));
}

function hydrate() {
  pageOwner = new Owner(null);
  try {
    ownedBy(pageOwner, () => untracked(() => renderer.page(rootElement(), true)));
    return true;
  } catch (error) {
    if (!(error instanceof Mismatch)) throw error;
    console.warn("fastn: the page's HTML does not match its model, drawing it anew:", error);
    drawAnew();
    return false;
  }
}

/** Attaches to the page; if that fails, the server's page stays as it is (it works without
 * JavaScript, only does not change). */
function attach() {
  try {
    return hydrate();
  } catch (error) {
    pageOwner.dispose();
    console.error("fastn: the page cannot change, its runtime failed to start:", error);
    return false;
  }
}

/** A runtime value as JSON that keeps what JSON cannot say (for tools and tests). */
function exportValue(v) {
  if (typeof v === "number" && !Number.isFinite(v)) return { $num: String(v) };
  if (Array.isArray(v)) return v.map(exportValue);
  if (v instanceof Rec) {
    const fields = {};
    for (const k of Object.keys(v.f)) fields[k] = exportValue(v.f[k]);
    return { $r: v.t, f: fields };
  }
  if (v instanceof Or) return { $o: v.t, v: v.v, p: exportValue(v.p) };
  return v === undefined ? null : v;
}

/** Evaluates an expression tree (ftd/expr.py's to_json) with the given variables. */
function evaluateExpression(tree, variables) {
  const values = new Map(Object.entries(variables).map(([k, v]) => [k, decodeValue(v)]));
  const scope = {
    lookup(name) {
      if (values.has(name)) return values.get(name);
      const [head, ...path] = name.split(".");
      if (path.length && values.has(head)) return follow(values.get(head), path);
      throw new UnknownName(name);
    },
    assign(name, value) {
      values.set(name, value);
    },
    call(name, args) {
      return callRuntime(name, args);
    },
  };
  try {
    return { value: exportValue(runExpression(tree, scope)) };
  } catch (error) {
    if (error instanceof ExprError) return { error: error.message };
    throw error;
  }
}

function start() {
  const source = document.getElementById("fastn-model");
  if (source === null || rootElement() === null) return;
  MODEL = JSON.parse(source.textContent);
  decodeModel(MODEL);
  ROOT_INHERITED = new Inherited(null, {
    colors: constant(decodeValue(TABLES.defaults.colors)),
    types: constant(decodeValue(TABLES.defaults.types)),
  });
  initGlobals(MODEL);
  renderer = new Renderer(MODEL);
  window.ftd = Object.assign(window.ftd || {}, { component_data: componentData });
  const hydrated = attach();
  window.fastn = {
    hydrated,
    repairs,
    redraw: () => batch(drawAnew),
    get: (name) => exportValue(untracked(() => getValue(name))),
    set: (name, value) => batch(() => setValue(name, value)),
    evaluateExpression,
  };
  listenForKeys();
  batch(watchEnvironment);
  replayEarlyEvents(window.fastnEarlyEvents || []);
  window.fastnEarlyEvents = [];
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
