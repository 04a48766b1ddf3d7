// DOM helpers. Every value reaches the page as text (textContent / text nodes), never as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.setAttribute("class", value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "value" && "value" in node) node.value = value;
    else if (name === "checked" || name === "disabled" || name === "selected" || name === "hidden") node[name] = Boolean(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
}

/** h("button", {class: "x", onclick: fn}, "text", child, ...) — children become text nodes unless they are nodes. */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

/** The same for SVG elements (attributes only; no style attributes, the CSP forbids them). */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function replace(node, ...children) {
  clear(node);
  append(node, children);
  return node;
}

/** A labelled form field; `input` is the control. */
export function field(label, input, hint) {
  const id = input.id || (input.id = "f-" + Math.random().toString(36).slice(2, 10));
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("small", { class: "hint" }, hint) : null);
}

export function input(name, attrs = {}) {
  return h("input", { name, "data-wire": attrs.wire || name, ...attrs, wire: undefined });
}

export function select(name, options, value, attrs = {}) {
  const node = h("select", { name, "data-wire": attrs.wire || name, ...attrs, wire: undefined });
  for (const option of options) {
    const [optionValue, text] = Array.isArray(option) ? option : [option, option];
    node.append(h("option", { value: optionValue, selected: optionValue === value }, text));
  }
  return node;
}

/** A table from column definitions: {title, value(row) -> text|Node, class, sort}. */
export function table(columns, rows, attrs = {}) {
  const head = h("tr", null, columns.map((column) => h("th", { scope: "col", class: column.class }, column.header || column.title)));
  const body = h("tbody", null, rows.map((row) =>
    h("tr", attrs.rowAttrs ? attrs.rowAttrs(row) : null, columns.map((column) => h("td", { class: column.class }, column.value(row))))));
  return h("table", { class: attrs.class || "grid", id: attrs.id }, attrs.caption ? h("caption", null, attrs.caption) : null, h("thead", null, head), body);
}

/** Shows an error next to what caused it: under the field the server's message names, else at `fallback`. */
export function showError(form, error, fallback) {
  clearErrors(form);
  const message = error && error.message ? error.message : String(error);
  const code = error && error.code ? error.code + ": " : "";
  let target = null;
  let best = 0;
  for (const control of form.querySelectorAll("[data-wire]")) {
    const wire = control.dataset.wire;
    if (wire && message.includes(wire) && wire.length > best) {
      target = control;
      best = wire.length;
    }
  }
  const note = h("p", { class: "error", role: "alert" }, code + message);
  if (target) {
    target.setAttribute("aria-invalid", "true");
    const holder = target.closest(".field");
    if (holder) holder.append(note);
    else target.after(note);
  } else if (fallback) {
    replace(fallback, note);
  } else {
    form.append(note);
  }
  return note;
}

export function clearErrors(root) {
  for (const node of root.querySelectorAll(".error")) node.remove();
  for (const node of root.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/** Runs `work` with `button` disabled and a visible busy state; returns its result. */
export async function busy(button, work, label) {
  const original = button.textContent;
  button.disabled = true;
  button.classList.add("busy");
  if (label) button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.classList.remove("busy");
    button.textContent = original;
  }
}
