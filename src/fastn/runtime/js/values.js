// ftd values in the browser, and the JavaScript semantics ftd/expr.py documents.
//
// null, booleans, numbers, strings and arrays (lists) are themselves; a record is a Rec
// (type name + fields), an or-type value an Or (type, variant, payload), an ftd.ui value
// a UIV (node + the frame it was written in). The functions below mirror ftd/expr.py's
// is_truthy, js_string, _to_number, the operators and the two equalities, so that an
// expression gives the same value on the server and here.

class Rec {
  constructor(type, fields) {
    this.t = type;
    this.f = fields;
  }
}

class Or {
  constructor(type, variant, payload) {
    this.t = type;
    this.v = variant;
    this.p = payload;
  }
}

class UIV {
  constructor(node, frame) {
    this.node = node;
    this.frame = frame;
  }
}

class ExprError extends Error {}

class UnknownName extends ExprError {
  constructor(name) {
    const hint = name.includes("-") ? " (write `a - b` with spaces to subtract)" : "";
    super(`unknown name \`${name}\`${hint}`);
    this.unknown = name;
  }
}

/** A value of the model's JSON form (fastn/runtime/model.py) as a runtime value. */
function decodeValue(v) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(decodeValue);
  if ("$r" in v) {
    const fields = {};
    for (const k of Object.keys(v.f)) fields[k] = decodeValue(v.f[k]);
    return new Rec(v.$r, fields);
  }
  if ("$o" in v) return new Or(v.$o, v.v, decodeValue(v.p));
  if ("$num" in v) return Number(v.$num);
  return v;
}

/** Plain JSON data (what a backend or local storage holds): records become their fields. */
function toPlain(v) {
  if (v instanceof Or) return toPlain(v.p);
  if (v instanceof Rec) {
    const out = {};
    for (const k of Object.keys(v.f)) out[k] = toPlain(v.f[k]);
    return out;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof UIV || v === undefined) return null;
  return v;
}

/** Plain JSON data as a runtime value, shaped by `kind` ([name, isList]) where it is known. */
function fromPlain(v, kind) {
  if (v === undefined) return null;
  if (Array.isArray(v)) {
    const element = kind && kind[1] ? [kind[0], false] : null;
    return v.map((item) => fromPlain(item, element));
  }
  if (v !== null && typeof v === "object") {
    const fields = kind && MODEL.records[kind[0]];
    const kinds = {};
    if (fields) for (const [name, fieldKind] of fields) kinds[name] = fieldKind;
    const out = {};
    for (const k of Object.keys(v)) out[k] = fromPlain(v[k], kinds[k]);
    return new Rec(fields ? kind[0] : "", out);
  }
  return v;
}

/** A deep copy: state that starts from a shared value must not change that value. */
function clone(v) {
  if (Array.isArray(v)) return v.map(clone);
  if (v instanceof Rec) {
    const fields = {};
    for (const k of Object.keys(v.f)) fields[k] = clone(v.f[k]);
    return new Rec(v.t, fields);
  }
  if (v instanceof Or) return new Or(v.t, v.v, clone(v.p));
  return v;
}

function isTruthy(v) {
  if (v === null || v === undefined || v === false) return false;
  if (typeof v === "number") return v !== 0 && v === v;
  if (typeof v === "string") return v !== "";
  return true;
}

function jsString(v) {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (v instanceof Or) return jsString(v.p);
  if (Array.isArray(v)) return v.map((item) => (item === null ? "" : jsString(item))).join(",");
  return "[object Object]";
}

/** Python's str() of a value, where the server renderer uses it for attributes. */
function pyStr(v) {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (v instanceof Or) return pyStr(v.p);
  return jsString(v);
}

const NUMBER_TEXT = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function toNumber(v) {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Or) return toNumber(v.p);
  if (Array.isArray(v)) return toNumber(jsString(v));
  if (typeof v === "string") {
    const text = v.trim();
    if (!text) return 0;
    const unsigned = text.replace(/^[+-]/, "");
    if (unsigned === "Infinity") return text.startsWith("-") ? -Infinity : Infinity;
    return NUMBER_TEXT.test(unsigned) && /^[+-]?[^+-]/.test(text) ? Number(text) : NaN;
  }
  return NaN;
}

function describe(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return "a boolean";
  if (typeof v === "number") return "a number";
  if (typeof v === "string") return "a string";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Or) return "an or-type value";
  if (v instanceof Rec) return "a record";
  return typeof v;
}

function category(v) {
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  if (Array.isArray(v)) return "list";
  return v instanceof Rec ? "record" : "other";
}

/** Python's `==` on values: lists and records by content, True == 1. */
function sameValue(a, b) {
  if (a === b) return true;
  const numeric = (x) => typeof x === "number" || typeof x === "boolean";
  if (numeric(a) && numeric(b)) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (a instanceof Rec && b instanceof Rec) {
    const keys = Object.keys(a.f);
    if (keys.length !== Object.keys(b.f).length) return false;
    return keys.every((k) => k in b.f && sameValue(a.f[k], b.f[k]));
  }
  if (a instanceof Or && b instanceof Or) {
    return a.t === b.t && a.v === b.v && sameValue(a.p, b.p);
  }
  return false;
}

function unwrapOrType(left, right) {
  const leftIsOr = left instanceof Or;
  if (leftIsOr !== right instanceof Or) return leftIsOr ? [left.p, right] : [left, right.p];
  return [left, right];
}

function strictEqual(left, right) {
  if (left === null || right === null) return left === right;
  [left, right] = unwrapOrType(left, right);
  if (category(left) !== category(right)) return false;
  return sameValue(left, right);
}

function looseEqual(left, right) {
  if (left === null || right === null) return left === right;
  [left, right] = unwrapOrType(left, right);
  const lc = category(left);
  const rc = category(right);
  if (lc === rc) return sameValue(left, right);
  const primitive = (c) => c === "boolean" || c === "number" || c === "string";
  if (primitive(lc) && primitive(rc)) return toNumber(left) === toNumber(right);
  if ((lc === "list" || lc === "record") && primitive(rc)) return looseEqual(jsString(left), right);
  if ((rc === "list" || rc === "record") && primitive(lc)) return looseEqual(left, jsString(right));
  return false;
}

function addValues(left, right) {
  if (left instanceof Or) left = left.p;
  if (right instanceof Or) right = right.p;
  const textual = (x) => typeof x === "string" || Array.isArray(x) || x instanceof Rec;
  if (textual(left) || textual(right)) return jsString(left) + jsString(right);
  return toNumber(left) + toNumber(right);
}

function remainder(left, right) {
  const dividend = toNumber(left);
  const divisor = toNumber(right);
  if (divisor === 0 || !Number.isFinite(dividend)) return NaN;
  return dividend % divisor;
}

function ordering(compare) {
  return (left, right) => {
    if (typeof left === "string" && typeof right === "string") return compare(left, right);
    const l = toNumber(left);
    const r = toNumber(right);
    if (l !== l || r !== r) return false;
    return compare(l, r);
  };
}

const BINARY = {
  "+": addValues,
  "-": (l, r) => toNumber(l) - toNumber(r),
  "*": (l, r) => toNumber(l) * toNumber(r),
  "/": (l, r) => toNumber(l) / toNumber(r),
  "%": remainder,
  "^": (l, r) => toNumber(l) ** toNumber(r),
  "<": ordering((a, b) => a < b),
  ">": ordering((a, b) => a > b),
  "<=": ordering((a, b) => a <= b),
  ">=": ordering((a, b) => a >= b),
  "==": looseEqual,
  "!=": (l, r) => !strictEqual(l, r),
};

/** A field path into a value (record field, list index, or-type payload), null if absent. */
function follow(value, path) {
  for (const seg of path) {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) {
      const index = /^-?\d+$/.test(seg) ? Number(seg) : NaN;
      value = index >= 0 && index < value.length ? value[index] : null;
    } else if (value instanceof Rec) {
      value = seg in value.f ? value.f[seg] : null;
    } else if (value instanceof Or) {
      value = seg === value.v ? value.p : follow(value.p, [seg]);
    } else {
      return null;
    }
  }
  return value === undefined ? null : value;
}

/** Writes `value` at `path` inside `root` (lists and records are changed in place). */
function setIn(root, path, value) {
  let node = root;
  for (const seg of path.slice(0, -1)) {
    if (node instanceof Or) node = node.p;
    node = Array.isArray(node) ? node[Number(seg)] : node instanceof Rec ? node.f[seg] : null;
    if (node === null || node === undefined) return;
  }
  if (node instanceof Or) node = node.p;
  const last = path[path.length - 1];
  if (Array.isArray(node)) node[Number(last)] = value;
  else if (node instanceof Rec) node.f[last] = value;
}
