// The document model in the browser: global variables, evaluation of value expressions
// (ftd/render/evaluate.py's rules, lazily and reactively), and the renderer, which walks
// the tree like ftd/render/html.py does.
//
// The same walk either *hydrates* (claims the elements the server already wrote, in order)
// or *creates* elements. Every kernel element gets one effect that evaluates its properties
// and patches the element when they change; conditional (`if:`), UI-valued and
// device-dependent parts are regions between two comments (<!--f?--> … <!--f/-->), loops are
// <!--f[--> (<!--f,--> item)* <!--f]-->, exactly where the server wrote those comments.

let MODEL = null;
const globals = new Map(); // qualified name -> {cell} | {expr} | {value}

function initGlobals(model) {
  const aliases = [];
  const computed = []; // mutable, but only its expression could be sent (it holds UI)
  for (const [name, entry] of Object.entries(model.globals)) {
    if (entry.a) aliases.push([name, entry.a]);
    else if (entry.m) {
      globals.set(name, { cell: new Cell(decodeValue(entry.v ?? null)), kind: entry.k });
      if (entry.x) computed.push([name, entry.x]);
    } else if (entry.x) globals.set(name, { expr: entry.x });
    else globals.set(name, { value: decodeValue(entry.v) });
  }
  for (const [name, target] of aliases) globals.set(name, globals.get(target));
  for (const [name, x] of computed) globals.get(name).cell.value = evaluate(x, GLOBAL_FRAME);
  for (const [name, entry] of Object.entries(model.globals)) {
    for (const [key, part] of entry.l || []) {
      new SharedPart(globals.get(name).cell, key, globals.get(part).cell);
    }
  }
}

/** An item of a mutable list (a field of a mutable record) written `$variable`: fastn keeps
 * it that variable's state, so a change of either shows in both. A list item moves with the
 * insertions and removals before it, and is let go when it is removed or the list replaced. */
class SharedPart {
  constructor(whole, key, part) {
    this.whole = whole;
    this.key = key; // the item's index, or the field's name
    this.part = part;
    for (const cell of [whole, part]) (cell.links ||= new Set()).add(this);
  }

  written(cell, change, path) {
    if (cell === this.part) {
      const value = this.part.peek();
      if (follow(this.whole.peek(), [String(this.key)]) !== value) {
        setIn(this.whole.peek(), [String(this.key)], value);
        this.whole.changed([String(this.key)]);
      }
    } else if (path !== null) {
      if (path[0] === String(this.key)) this.part.set(follow(this.whole.peek(), [path[0]]));
    } else if (change !== null && typeof this.key === "number") {
      if ("insert" in change && change.insert <= this.key) this.key += 1;
      else if ("remove" in change && change.remove < this.key) this.key -= 1;
      else if ("remove" in change && change.remove === this.key) this.release();
    } else {
      this.release();
    }
  }

  release() {
    this.whole.links.delete(this);
    this.part.links.delete(this);
  }
}

function readGlobal(name) {
  const entry = globals.get(name);
  if (entry === undefined) return null;
  if (entry.cell) return entry.cell.get();
  if (entry.expr) return evaluate(entry.expr, GLOBAL_FRAME);
  return entry.value;
}

/** The state of a mutable global (created for the browser's own, such as ftd#device). */
function globalCell(name, initial) {
  let entry = globals.get(name);
  if (entry === undefined && initial !== undefined) {
    entry = { cell: new Cell(initial) };
    globals.set(name, entry);
  }
  return entry && entry.cell ? entry.cell : null;
}

// ------------------------------------------------------------------ frames and bindings

class Place {
  constructor(cell, path) {
    this.cell = cell;
    this.path = path;
  }

  get() {
    return follow(this.cell.get(), this.path);
  }

  at(path) {
    return path.length ? new Place(this.cell, [...this.path, ...path]) : this;
  }

  set(value, change) {
    if (!this.path.length) this.cell.set(value, change);
    else {
      setIn(this.cell.peek(), this.path, value);
      this.cell.changed(this.path);
    }
  }
}

const constant = (value) => ({ get: () => value, place: () => null });
const fromCell = (cell) => ({ get: () => cell.get(), place: () => new Place(cell, []) });
const thunk = (x, frame) => ({
  get: () => evaluate(x, frame),
  place: () => placeOf(x, frame),
});

/** Inherited values: a component's arguments over its parent's (`$inherited.colors`). */
class Inherited {
  constructor(parent, bindings) {
    this.parent = parent;
    this.bindings = bindings;
  }

  lookup(name) {
    const binding = this.bindings[name];
    if (binding !== undefined) {
      const value = binding.get();
      if (value !== null && value !== undefined) return value;
    }
    return this.parent ? this.parent.lookup(name) : null;
  }
}

class Frame {
  constructor(args, loops, inherited, component) {
    this.args = args;
    this.loops = loops;
    this.inherited = inherited;
    this.component = component;
  }

  withLoop(alias, loopVar) {
    return new Frame(this.args, { ...this.loops, [alias]: loopVar }, this.inherited, this.component);
  }
}

const GLOBAL_FRAME = new Frame({}, {}, new Inherited(null, {}), null);
let ROOT_INHERITED = null; // set at start: ftd's default colours and types

// ------------------------------------------------------------------ evaluation

let currentEvent = null; // {el, event} while an event handler runs ($VALUE, $CHECKED)

function evaluate(x, frame) {
  switch (x[0]) {
    case "L":
      return clone(x[1]);
    case "R":
      return readRef(x, frame);
    case "IF":
      for (const [condition, value] of x[1]) {
        if (isTruthy(evaluate(condition, frame))) return evaluate(value, frame);
      }
      return x[2] === null ? null : evaluate(x[2], frame);
    case "RE": {
      const fields = {};
      for (const [k, v] of Object.entries(x[2])) fields[k] = evaluate(v, frame);
      return new Rec(x[1], fields);
    }
    case "LE":
      return x[1].map((item) => evaluate(item, frame));
    case "OE":
      return new Or(x[1], x[2], evaluate(x[3], frame));
    case "UI":
      return new UIV(x[1], frame);
    case "X":
      return normal(runExpression(x[1], new ConditionScope(x[2], frame)));
    case "C":
      return normal(callFunction(x[1], x[2], frame));
    default:
      throw new Error(`fastn: unknown value expression ${JSON.stringify(x[0])}`);
  }
}

function normal(value) {
  return value === undefined ? null : value;
}

function readRef(x, frame) {
  const [, scope, name, path, cloned] = x;
  if (cloned) return clone(untracked(() => readRef([x[0], scope, name, path, 0], frame)));
  let base;
  if (scope === "global") base = readGlobal(name);
  else if (scope === "arg") base = frame.args[name] ? frame.args[name].get() : null;
  else if (scope === "loop") base = frame.loops[name] ? frame.loops[name].item() : null;
  else if (scope === "counter") return frame.loops[name] ? frame.loops[name].index() : 0;
  else if (scope === "inherited") base = frame.inherited.lookup(name);
  else if (scope === "special") return specialValue(name);
  else return null;
  return path.length ? follow(base, path) : normal(base);
}

function specialValue(name) {
  if (currentEvent === null) return null;
  const el = currentEvent.el;
  return name === "CHECKED" ? el.checked : el.value;
}

/** Where a reference's value is stored, so that it can be written (null: it cannot be). */
function placeOf(x, frame) {
  if (x[0] !== "R" || x[4]) return null;
  const [, scope, name, path] = x;
  let base = null;
  if (scope === "global") {
    const cell = globalCell(name);
    base = cell ? new Place(cell, []) : null;
  } else if (scope === "arg" && frame.args[name]) base = frame.args[name].place();
  else if (scope === "loop" && frame.loops[name]) base = frame.loops[name].place();
  return base ? base.at(path) : null;
}

/** Names inside `{ expression }`: what the interpreter resolved them to. */
class ConditionScope {
  constructor(names, frame) {
    this.names = names;
    this.frame = frame;
  }

  lookup(name) {
    const target = this.names[name];
    if (target === undefined) throw new UnknownName(name);
    return evaluate(target, this.frame);
  }

  assign(name) {
    throw new ExprError(`cannot assign to \`${name}\` in a condition`);
  }

  call(name, args) {
    return callRuntime(name, args);
  }
}

/** Parameters of a running function, plus the globals of its module and of `ftd`. */
class FunctionScope {
  constructor(functionName, bindings) {
    this.module = functionName.split("#")[0];
    this.bindings = bindings; // name -> {value} | {place}
  }

  global(name) {
    const parts = name.split(".");
    const [qualified, path] =
      parts[0] === "ftd" && parts.length > 1
        ? [`ftd#${parts[1]}`, parts.slice(2)]
        : [`${this.module}#${parts[0]}`, parts.slice(1)];
    return globals.has(qualified) ? [qualified, path] : null;
  }

  lookup(name) {
    const binding = this.bindings.get(name);
    if (binding !== undefined) return binding.place ? binding.place.get() : binding.value;
    const [head, ...path] = name.split(".");
    const parent = path.length ? this.bindings.get(head) : undefined;
    if (parent !== undefined) {
      return follow(parent.place ? parent.place.get() : parent.value, path);
    }
    const found = this.global(name);
    if (found !== null) return follow(readGlobal(found[0]), found[1]);
    throw new UnknownName(name);
  }

  place(name) {
    const [head, ...path] = name.split(".");
    const binding = this.bindings.get(head);
    if (binding !== undefined) return binding.place ? binding.place.at(path) : null;
    const found = this.global(name);
    const cell = found && globalCell(found[0]);
    return cell ? new Place(cell, found[1]) : null;
  }

  assign(name, value, change) {
    const [head, ...path] = name.split(".");
    const binding = this.bindings.get(head);
    if (binding === undefined) {
      const target = this.place(name);
      if (target !== null) target.set(value, path.length ? null : change);
      else this.bindings.set(name, { value });
    } else if (binding.place) binding.place.at(path).set(value, path.length ? null : change);
    else if (path.length) setIn(binding.value, path, value);
    else binding.value = value;
  }

  call(name, args) {
    // fastn compiles a body to JavaScript, where parameters are `__args__.NAME` cells:
    // bodies written for that (`__args__.a.set(v)`, `__args__.a.get()`) work here too
    const cell = /^__args__\.(.+)\.(set|get)$/.exec(name);
    if (cell === null) return callRuntime(name, args);
    if (cell[2] === "get") return this.lookup(cell[1]);
    this.assign(cell[1], args.length ? args[0] : null);
    return null;
  }

  rawCall(name, argNodes, R) {
    return RAW_FUNCTIONS[name](argNodes, R, this);
  }
}

const TEMPLATE_NAME = /\$([A-Za-z_][\p{L}\p{N}_-]*)/gu;

/** A function's result as a value (a formula). */
function callFunction(name, argExprs, frame) {
  const fn = MODEL.functions[name];
  const bindings = new Map();
  for (const [param] of fn.params) {
    if (param in argExprs) bindings.set(param, { value: evaluate(argExprs[param], frame) });
  }
  return runFunction(name, fn, bindings);
}

function runFunction(name, fn, bindings) {
  const value = (param) => {
    const b = bindings.get(param);
    return b === undefined ? null : b.place ? b.place.get() : b.value;
  };
  if (fn.js) {
    const params = fn.params.map(([param]) => param.replaceAll("-", "_"));
    const body = fn.src.includes(";") ? fn.src : `return (${fn.src});`;
    const args = fn.params.map(([param]) => toPlain(value(param)));
    try {
      return fromPlain(new Function(...params, body)(...args), null);
    } catch (error) {
      console.error(`fastn: JavaScript function ${name} failed:`, error);
      return null;
    }
  }
  if (fn.body === null) {
    return fn.src.replace(TEMPLATE_NAME, (whole, param) =>
      bindings.has(param) ? jsString(value(param)) : whole,
    );
  }
  const result = runExpression(fn.body, new FunctionScope(name, bindings));
  // fields made by a built-in (ftd.field_with_default_js) become the declared record
  return isPlainObject(result) && !fn.returns[1] && MODEL.records[fn.returns[0]]
    ? fromPlain(result, fn.returns)
    : result;
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
}

/** An event action: mutable parameters are bound to the caller's state (`$a = $count`). */
function runAction(call, frame) {
  const [, name, argExprs] = call;
  const fn = MODEL.functions[name];
  const bindings = new Map();
  for (const [param, kind, mutable] of fn.params) {
    const x = argExprs[param];
    if (x === undefined) continue;
    const place = mutable ? placeOf(x, frame) : null;
    if (place !== null) bindings.set(param, { place });
    else bindings.set(param, { value: coerce(clone(evaluate(x, frame)), kind) });
  }
  return untracked(() => runFunction(name, fn, bindings));
}

/** Text from an input passed where a number or boolean is declared. */
function coerce(value, kind) {
  if (typeof value !== "string" || kind[1]) return value;
  if (kind[0] === "integer" || kind[0] === "decimal") {
    const n = toNumber(value);
    if (n === n) return kind[0] === "integer" ? Math.trunc(n) : n;
  }
  if (kind[0] === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

// ------------------------------------------------------------------ DOM output

class Mismatch extends Error {}

/** Where the walk puts elements: claims the next existing node, or inserts before `next`. */
class Out {
  constructor(parent, hydrating, next) {
    this.parent = parent;
    this.hydrating = hydrating;
    this.next = next;
  }

  claim(what) {
    let node = this.next;
    while (node && node.nodeType === Node.TEXT_NODE && !node.data.trim()) node = node.nextSibling;
    if (!node) throw new Mismatch(`expected ${what}, found the end of <${this.parent.localName}>`);
    this.next = node.nextSibling;
    return node;
  }

  element(tag) {
    if (this.hydrating) {
      const node = this.claim(`<${tag}>`);
      if (node.nodeType !== Node.ELEMENT_NODE || node.localName !== tag) {
        throw new Mismatch(`expected <${tag}>, found ${node.nodeName}`);
      }
      return node;
    }
    const el = document.createElement(tag);
    this.parent.insertBefore(el, this.next);
    return el;
  }

  comment(text) {
    if (this.hydrating) {
      const node = this.claim(`<!--${text}-->`);
      if (node.nodeType !== Node.COMMENT_NODE || node.data !== text) {
        throw new Mismatch(`expected <!--${text}-->, found ${node.nodeName}`);
      }
      return node;
    }
    const comment = document.createComment(text);
    this.parent.insertBefore(comment, this.next);
    return comment;
  }

  inside(el) {
    return new Out(el, this.hydrating, this.hydrating ? el.firstChild : null);
  }
}

/** Removes the nodes from `first` up to (not including) `stop`. */
function removeNodes(first, stop) {
  let node = first;
  while (node && node !== stop) {
    const next = node.nextSibling;
    node.remove();
    node = next;
  }
}

/** A part of the page between two comments, drawn again when `compute`'s value changes. */
function region(out, compute, same, draw) {
  const start = out.comment("f?");
  let end = null;
  let content = null;
  let previous;
  effect(() => {
    const value = compute();
    if (end !== null) {
      if (same(previous, value)) return;
      content.dispose();
      removeNodes(start.nextSibling, end);
    }
    previous = value;
    content = new Owner(currentOwner());
    const target = end === null ? out : new Out(end.parentNode, false, end);
    ownedBy(content, () => untracked(() => draw(value, target)));
    if (end === null) end = out.comment("f/");
  });
}

function sameUI(a, b) {
  if (a instanceof UIV && b instanceof UIV) return a.node === b.node && a.frame === b.frame;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameUI(item, b[i]));
  }
  return a === b;
}

const sameTruth = (a, b) => a === b;

function slugify(text) {
  let slug = text.normalize("NFKD").replace(".", "-");
  slug = slug.replace(/[\u0300-\u036f]/g, "").trim().toLowerCase();
  slug = slug.replace(/[^a-z0-9 -]/g, "");
  return slug.replace(/\s+/g, "-").replace(/-+/g, "-");
}

const CONTAINERS = { "ftd#column": "ft_column", "ftd#row": "ft_row", "ftd#container": null };
const TEXT_KERNELS = new Set(["ftd#text", "ftd#integer", "ftd#decimal", "ftd#boolean"]);
const NOT_RENDERED = new Set([
  "ftd#json",
  "ftd#response",
  "ftd#permanent-redirect",
  "ftd#temporary-redirect",
]);
const NOT_EVALUATED = new Set(["children", "colors", "types"]); // they concern the children
const VOID_TAGS = new Set(["img", "input"]);

function lightOrDark(value) {
  if (value instanceof Rec) {
    const { light, dark } = value.f;
    if (isTruthy(dark) && dark !== light && isDarkMode()) return pyStr(dark);
    return isTruthy(light) ? pyStr(light) : "";
  }
  return value === null || value === undefined ? "" : pyStr(value);
}

const URL_ATTRIBUTES = new Set(["href", "src", "poster"]);

/** Where the site is served: `/`, or the `--base-url` of `fastn build`. The runtime's own
 * URL carries it (the build moves every root-relative URL of a page under it, the runtime's
 * too): `/prefix/-/fastn/runtime.HASH.js` means `/prefix/`. */
const BASE_URL = (() => {
  const script = document.currentScript;
  const path = script && script.src ? new URL(script.src, location.href).pathname : "";
  const at = path.lastIndexOf("/-/fastn/");
  return at > 0 ? path.slice(0, at + 1) : "/";
})();

/** A root-relative URL of the site under its base (what `fastn build --base-url` does to the
 * server's HTML); other URLs as they are. */
function withBase(url) {
  return BASE_URL !== "/" && /^\/(?![/\\])/.test(url) ? BASE_URL + url.slice(1) : url;
}

/** The same for the `url(/…)` of CSS values. */
function cssWithBase(text) {
  return BASE_URL === "/" ? text : text.replace(/(url\(\s*["']?)\/(?![/\\])/g, `$1${BASE_URL}`);
}

/** Like html.py's safe_url: a URL that would run script becomes a blank page. */
function safeUrl(url) {
  const scheme = url
    .replace(/[\t\n\r]/g, "")
    .replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, "")
    .split(":")[0]
    .toLowerCase();
  return scheme === "javascript" || scheme === "vbscript" ? TABLES.blockedUrl : url;
}

function present(value) {
  return value !== null && value !== undefined;
}

class Renderer {
  constructor(model) {
    this.styles = new StyleSheet(model.classes, model.nextClass);
    this.depth = 0;
    this.webComponents = 0; // each one's `args`: its index on the page, as the server counts
  }

  /** The page inside the root wrapper: hydrating the server's HTML, or drawn anew. */
  page(root, hydrating) {
    this.webComponents = 0;
    const out = new Out(root, hydrating, hydrating ? root.firstChild : null);
    const frame = new Frame({}, {}, ROOT_INHERITED, null);
    for (const node of MODEL.tree) this.node(node, frame, out, []);
  }

  wrapperClasses() {
    const width = this.styles.classFor("w", { "": { width: "100%" } });
    const height = this.styles.classFor("h", { "": { height: "100%" } });
    return `ft_column ${width} ${height}`;
  }

  node(node, frame, out, events) {
    if (node.for) this.loop(node, frame, out, events);
    else this.single(node, frame, out, events);
  }

  single(node, frame, out, events) {
    if (node.if) {
      region(
        out,
        () => isTruthy(evaluate(node.if, frame)),
        sameTruth,
        (shown, target) => shown && this.shown(node, frame, target, events),
      );
    } else {
      this.shown(node, frame, out, events);
    }
  }

  shown(node, frame, out, events) {
    this.depth += 1;
    try {
      if (this.depth > 200) throw new Error("fastn: component nesting is too deep");
      const own = (node.e || []).map(([name, call]) => ({ name, call, frame }));
      if (!node.c) {
        region(
          out,
          () => evaluate(node.ui, frame),
          sameUI,
          (value, target) => this.ui(value, frame, target, [...events, ...own]),
        );
        return;
      }
      const comp = MODEL.components[node.c];
      if (comp === undefined || comp.web) {
        this.kernel(node.c, node, frame, out, [...events, ...own]);
        return;
      }
      const inner = this.componentFrame(node.c, comp, node, frame);
      this.node(comp.body, inner, out, [...events, ...own]);
    } finally {
      this.depth -= 1;
    }
  }

  ui(value, frame, out, events) {
    if (value instanceof UIV) {
      const bound = value.frame;
      const uiFrame = new Frame(bound.args, bound.loops, frame.inherited, bound.component);
      this.node(value.node, uiFrame, out, events);
    } else if (Array.isArray(value)) {
      for (const item of value) this.ui(item, frame, out, events);
    }
  }

  componentFrame(name, comp, node, frame) {
    const args = {};
    const pending = [];
    for (const arg of comp.args) {
      const x = node.p && node.p[arg[0]];
      if (x !== undefined) args[arg[0]] = this.argument(x, frame, arg[2]);
      else pending.push(arg);
    }
    // defaults may refer to other arguments of the same component
    const inner = new Frame(args, {}, frame.inherited, name);
    for (const [argName, kind, mutable, byDefault] of pending) {
      if (byDefault !== null) args[argName] = this.argument(byDefault, inner, mutable);
      else {
        const empty = kind[1] ? [] : null;
        args[argName] = mutable ? fromCell(new Cell(empty)) : constant(empty);
      }
    }
    return new Frame(args, {}, new Inherited(frame.inherited, args), name);
  }

  /** A mutable argument given `$x` shares x's state; otherwise it has its own. */
  argument(x, frame, mutable) {
    if (!mutable) return thunk(x, frame);
    if (untracked(() => placeOf(x, frame)) !== null) {
      return {
        get: () => normal(untracked(() => placeOf(x, frame)).get()),
        place: () => untracked(() => placeOf(x, frame)),
      };
    }
    return fromCell(new Cell(clone(untracked(() => evaluate(x, frame)))));
  }

  loop(node, frame, out, events) {
    const [alias, , itemsX] = node.for;
    out.comment("f[");
    const renderer = this;
    const items = []; // {anchor, index: Cell, owner}
    const list = new Cell([]);
    let end = null;
    let seen = -1;
    const source = () => untracked(() => placeOf(itemsX, frame));
    const boundary = (i) => (i < items.length ? items[i].anchor : end);

    function add(i, target) {
      const anchor = target.comment("f,");
      const index = new Cell(i);
      const itemOwner = new Owner(currentOwner());
      items.splice(i, 0, { anchor, index, owner: itemOwner });
      const itemFrame = frame.withLoop(alias, {
        item: () => {
          const all = list.get();
          const k = index.get();
          return k < all.length ? all[k] : null;
        },
        index: () => index.get(),
        place: () => {
          const place = source();
          return place ? place.at([String(index.peek())]) : null;
        },
      });
      ownedBy(itemOwner, () => untracked(() => renderer.single(node, itemFrame, target, events)));
    }

    function remove(i) {
      const item = items[i];
      item.owner.dispose();
      removeNodes(item.anchor, boundary(i + 1));
      items.splice(i, 1);
    }

    effect(() => {
      let values = evaluate(itemsX, frame);
      if (!Array.isArray(values)) values = [];
      const place = itemsX[0] === "R" && itemsX[3].length === 0 ? source() : null;
      const state = place && place.path.length === 0 ? place.cell : null;
      const change =
        state && state.change && seen === state.version - 1 ? state.change : null;
      seen = state ? state.version : -1;
      untracked(() => {
        list.value = values;
        if (end === null) {
          values.forEach((_, i) => add(i, out));
          end = out.comment("f]");
          return;
        }
        const at = (i) => new Out(end.parentNode, false, boundary(i));
        if (change && "insert" in change && values.length === items.length + 1) {
          add(change.insert, at(change.insert));
        } else if (change && "remove" in change && values.length === items.length - 1) {
          remove(change.remove);
        } else {
          while (items.length > values.length) remove(items.length - 1);
          for (let i = items.length; i < values.length; i++) add(i, at(i));
        }
        items.forEach((item, k) => item.index.set(k));
        list.changed();
      });
    });
  }

  kernel(name, node, frame, out, events) {
    if (name === "ftd#desktop" || name === "ftd#mobile") {
      region(
        out,
        () => currentDevice() === name.slice(4),
        sameTruth,
        (shown, target) => shown && this.children(node, frame, target),
      );
      return;
    }
    if (NOT_RENDERED.has(name)) return;
    if (name === "ftd#document") {
      this.document(node, frame, out);
      return;
    }
    const comp = MODEL.components[name];
    if (comp && comp.web) {
      const index = this.webComponents;
      this.webComponents += 1;
      webComponentArgs[index] = [name, this.componentFrame(name, comp, node, frame).args];
      creatingWebComponent = index; // its constructor may run before `args` is set
      const el = out.element(name.split("#")[1]);
      if (!out.hydrating) el.setAttribute("args", String(index));
      creatingWebComponent = null;
      return;
    }
    this.element(name, node, frame, out, events);
  }

  document(node, frame, out) {
    const el = out.element("div");
    if (!out.hydrating) el.className = "ft_column ft_full_size";
    const title = node.p && node.p.title;
    if (title) {
      effect(() => {
        const value = evaluate(title, frame);
        if (present(value)) document.title = pyStr(value);
      });
    }
    this.children(node, frame, out.inside(el));
  }

  /** A container's children: the sub-sections, with `colors`/`types` passed down. */
  children(node, frame, out) {
    const props = node.p || {};
    if (!props.children) return;
    const overrides = {};
    for (const key of ["colors", "types"]) if (props[key]) overrides[key] = thunk(props[key], frame);
    const inherited = Object.keys(overrides).length
      ? new Inherited(frame.inherited, overrides)
      : frame.inherited;
    const children = untracked(() => evaluate(props.children, frame)) || [];
    for (const child of children) {
      if (!(child instanceof UIV)) continue;
      const bound = child.frame;
      const childFrame = new Frame(bound.args, bound.loops, inherited, bound.component);
      this.node(child.node, childFrame, out, []);
    }
  }

  element(name, node, frame, out, events) {
    const props = node.p || {};
    const clickable = events.some((e) => e.name === "click");
    const box = { el: null, desc: null, events };
    effect(() => {
      const values = {};
      for (const key of Object.keys(props)) {
        if (!NOT_EVALUATED.has(key)) values[key] = evaluate(props[key], frame);
      }
      const desc = this.describe(name, values, clickable);
      if (box.el === null) {
        box.el = out.element(desc.tag);
        if (out.hydrating) repairElement(box.el, desc);
        else applyDescription(box.el, desc, null);
        box.desc = desc;
      } else if (desc.tag !== box.desc.tag) {
        const fresh = document.createElement(desc.tag);
        while (box.el.firstChild) fresh.appendChild(box.el.firstChild);
        box.el.replaceWith(fresh);
        box.el = fresh;
        applyDescription(fresh, desc, null);
        box.desc = desc;
        listenOnElement(box);
      } else {
        applyDescription(box.el, desc, box.desc);
        box.desc = desc;
      }
    });
    bindEvents(box);
    if (name === "ftd#rive") startRive(box, props, frame);
    if (name in CONTAINERS) this.children(node, frame, out.inside(box.el));
  }

  /** What the server writes for a kernel element (ftd/render/html.py's `kernel`). */
  describe(name, props, clickable) {
    const classes = [];
    let tag = "div";
    const attrs = [];
    let inner = null;
    let value = null;
    if (name in CONTAINERS) {
      if (CONTAINERS[name]) classes.push(CONTAINERS[name]);
    } else if (TEXT_KERNELS.has(name)) {
      inner = textContent(name, props);
      if (props.region instanceof Or) {
        tag = pyStr(props.region.p);
        attrs.push(["id", slugify(isTruthy(props.text) ? pyStr(props.text) : "")]);
      }
    } else if (name === "ftd#image") {
      tag = "img";
      attrs.push(["src", lightOrDark(props.src)]);
      if (present(props.alt)) attrs.push(["alt", pyStr(props.alt)]);
      if (present(props["fetch-priority"])) {
        attrs.push(["fetchpriority", pyStr(props["fetch-priority"].p)]);
      }
    } else if (name === "ftd#code") {
      tag = "pre";
      const block = codeBlock(props);
      classes.push(...block.pre);
      if (block.line) attrs.push(["data-line", block.line]);
      inner = block.html;
    } else if (name === "ftd#iframe") {
      tag = "iframe";
      let src = props.src;
      if (isTruthy(props.youtube)) src = `https://youtube.com/embed/${pyStr(props.youtube)}`;
      if (isTruthy(src)) attrs.push(["src", pyStr(src)]);
      if (present(props.srcdoc)) attrs.push(["srcdoc", pyStr(props.srcdoc)]);
      if (present(props.loading)) attrs.push(["loading", pyStr(props.loading.p)]);
      attrs.push(["allowfullscreen", ""]);
    } else if (name === "ftd#video" || name === "ftd#audio") {
      tag = name.slice(4);
      attrs.push(["src", lightOrDark(props.src)]);
      for (const flag of ["controls", "loop", "autoplay", "muted"]) {
        if (isTruthy(props[flag])) attrs.push([flag, "true"]);
      }
      if (present(props.poster)) attrs.push(["poster", lightOrDark(props.poster)]);
    } else if (name === "ftd#text-input") {
      tag = isTruthy(props.multiline) ? "textarea" : "input";
      if (present(props.placeholder)) attrs.push(["placeholder", pyStr(props.placeholder)]);
      const given = present(props.value) ? props.value : props["default-value"];
      if (present(given)) value = pyStr(given);
      if (tag === "input") {
        if (present(props.type)) attrs.push(["type", props.type.v]);
        if (value !== null) attrs.push(["value", value]);
      } else if (value !== null) {
        inner = plainTextHtml(value);
      }
      if (props.enabled === false) attrs.push(["disabled", ""]);
      if (present(props["max-length"])) attrs.push(["maxlength", number(props["max-length"])]);
      if (isTruthy(props.autofocus)) attrs.push(["autofocus", ""]);
    } else if (name === "ftd#checkbox") {
      tag = "input";
      attrs.push(["type", "checkbox"]);
      if (isTruthy(props.checked)) attrs.push(["checked", ""]);
      if (props.enabled === false) attrs.push(["disabled", ""]);
    } else if (name === "ftd#rive") {
      tag = "canvas";
    } else {
      throw new Error(`fastn: cannot render \`${name}\``);
    }

    if (present(props.id)) attrs.unshift(["id", pyStr(props.id)]);
    for (const cls of props.classes || []) classes.push(pyStr(cls));
    if (clickable) classes.push(this.styles.classFor("cur", { "": { cursor: "pointer" } }));
    for (const [prop, v] of Object.entries(props)) {
      if (!present(v) || TABLES.noCss.includes(prop)) continue;
      const converter = CONVERTERS[prop];
      if (converter === undefined) continue;
      const declarations = converter(v);
      if (Object.keys(declarations).length) classes.push(this.styles.classFor(prop, declarations));
    }
    if (present(props["align-content"])) {
      const declarations = alignContent(props["align-content"], name === "ftd#row");
      if (Object.keys(declarations).length) classes.push(this.styles.classFor("ali", declarations));
    }
    for (const url of props.css || []) addToHead("link", pyStr(url));
    for (const url of props.js || []) addToHead("script", pyStr(url));
    if (present(props.link) && tag === "div") {
      tag = "a";
      attrs.push(["href", pyStr(props.link)]);
      if (isTruthy(props["open-in-new-tab"])) attrs.push(["target", "_blank"]);
      const rel = props.rel || [];
      if (rel.length) attrs.push(["rel", rel.map((r) => TABLES.rel[r.v] || r.v).join(" ")]);
      if (present(props.download)) attrs.push(["download", pyStr(props.download)]);
    }
    if (classes.length) attrs.push(["class", classes.join(" ")]);
    for (const attr of attrs) if (URL_ATTRIBUTES.has(attr[0])) attr[1] = safeUrl(withBase(attr[1]));
    if (tag === "img" && present(props.link)) return linkedImage(attrs, props);
    return { tag, attrs, inner: VOID_TAGS.has(tag) ? null : inner, value };
  }
}

/** A linked image is an image inside a link, as in fastn (html.py's `_linked_image`). */
function linkedImage(imageAttrs, props) {
  const image = imageAttrs
    .map(([key, value]) => (value === "" ? ` ${key}` : ` ${key}="${plainTextHtml(value)}"`))
    .join("");
  const attrs = [["href", safeUrl(withBase(pyStr(props.link)))]];
  if (isTruthy(props["open-in-new-tab"])) attrs.push(["target", "_blank"]);
  return { tag: "a", attrs, inner: `<img${image}>`, value: null };
}

function textContent(name, props) {
  if (name === "ftd#text") return present(props.text) ? textHtml(pyStr(props.text)) : "";
  return present(props.value) ? plainTextHtml(number(props.value)) : "";
}

/** The server's highlighted HTML for a code block it showed; plain lines otherwise. */
function codeBlock(props) {
  const text = present(props.text) ? pyStr(props.text) : null;
  const lang = present(props.lang) ? props.lang : null;
  const theme = isTruthy(props.theme) ? pyStr(props.theme) : TABLES.codeTheme;
  const key = JSON.stringify([text, lang, theme, isTruthy(props["show-line-number"])]);
  const known = MODEL.code[key];
  if (known !== undefined) return known;
  const classes = [`language-${lang || TABLES.codeLang}`, theme.replaceAll(".", "-")];
  const lines = (text || "")
    .split("\n")
    .map((line) => `<span class="line">${plainTextHtml(line).replaceAll("'", "&#x27;")}</span>\n`);
  const pre = isTruthy(props["show-line-number"]) ? [...classes, "line-numbers"] : classes;
  return { pre, line: null, html: `<code class="${classes.join(" ")}">${lines.join("")}</code>` };
}

function addToHead(tag, written) {
  const url = withBase(written);
  const attribute = tag === "link" ? "href" : "src";
  for (const el of document.head.querySelectorAll(tag)) {
    if (el.getAttribute(attribute) === url) return;
  }
  const el = document.createElement(tag);
  if (tag === "link") el.rel = "stylesheet";
  el.setAttribute(attribute, url);
  document.head.appendChild(el);
}

/** Brings an element from description `before` (null: nothing known) to `desc`. */
function applyDescription(el, desc, before) {
  const old = new Map(before ? before.attrs : []);
  const now = new Map(desc.attrs);
  for (const key of old.keys()) if (!now.has(key)) el.removeAttribute(key);
  for (const [key, value] of now) if (old.get(key) !== value) el.setAttribute(key, value);
  if (desc.value !== (before ? before.value : null) && "value" in el && desc.value !== null) {
    if (el.value !== desc.value) el.value = desc.value;
  }
  if (el.type === "checkbox" && old.has("checked") !== now.has("checked")) {
    el.checked = now.has("checked");
  }
  if (el.localName === "textarea") {
    if (!before) el.textContent = desc.value === null ? "" : desc.value;
  } else if (desc.inner !== null && (!before || before.inner !== desc.inner)) {
    el.innerHTML = desc.inner;
  }
}

let repairs = 0; // elements whose server HTML differed from what the model gives here
const scratch = document.createElement("template");

/** Hydration: the server's element should already be `desc`; correct it where it is not
 * (a value only the browser computes, such as a JavaScript function's result). */
function repairElement(el, desc) {
  let repaired = false;
  const wanted = new Map(desc.attrs);
  for (const { name } of [...el.attributes]) {
    if (name !== "data-id" && !wanted.has(name)) {
      el.removeAttribute(name);
      repaired = true;
    }
  }
  for (const [key, value] of wanted) {
    if (el.getAttribute(key) !== value) {
      el.setAttribute(key, value);
      repaired = true;
    }
  }
  if (desc.inner !== null && el.localName !== "textarea" && el.innerHTML !== desc.inner) {
    scratch.innerHTML = desc.inner; // the same HTML may be written differently
    if (scratch.innerHTML !== el.innerHTML) {
      el.innerHTML = desc.inner;
      repaired = true;
    }
  }
  if (repaired) repairs += 1;
}
