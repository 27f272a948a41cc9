// The expression language: evaluates the JSON trees of ftd/expr.py (`to_json`) with the
// same rules. A scope answers lookup(name), assign(name, value, op) and call(name, args);
// `op` tells a list's watchers what changed ({insert: i} / {remove: i}) so that a `for`
// loop can add or drop one item instead of redrawing them all.

let lastListChange = null; // set by the list mutators, read right after the call

function requireList(v) {
  if (!Array.isArray(v)) throw new ExprError(`expected a list, got ${describe(v)}`);
  return v;
}

function requireIndex(v) {
  const n = toNumber(v);
  if (!Number.isInteger(n)) throw new ExprError(`expected an integer index, got '${jsString(v)}'`);
  return n;
}

function numbers(args) {
  const values = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (!values.length) throw new ExprError("expected at least one number");
  return values.map(toNumber);
}

function rounding(toInteger) {
  return (v) => {
    const n = toNumber(v);
    return Number.isFinite(n) ? toInteger(n) : n;
  };
}

const BUILTINS = {
  len: (v) => {
    if (v === null) return 0;
    if (typeof v === "string") return [...v].length;
    if (Array.isArray(v)) return v.length;
    throw new ExprError(`expected a list or a string, got ${describe(v)}`);
  },
  "ftd.is_empty": (v) =>
    v === null ||
    ((typeof v === "string" || Array.isArray(v)) && v.length === 0) ||
    (v instanceof Rec && Object.keys(v.f).length === 0),
  "ftd.append": (items, item) => {
    requireList(items).push(item);
    lastListChange = { insert: items.length - 1 };
    return null;
  },
  "ftd.pop": (items) => {
    requireList(items);
    if (!items.length) return null;
    lastListChange = { remove: items.length - 1 };
    return items.pop();
  },
  "ftd.insert_at": (items, index, item) => {
    requireList(items);
    let i = requireIndex(index);
    i = i < 0 ? Math.max(0, items.length + i) : Math.min(i, items.length);
    items.splice(i, 0, item);
    lastListChange = { insert: i };
    return null;
  },
  "ftd.delete_at": (items, index) => {
    requireList(items);
    const i = requireIndex(index);
    if (i >= 0 && i < items.length) {
      items.splice(i, 1);
      lastListChange = { remove: i };
    }
    return null;
  },
  "ftd.clear": (items) => {
    requireList(items).length = 0;
    return null;
  },
  "ftd.set_list": (items, value) => {
    requireList(items);
    const replacement = value === null ? [] : requireList(value).slice();
    items.length = 0;
    items.push(...replacement);
    return null;
  },
  "ftd.list_contains": (items, item) => requireList(items).some((c) => strictEqual(c, item)),
  min: (...args) => {
    const n = numbers(args);
    return n.some((x) => x !== x) ? NaN : Math.min(...n);
  },
  max: (...args) => {
    const n = numbers(args);
    return n.some((x) => x !== x) ? NaN : Math.max(...n);
  },
  floor: rounding(Math.floor),
  ceil: rounding(Math.ceil),
  round: rounding((n) => Math.sign(n) * Math.floor(Math.abs(n) + 0.5)),
};
BUILTINS["ftd.len"] = BUILTINS.len;
BUILTINS["ftd.clear_all"] = BUILTINS["ftd.clear"];
const LIST_MUTATORS = new Set([
  "ftd.append",
  "ftd.pop",
  "ftd.insert_at",
  "ftd.delete_at",
  "ftd.clear",
  "ftd.clear_all",
  "ftd.set_list",
]);

/** One evaluation: the scope plus the locals the program creates (like expr.py's _Run). */
class Run {
  constructor(scope) {
    this.scope = scope;
    this.locals = new Map();
  }

  lookup(name) {
    if (this.locals.size) {
      if (this.locals.has(name)) return this.locals.get(name);
      const dot = name.indexOf(".");
      if (dot > 0 && this.locals.has(name.slice(0, dot))) {
        return readLocalPath(this.locals.get(name.slice(0, dot)), name.slice(dot + 1), name);
      }
    }
    return this.scope.lookup(name);
  }

  assign(name, value, op) {
    const dot = name.indexOf(".");
    const head = dot > 0 ? name.slice(0, dot) : name;
    if (this.locals.has(head)) {
      if (dot > 0) throw new ExprError(`cannot assign to \`${name}\`: \`${head}\` is a local value`);
      this.locals.set(name, value);
      return;
    }
    if (dot < 0) {
      try {
        this.scope.lookup(name);
      } catch (e) {
        if (!(e instanceof UnknownName) || e.unknown !== name) throw e;
        this.locals.set(name, value);
        return;
      }
    }
    this.scope.assign(name, value, op);
  }

  /** Where `name` is stored, for functions that write back later (ftd.submit_form). */
  place(name) {
    const head = name.split(".")[0];
    if (this.locals.has(head) || !this.scope.place) return null;
    return this.scope.place(name);
  }
}

function readLocalPath(value, path, fullName) {
  for (const key of path.split(".")) {
    if (value instanceof Or) value = value.p;
    if (value instanceof Rec && key in value.f) value = value.f[key];
    else if (Array.isArray(value) && /^\d+$/.test(key) && Number(key) < value.length) {
      value = value[Number(key)];
    } else throw new UnknownName(fullName);
  }
  return value;
}

function run(node, R) {
  switch (node[0]) {
    case "lit":
      return node[1];
    case "id":
      return R.lookup(node[1]);
    case "not":
      return !isTruthy(run(node[1], R));
    case "neg":
      return -toNumber(run(node[1], R));
    case "and": {
      const left = run(node[1], R);
      return isTruthy(left) ? run(node[2], R) : left;
    }
    case "or": {
      const left = run(node[1], R);
      return isTruthy(left) ? left : run(node[2], R);
    }
    case "bin":
      return runBinary(node, R);
    case "call":
      return runCall(node, R);
    case "if":
      return isTruthy(run(node[1], R)) ? run(node[2], R) : run(node[3], R);
    case "tuple":
      return node[1].map((item) => run(item, R));
    case "assign":
      return runAssign(node, R);
    case "seq": {
      let result = null;
      for (const statement of node[1]) result = run(statement, R);
      return result;
    }
    default:
      throw new ExprError(`unknown expression node ${JSON.stringify(node[0])}`);
  }
}

function runBinary(node, R) {
  const op = node[1];
  const left = run(node[2], R);
  if ((op === "==" || op === "!=") && left instanceof Or && node[3][0] === "id") {
    // `size == small`: a right-hand name that names nothing is a variant of the left value
    let right;
    try {
      right = R.lookup(node[3][1]);
    } catch (e) {
      if (!(e instanceof UnknownName) || e.unknown !== node[3][1]) throw e;
      return (left.v === node[3][1]) === (op === "==");
    }
    return BINARY[op](left, right);
  }
  return BINARY[op](left, run(node[3], R));
}

function runCall(node, R) {
  const name = node[1];
  if (R.scope.rawCall && RAW_CALLS.has(name)) return R.scope.rawCall(name, node[2], R);
  const args = node[2].map((arg) => run(arg, R));
  const builtin = BUILTINS[name];
  if (!builtin) return R.scope.call(name, args);
  lastListChange = null;
  let result;
  try {
    result = builtin(...args);
  } catch (e) {
    if (e instanceof ExprError) throw new ExprError(`${name}(): ${e.message}`);
    throw e;
  }
  if (LIST_MUTATORS.has(name) && node[2][0][0] === "id") {
    const target = node[2][0][1];
    if (!R.locals.has(target.split(".")[0])) R.scope.assign(target, args[0], lastListChange);
  }
  return result;
}

function runAssign(node, R) {
  const [, op, target, valueNode] = node;
  if (op === "=") {
    R.assign(target, run(valueNode, R));
    return null;
  }
  const current = R.lookup(target);
  if (op === "&&=") {
    if (isTruthy(current)) R.assign(target, run(valueNode, R));
  } else if (op === "||=") {
    if (!isTruthy(current)) R.assign(target, run(valueNode, R));
  } else {
    R.assign(target, BINARY[op.slice(0, -1)](current, run(valueNode, R)));
  }
  return null;
}

function runExpression(tree, scope) {
  return run(tree, new Run(scope));
}
