// The widget's DOM, inside its shadow root: the launcher, the conversation, the composer.
// `createUI` builds it once; `update(state)` brings it in line with the state. Server text
// only ever goes in with textContent or format.renderText (text nodes and safe links).

import { CSS } from "./styles.js";
import { direction, t } from "./i18n.js";
import { formatTime, readableTextColor, renderText } from "./format.js";
import { latestIncomingSeq, timeline } from "./state.js";

const SVG = "http://www.w3.org/2000/svg";
const CHAT_ICON =
  "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";

function el(doc, tag, attributes = {}, text) {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function icon(doc) {
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = doc.createElementNS(SVG, "path");
  path.setAttribute("d", CHAT_ICON);
  svg.appendChild(path);
  return svg;
}

function adoptStyles(doc, root) {
  // A constructed stylesheet is not an inline <style>, so a host page whose Content Security
  // Policy forbids inline styles still shows the widget right.
  const View = doc.defaultView;
  if (View && "adoptedStyleSheets" in root && typeof View.CSSStyleSheet === "function") {
    const sheet = new View.CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    return;
  }
  const style = el(doc, "style");
  style.textContent = CSS;
  root.append(style);
}

function build(doc, root) {
  adoptStyles(doc, root);
  const frame = el(doc, "div", { class: "hl", "data-position": "right", "data-theme": "auto" });
  const launcher = el(doc, "button", { class: "launcher", type: "button", "aria-expanded": "false" });
  launcher.appendChild(icon(doc));
  const badge = el(doc, "span", { class: "badge", hidden: "" });
  launcher.appendChild(badge);
  const panel = el(doc, "section", { class: "panel", role: "dialog", "aria-labelledby": "hl-title" });
  panel.hidden = true;
  const header = el(doc, "header", { class: "header" });
  const title = el(doc, "h2", { class: "title", id: "hl-title" });
  const close = el(doc, "button", { class: "icon-button", type: "button" }, "×");
  header.append(title, close);
  const status = el(doc, "div", { class: "status", role: "status" });
  status.hidden = true;
  const log = el(doc, "ol", { class: "log" });
  const typing = el(doc, "div", { class: "typing" });
  const live = el(doc, "div", { class: "sr-only", "aria-live": "polite" });
  const form = el(doc, "form", { class: "composer" });
  const label = el(doc, "label", { class: "sr-only", for: "hl-input" });
  const input = el(doc, "textarea", { id: "hl-input", rows: "1", maxlength: "10000" });
  const send = el(doc, "button", { class: "send", type: "submit" });
  form.append(label, input, send);
  panel.append(header, status, log, typing, form);
  frame.append(panel, launcher, live);
  root.append(frame);
  return { frame, launcher, badge, panel, title, close, status, log, typing, live, label, input, send, form };
}

function messageText(locale, message) {
  if (message.event) return t(locale, `event_${message.event}`);
  const files = (message.attachments || []).map((a) => t(locale, "attachment", { name: a.filename }));
  return [message.body, ...files].filter(Boolean).join("\n");
}

function senderName(locale, config, message) {
  if (message.sender_kind === "contact") return t(locale, "you");
  if (message.sender_kind === "bot") return t(locale, "bot");
  return (config && config.name) || t(locale, "agent");
}

export function createUI(root, handlers) {
  const doc = root.ownerDocument || document;
  const ui = build(doc, root);
  const nodes = new Map(); // timeline key -> rendered <li>
  let previous = null;

  ui.launcher.addEventListener("click", () => handlers.onToggle());
  ui.close.addEventListener("click", () => handlers.onClose());
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") handlers.onClose();
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = ui.input.value.trim();
    if (!body) return;
    ui.input.value = "";
    handlers.onTyping(false);
    handlers.onSend(body);
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.input.addEventListener("input", () => handlers.onTyping(ui.input.value.length > 0));

  function renderItem(state, item) {
    const { locale, config } = state;
    if (item.kind === "pending") {
      const { send } = item;
      const li = el(doc, "li", { class: `msg mine ${send.status}`, dir: "auto" });
      li.appendChild(renderText(doc, send.body));
      const meta = el(doc, "span", { class: "meta" });
      meta.textContent = t(locale, send.status === "failed" ? "failed" : "sending");
      if (send.status === "failed") {
        const retry = el(doc, "button", { class: "retry", type: "button" }, t(locale, "retry"));
        retry.addEventListener("click", () => handlers.onRetry(send.clientMessageId));
        meta.appendChild(retry);
      }
      li.appendChild(meta);
      return li;
    }
    const { message } = item;
    const kind = message.event ? "system" : message.sender_kind === "contact" ? "mine" : "theirs";
    const li = el(doc, "li", { class: `msg ${kind}`, dir: "auto" });
    li.appendChild(renderText(doc, messageText(locale, message)));
    if (!message.event) {
      const who = senderName(locale, config, message);
      li.appendChild(el(doc, "span", { class: "meta" }, `${who} · ${formatTime(message.created_at, locale)}`));
    }
    return li;
  }

  function keyOf(item) {
    return item.kind === "pending"
      ? `p:${item.send.clientMessageId}:${item.send.status}`
      : `m:${item.message.id}`;
  }

  function renderLog(state) {
    const items = timeline(state);
    const keep = new Set();
    const atBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 40;
    for (const item of items) {
      const key = keyOf(item);
      keep.add(key);
      let node = nodes.get(key);
      if (!node) {
        node = renderItem(state, item);
        nodes.set(key, node);
      }
      ui.log.appendChild(node); // appending an existing node moves it: keeps the order
    }
    for (const [key, node] of nodes) {
      if (!keep.has(key)) {
        node.remove();
        nodes.delete(key);
      }
    }
    if (atBottom || !previous) ui.log.scrollTop = ui.log.scrollHeight;
  }

  function announce(state) {
    if (!previous) return;
    const known = new Set(previous.messages.map((m) => m.id));
    for (const message of state.messages) {
      if (known.has(message.id) || message.sender_kind === "contact") continue;
      const name = senderName(state.locale, state.config, message);
      ui.live.textContent = t(state.locale, "newMessage", { name, text: messageText(state.locale, message) });
    }
  }

  function applyTexts(state) {
    const { locale, config } = state;
    const name = (config && config.name) || t(locale, "agent");
    ui.frame.setAttribute("lang", locale);
    ui.frame.setAttribute("dir", direction(locale));
    ui.title.textContent = t(locale, "chatWith", { name });
    ui.close.setAttribute("aria-label", t(locale, "closeChat"));
    ui.label.textContent = t(locale, "messageLabel");
    ui.input.setAttribute("placeholder", t(locale, "placeholder"));
    ui.send.textContent = t(locale, "send");
    if (config) {
      ui.frame.setAttribute("data-position", config.position === "left" ? "left" : "right");
      ui.frame.setAttribute("data-theme", config.theme || "auto");
      ui.frame.style.setProperty("--brand", config.color);
      ui.frame.style.setProperty("--on-brand", readableTextColor(config.color));
    }
  }

  const greeting = el(doc, "li", { class: "msg theirs", dir: "auto" });

  function showGreeting(state) {
    greeting.textContent = (state.config && state.config.greeting) || t(state.locale, "greeting");
    ui.log.prepend(greeting);
  }

  function update(state) {
    applyTexts(state);
    const wasOpen = previous ? previous.open : false;
    ui.panel.hidden = !state.open;
    ui.launcher.setAttribute("aria-expanded", String(state.open));
    ui.launcher.setAttribute(
      "aria-label",
      state.unread
        ? `${t(state.locale, "openChat")} (${t(state.locale, "unread", { count: state.unread })})`
        : t(state.locale, state.open ? "closeChat" : "openChat"),
    );
    ui.badge.hidden = !state.unread;
    ui.badge.textContent = state.unread ? String(Math.min(state.unread, 99)) : "";
    const offline = state.connection === "offline";
    ui.status.hidden = !offline;
    ui.status.textContent = offline ? t(state.locale, "offline") : "";
    const agent = (state.config && state.config.name) || t(state.locale, "agent");
    ui.typing.textContent = state.agentTyping ? t(state.locale, "typing", { name: agent }) : "";
    if (!previous || previous.messages !== state.messages || previous.pending !== state.pending || previous.locale !== state.locale) {
      if (previous && previous.locale !== state.locale) {
        for (const node of nodes.values()) node.remove();
        nodes.clear();
      }
      renderLog(state);
    }
    showGreeting(state);
    announce(state);
    if (state.open && !wasOpen) ui.input.focus();
    if (!state.open && wasOpen) ui.launcher.focus();
    if (state.open) {
      const seq = latestIncomingSeq(state);
      if (seq) handlers.onRead(seq);
    }
    previous = state;
  }

  return { update, remove: () => ui.frame.remove() };
}
