// Frontend API calls: ftd.http and ftd.submit_form send JSON to the page's own origin
// (fastn forwards it to the backend) and apply the JSON answer (fastn-server.md §6):
// {"redirect": url} navigates, {"reload": true} reloads, {"errors": {field: message}} shows
// the errors (a list of strings, as Django gives, is joined with spaces), otherwise
// {"data": {variable: value}} sets those variables.
//
//   ftd.http(url, method, [headers,] ("key", value)…)   or a single record as the body;
//       errors go to the variables `<key>-error` of the function's module.
//   ftd.submit_form(url | (url, $form-error), ("name", value, $error)… | $field-record…)
//       POSTs {name: value}; each error goes to that field's error variable ("all" and
//       "__all__" to the form's); an `ftd.*-field` record carries its own `error`.
//
// Both need to know *where* errors go, so they get their argument expressions unevaluated.

const RAW_CALLS = new Set(["ftd.http", "ftd.submit_form"]);

function qualify(name, module) {
  return name.includes("#") ? name : `${module}#${name}`;
}

function errorText(value) {
  if (Array.isArray(value)) return value.map(errorText).join(" ");
  if (value !== null && typeof value === "object" && "message" in value) return jsString(value.message);
  return value === null || value === undefined ? null : jsString(value);
}

/** The request body from ("key", value) pairs, other values (keyed by position), or a record. */
function requestData(items) {
  if (items.length === 1 && items[0] instanceof Rec) return toPlain(items[0]);
  const data = {};
  items.forEach((item, i) => {
    if (Array.isArray(item) && item.length === 2) data[jsString(item[0])] = toPlain(item[1]);
    else data[String(i)] = toPlain(item);
  });
  return data;
}

async function send(url, method, headers, data, followRedirects) {
  let target = url;
  const init = {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    credentials: "same-origin",
    redirect: followRedirects ? "follow" : "manual",
  };
  if (method === "GET") {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(data)) {
      query.set(key, value !== null && typeof value === "object" ? JSON.stringify(value) : jsString(value));
    }
    if ([...query].length) target += (url.includes("?") ? "&" : "?") + query;
  } else {
    init.body = JSON.stringify(data);
  }
  const response = await fetch(target, init);
  if (response.type === "opaqueredirect") {
    throw new Error(`${url} answered with a redirect; answer JSON {"redirect": url} instead`);
  }
  const type = response.headers.get("content-type") || "";
  if (!type.includes("json")) throw new Error(`${url} answered ${response.status} without JSON`);
  return response.json();
}

function applyAnswer(answer, showErrors, module) {
  if (answer === null || typeof answer !== "object") return;
  if (answer.redirect) {
    window.location.href = answer.redirect;
    return;
  }
  if (answer.reload) {
    window.location.reload();
    return;
  }
  const errors =
    answer.errors && typeof answer.errors === "object" && Object.keys(answer.errors).length
      ? answer.errors
      : null;
  batch(() => {
    showErrors(errors);
    if (errors === null && answer.data && typeof answer.data === "object") {
      for (const [name, value] of Object.entries(answer.data)) setValue(qualify(name, module), value);
    }
  });
}

function inBackground(what, request) {
  request.catch((error) => console.error(`fastn: ${what} failed:`, error));
  return null;
}

function http(argNodes, R, scope) {
  const args = argNodes.map((node) => run(node, R));
  if (!args.length) throw new ExprError("ftd.http() needs a URL");
  const url = jsString(args[0]);
  const method = args.length > 1 && args[1] !== null ? jsString(args[1]).trim().toUpperCase() : "GET";
  let rest = args.slice(2);
  let headers = {};
  if (rest.length && (rest[0] === null || (rest[0] instanceof Rec && rest.length > 1))) {
    headers = rest[0] === null ? {} : toPlain(rest[0]);
    rest = rest.slice(1);
  }
  const showErrors = (errors) => {
    for (const [key, value] of Object.entries(errors || {})) {
      setValue(qualify(`${key}-error`, scope.module), errorText(value));
    }
  };
  return inBackground(
    `ftd.http(${url})`,
    send(url, method, headers, requestData(rest), true).then((answer) =>
      applyAnswer(answer, showErrors, scope.module),
    ),
  );
}

function submitForm(argNodes, R, scope) {
  if (!argNodes.length) throw new ExprError("ftd.submit_form() needs a URL");
  let [first, ...fieldNodes] = argNodes;
  let formError = null;
  if (first[0] === "tuple") {
    const [urlNode, errorNode] = first[1];
    formError = errorNode && errorNode[0] === "id" ? R.place(errorNode[1]) : null;
    first = urlNode;
  }
  const url = jsString(run(first, R));
  const fields = fieldNodes.map((node, i) => {
    if (node[0] === "tuple") {
      const [nameNode, valueNode, errorNode] = node[1];
      return {
        name: jsString(run(nameNode, R)),
        value: toPlain(run(valueNode, R)),
        error: errorNode && errorNode[0] === "id" ? R.place(errorNode[1]) : null,
      };
    }
    const value = run(node, R);
    if (value instanceof Rec && "name" in value.f && "value" in value.f) {
      const place = node[0] === "id" ? R.place(node[1]) : null;
      return {
        name: jsString(value.f.name),
        value: toPlain(value.f.value),
        error: place && "error" in value.f ? place.at(["error"]) : null,
      };
    }
    return { name: String(i), value: toPlain(value), error: null };
  });
  const data = {};
  for (const field of fields) data[field.name] = field.value;
  const showErrors = (errors) => {
    const all = errors ? (errors.all ?? errors.__all__ ?? null) : null;
    if (formError !== null) formError.set(errorText(all));
    for (const field of fields) {
      if (field.error !== null) {
        field.error.set(errors && field.name in errors ? errorText(errors[field.name]) : null);
      }
    }
  };
  return inBackground(
    `ftd.submit_form(${url})`,
    send(url, "POST", {}, data, false).then((answer) =>
      applyAnswer(answer, showErrors, scope.module),
    ),
  );
}

const RAW_FUNCTIONS = { "ftd.http": http, "ftd.submit_form": submitForm };
