// Reactive state: cells, effects that re-run when a cell they read changes, and owners that
// dispose of what a part of the page created (effects, document listeners) when that part
// goes away.
//
// An effect records the cells it reads while it runs (its dependencies). Setting a cell
// schedules its readers; scheduled effects run in creation order (a parent before what it
// created), at the end of the current event handler or on the next microtask.

let tracking = null; // the effect whose dependencies are being recorded
let owner = null; // what newly created effects and cleanups belong to
let effectCount = 0;
let batchDepth = 0;
let flushing = false;
let flushQueued = false;
const scheduled = new Set();

class Owner {
  constructor(parent) {
    this.parent = parent;
    this.children = [];
    this.cleanups = [];
    this.alive = true;
    if (parent) parent.children.push(this);
  }

  dispose() {
    if (!this.alive) return;
    this.alive = false;
    const children = this.children;
    this.children = [];
    for (const child of children) child.dispose();
    for (const cleanup of this.cleanups) cleanup();
    this.cleanups = [];
    if (this.parent && this.parent.alive) {
      const siblings = this.parent.children;
      const index = siblings.indexOf(this);
      if (index >= 0) siblings.splice(index, 1);
    }
  }
}

class Effect extends Owner {
  constructor(fn, parent) {
    super(parent);
    this.id = ++effectCount;
    this.fn = fn;
    this.deps = new Set();
  }

  run() {
    if (!this.alive) return;
    this.untrack();
    const [previousTracking, previousOwner] = [tracking, owner];
    tracking = this;
    owner = this;
    try {
      this.fn();
    } finally {
      tracking = previousTracking;
      owner = previousOwner;
    }
  }

  untrack() {
    for (const cell of this.deps) cell.readers.delete(this);
    this.deps.clear();
  }

  dispose() {
    super.dispose();
    this.untrack();
    scheduled.delete(this);
  }
}

class Cell {
  constructor(value) {
    this.value = value;
    this.readers = new Set();
    this.version = 0;
    this.change = null; // {version, insert|remove}: what the last set did to a list
    this.links = null; // Set of SharedPart: this value is, or holds, another cell's value
  }

  get() {
    if (tracking !== null) {
      this.readers.add(tracking);
      tracking.deps.add(this);
    }
    return this.value;
  }

  peek() {
    return this.value;
  }

  set(value, change) {
    if (value === this.value && (value === null || typeof value !== "object") && !change) return;
    this.value = value;
    this.version += 1;
    this.change = change ? { version: this.version, ...change } : null;
    this.notify();
    if (this.links) for (const link of [...this.links]) link.written(this, change || null, null);
  }

  /** The value changed in place (at `path`, when known: a field of a record, an item of a
   * list). */
  changed(path) {
    this.version += 1;
    this.change = null;
    this.notify();
    if (this.links && path) for (const link of [...this.links]) link.written(this, null, path);
  }

  notify() {
    for (const reader of this.readers) schedule(reader);
  }
}

/** Runs `fn` now and again whenever a cell it read changes; errors of re-runs are logged. */
function effect(fn) {
  const e = new Effect(fn, owner);
  e.run();
  return e;
}

function untracked(fn) {
  const previous = tracking;
  tracking = null;
  try {
    return fn();
  } finally {
    tracking = previous;
  }
}

function ownedBy(newOwner, fn) {
  const previous = owner;
  owner = newOwner;
  try {
    return fn();
  } finally {
    owner = previous;
  }
}

function onCleanup(fn) {
  if (owner) owner.cleanups.push(fn);
}

function currentOwner() {
  return owner;
}

function schedule(e) {
  scheduled.add(e);
  if (!flushing && batchDepth === 0 && !flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

/** Runs `fn`, then brings the page up to date at once. */
function batch(fn) {
  batchDepth += 1;
  try {
    return fn();
  } finally {
    batchDepth -= 1;
    if (batchDepth === 0) flush();
  }
}

function flush() {
  flushQueued = false;
  if (flushing) return;
  flushing = true;
  try {
    for (let guard = 0; scheduled.size; guard++) {
      if (guard > 100000) throw new Error("fastn: state keeps changing (a cycle?)");
      let next = null;
      for (const e of scheduled) if (next === null || e.id < next.id) next = e;
      scheduled.delete(next);
      try {
        next.run();
      } catch (error) {
        console.error("fastn: updating the page failed:", error);
      }
    }
  } finally {
    flushing = false;
  }
}
