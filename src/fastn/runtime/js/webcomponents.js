// Web components (`-- web-component x:`): the element's own script reads the arguments of
// its invocation with `window.ftd.component_data(element)`, as it does under fastn: each
// argument has get(), on_change(fn), and for mutable ones set() (lists also push(), pop(),
// insertAt(), deleteAt(), clearAll()). Values cross as plain data (records as objects).

const webComponentArgs = []; // page index (the element's `args`) -> [component, bindings]
let creatingWebComponent = null; // the index of the element being created, if any

function componentData(element) {
  const given = element.getAttribute("args");
  const found = webComponentArgs[given === null ? creatingWebComponent : Number(given)];
  if (found === undefined) throw new Error("fastn: component_data: not a web component here");
  const [name, bindings] = found;
  const out = {};
  for (const [arg, kind, mutable] of MODEL.components[name].args) {
    out[arg] = webComponentArgument(bindings[arg], kind, mutable);
  }
  return out;
}

function webComponentArgument(binding, kind, mutable) {
  const read = () => toPlain(untracked(() => binding.get()));
  const argument = {
    get: read,
    /** `fn` runs after each change (an immutable argument: also once now, as in fastn). */
    on_change(fn) {
      let first = true;
      ownedBy(null, () =>
        effect(() => {
          binding.get();
          if (!first || !mutable) untracked(() => fn());
          first = false;
        }),
      );
    },
  };
  if (!mutable) return argument;
  const place = () => untracked(() => binding.place());
  const write = (value, change) => {
    const target = place();
    if (target !== null) batch(() => target.set(value, change));
  };
  argument.set = (value) => write(fromPlain(value, kind), null);
  if (!kind[1]) return argument;
  const item = [kind[0], false];
  const current = () => untracked(() => binding.get()) || [];
  const edit = (change, mutate) => {
    const items = current();
    mutate(items);
    write(items, change);
  };
  Object.assign(argument, {
    set: (at, value) => {
      if (value === undefined) write(fromPlain(at, kind), null);
      else edit(null, (items) => (items[at] = fromPlain(value, item)));
    },
    push: (value) => edit({ insert: current().length }, (items) => items.push(fromPlain(value, item))),
    pop: () => current().length && edit({ remove: current().length - 1 }, (items) => items.pop()),
    insertAt: (at, value) => edit({ insert: at }, (items) => items.splice(at, 0, fromPlain(value, item))),
    deleteAt: (at) => edit({ remove: at }, (items) => items.splice(at, 1)),
    clearAll: () => edit(null, (items) => items.splice(0)),
  });
  return argument;
}
