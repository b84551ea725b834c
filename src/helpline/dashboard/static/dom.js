// Building the page's DOM: elements with text content, never HTML strings. Server text goes
// in as text nodes; links in it only through renderText (http, https, mailto).

import { LINK_REL, tokenize } from "./format.js";

/** An element: `h("button", {class: "x", type: "button", onclick}, "Text", child)`.
 * Props: `class`, `text`, `dataset`, `on<event>` handlers, `hidden`/`disabled`/`checked`/
 * `value`, and any other as an attribute (never `style` or `on...` strings). */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "text") element.textContent = String(value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (["hidden", "disabled", "checked", "selected", "value", "multiple"].includes(key)) element[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Message text as nodes: text, line breaks kept by CSS, and safe links. */
export function renderText(text) {
  const fragment = document.createDocumentFragment();
  for (const segment of tokenize(text)) {
    if (segment.type === "link") {
      fragment.appendChild(h("a", { href: segment.href, rel: LINK_REL, target: "_blank", text: segment.text }));
    } else {
      fragment.appendChild(document.createTextNode(segment.text));
    }
  }
  return fragment;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A toast in the corner for a few seconds. */
export function toast(message, { kind = "info", action = null } = {}) {
  const host = $("[data-toasts]");
  if (!host) return;
  const item = h("div", { class: ["toast", `toast-${kind}`], role: kind === "error" ? "alert" : "status" }, h("span", { text: message }));
  if (action) item.appendChild(h("button", { type: "button", class: "button button-small", text: action.label, onclick: () => { item.remove(); action.run(); } }));
  host.appendChild(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 5000);
}

/** A small avatar: the initials on a colour derived from the id. */
export function avatar(name, id, initialsOf) {
  let hash = 0;
  for (const char of String(id || name || "")) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return h("span", { class: ["avatar", `avatar-${hash % 6}`], "aria-hidden": "true", text: initialsOf(name) });
}
