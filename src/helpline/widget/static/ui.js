// The widget's DOM, inside its shadow root: the launcher, the panel and its screens (home,
// conversation, pre-chat, offline, sent). `createUI` builds it once; `update(state)` brings it
// in line with the state. Server text only ever goes in with textContent or format.renderText
// (text nodes and safe links).

import { CSS } from "./styles.js";
import { direction, t } from "./i18n.js";
import { el, formatTime, LINK_REL, logoSrc, readableTextColor, renderText } from "./format.js";
import { latestIncomingSeq, timeline } from "./state.js";

const SVG = "http://www.w3.org/2000/svg";
const ICONS = {
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z",
  clip: "M16.5 6.5 8.6 14.4a1.5 1.5 0 0 0 2.1 2.1l7.5-7.5a3 3 0 0 0-4.2-4.2L6.5 12.3a4.5 4.5 0 0 0 6.4 6.4l6.6-6.6",
  back: "M15 5l-7 7 7 7",
  down: "M6 9l6 6 6-6",
};

function icon(doc, name, stroke, extra = "") {
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const classes = `${stroke ? "stroke " : ""}${extra}`.trim();
  if (classes) svg.setAttribute("class", classes);
  const path = doc.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
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
  // The chat bubble while closed, a chevron that says "fold it away" while open.
  launcher.append(icon(doc, "chat", false, "open-icon"), icon(doc, "down", true, "close-icon"));
  const badge = el(doc, "span", { class: "badge", hidden: "" });
  launcher.appendChild(badge);
  const panel = el(doc, "section", { class: "panel", role: "dialog", "aria-labelledby": "hl-title" });
  panel.hidden = true;
  const header = el(doc, "header", { class: "header" });
  const back = el(doc, "button", { class: "icon-button back", type: "button" });
  back.appendChild(icon(doc, "back", true));
  const title = el(doc, "h2", { class: "title", id: "hl-title" });
  const close = el(doc, "button", { class: "icon-button", type: "button" }, "×");
  header.append(back, title, close);
  const status = el(doc, "div", { class: "status", role: "status" });
  status.hidden = true;
  const screens = {};
  for (const name of ["home", "prechat", "offline", "sent"]) screens[name] = el(doc, "div", { class: `screen ${name}` });
  const chat = el(doc, "div", { class: "screen chat" });
  const log = el(doc, "ol", { class: "log" });
  const typing = el(doc, "div", { class: "typing" });
  const rating = el(doc, "div", { class: "rating" });
  const uploads = el(doc, "ul", { class: "uploads" });
  const live = el(doc, "div", { class: "sr-only", "aria-live": "polite" });
  const form = el(doc, "form", { class: "composer" });
  const attach = el(doc, "button", { class: "icon-button attach", type: "button" });
  attach.appendChild(icon(doc, "clip", true));
  const file = el(doc, "input", { type: "file", hidden: "", tabindex: "-1" });
  const label = el(doc, "label", { class: "sr-only", for: "hl-input" });
  const input = el(doc, "textarea", { id: "hl-input", rows: "1", maxlength: "10000" });
  const send = el(doc, "button", { class: "send", type: "submit" });
  form.append(attach, file, label, input, send);
  chat.append(log, typing, rating, uploads, form);
  screens.chat = chat;
  panel.append(header, status, ...Object.values(screens));
  frame.append(panel, launcher, live);
  root.append(frame);
  return { frame, launcher, badge, panel, header, back, title, close, status, screens, log, typing, rating, uploads, live, label, input, send, form, attach, file };
}

function messageText(locale, message) {
  if (message.event) return t(locale, `event_${message.event}`);
  return message.body;
}

function senderName(locale, config, message) {
  if (message.sender_kind === "contact") return t(locale, "you");
  if (message.sender_kind === "bot") return (config && config.bot_name) || t(locale, "bot");
  return (config && config.name) || t(locale, "agent");
}

function sizeText(bytes) {
  if (!(bytes >= 0)) return "";
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1048576 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

/** A bot answer's sources: "[1] Title", a link to its help-centre page when it has one there.
 * Paths are resolved on Helpline's address, and only a link that stays on it is made. */
function sources(doc, locale, citations, apiBase) {
  const box = el(doc, "span", { class: "sources" }, t(locale, "sources"));
  const home = new URL(apiBase).origin;
  citations.forEach((citation, index) => {
    const label = `[${index + 1}] ${citation.title}`;
    const url = citation.path ? new URL(citation.path, home) : null;
    const link = url && url.origin === home && el(doc, "a", { href: url.href, target: "_blank", rel: LINK_REL }, label);
    box.append(" ", link || el(doc, "span", {}, label));
  });
  return box;
}

export function createUI(root, handlers, apiBase = location.origin) {
  const doc = root.ownerDocument || document;
  const ui = build(doc, root);
  const nodes = new Map(); // timeline key -> rendered <li>
  let previous = null;

  ui.launcher.addEventListener("click", () => handlers.onToggle());
  ui.close.addEventListener("click", () => handlers.onClose());
  ui.back.addEventListener("click", () => handlers.onHome());
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
  ui.attach.addEventListener("click", () => ui.file.click());
  ui.file.addEventListener("change", () => {
    for (const chosen of ui.file.files) handlers.onAttach(chosen);
    ui.file.value = "";
  });

  async function download(attachment) {
    const blob = await handlers.onDownload(attachment.url);
    const View = doc.defaultView;
    if (!blob || !View) return;
    const link = el(doc, "a", { href: View.URL.createObjectURL(blob), download: attachment.filename });
    link.click();
    View.setTimeout(() => View.URL.revokeObjectURL(link.href), 60000);
  }

  function files(locale, list) {
    const box = el(doc, "span", { class: "files" });
    for (const attachment of list) {
      const name = attachment.filename;
      const chip = el(doc, "button", { class: "file", type: "button", dir: "auto" }, name);
      chip.setAttribute("aria-label", t(locale, "download", { name }));
      chip.append(el(doc, "span", { class: "size" }, sizeText(attachment.size_bytes)));
      chip.addEventListener("click", () => download(attachment));
      box.append(chip);
    }
    return box;
  }

  function renderItem(state, item) {
    const { locale, config } = state;
    if (item.kind === "stream") {
      // A bot answer being written: busy until its message replaces it. Its text goes in with
      // textContent (renderLog), never as links, even once they are whole.
      const li = el(doc, "li", { class: "msg theirs streaming", dir: "auto", "aria-busy": "true" });
      li.append(el(doc, "span"), el(doc, "span", { class: "meta" }, senderName(locale, config, { sender_kind: "bot" })));
      return li;
    }
    if (item.kind === "pending") {
      const { send } = item;
      const li = el(doc, "li", { class: `msg mine ${send.status}`, dir: "auto" });
      li.appendChild(renderText(doc, [send.body, ...(send.files || [])].filter(Boolean).join("\n")));
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
    if (!message.event && message.attachments && message.attachments.length) {
      li.appendChild(files(locale, message.attachments));
    }
    if (message.citations && message.citations.length) li.appendChild(sources(doc, locale, message.citations, apiBase));
    if (!message.event) {
      const who = senderName(locale, config, message);
      li.appendChild(el(doc, "span", { class: "meta" }, `${who} · ${formatTime(message.created_at, locale)}`));
    }
    return li;
  }

  function keyOf(item) {
    if (item.kind === "stream") return `s:${item.stream.id}`;
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
      if (item.kind === "stream") node.firstChild.textContent = item.stream.text;
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

  function renderUploads(state) {
    ui.uploads.replaceChildren(
      ...state.uploads.map((upload) => {
        const li = el(doc, "li", { class: `upload ${upload.status}` });
        const failed = upload.status === "failed";
        const text = failed ? upload.error || t(state.locale, "uploadFailed", { name: upload.name }) : t(state.locale, "uploading", { name: upload.name });
        li.append(el(doc, "span", { dir: "auto" }, text));
        if (failed) {
          const dismiss = el(doc, "button", { class: "icon-button", type: "button", "aria-label": t(state.locale, "closeChat") }, "×");
          dismiss.addEventListener("click", () => handlers.onDismissUpload(upload.localId));
          li.append(dismiss);
        } else {
          const bar = el(doc, "progress", { max: "100", "aria-label": upload.name });
          bar.value = Math.round(upload.progress * 100);
          li.append(bar);
        }
        return li;
      }),
    );
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

  // The workspace's logo, made only once one is set: an <img> whose address goes in through
  // the `src` property after logoSrc (https only). It is decorative (the title beside it names
  // the workspace), sends no referrer, and hides itself if it cannot load (a broken address,
  // or a website whose Content Security Policy does not allow its host in img-src).
  let logo = null;

  function showLogo(address) {
    const src = logoSrc(address);
    if (!src) {
      logo?.remove();
      logo = null;
      return;
    }
    if (logo && logo.src === src) return;
    if (!logo) {
      logo = el(doc, "img", { class: "logo" });
      logo.alt = "";
      logo.referrerPolicy = "no-referrer";
      logo.decoding = "async";
      logo.addEventListener("error", () => {
        if (logo) logo.hidden = true;
      });
      ui.header.insertBefore(logo, ui.title);
    }
    logo.hidden = false;
    logo.src = src;
  }

  function applyTexts(state) {
    const { locale, config } = state;
    const name = (config && config.name) || t(locale, "agent");
    ui.frame.setAttribute("lang", locale);
    ui.frame.setAttribute("dir", direction(locale));
    ui.title.textContent = t(locale, "chatWith", { name });
    ui.close.setAttribute("aria-label", t(locale, "closeChat"));
    ui.back.setAttribute("aria-label", t(locale, "back"));
    ui.attach.setAttribute("aria-label", t(locale, "attach"));
    ui.label.textContent = t(locale, "messageLabel");
    ui.input.setAttribute("placeholder", t(locale, "placeholder"));
    ui.send.textContent = t(locale, "send");
    if (config) {
      ui.frame.setAttribute("data-position", config.position === "left" ? "left" : "right");
      ui.frame.setAttribute("data-theme", config.theme || "auto");
      ui.frame.style.setProperty("--brand", config.color);
      ui.frame.style.setProperty("--on-brand", readableTextColor(config.color));
      showLogo(config.logo_url);
    }
  }

  const greeting = el(doc, "li", { class: "msg theirs", dir: "auto" });

  // Under the greeting of a conversation not yet started: the way to the help centre's search
  // on the home screen, when the workspace has one.
  const findAnswer = el(doc, "button", { class: "find", type: "button" });
  findAnswer.addEventListener("click", () => handlers.onHome());

  function showGreeting(state) {
    greeting.textContent = (state.config && state.config.greeting) || t(state.locale, "greeting");
    if (state.config && state.config.help_centre_url && !state.messages.length) {
      findAnswer.textContent = t(state.locale, "searchHelp");
      greeting.append(findAnswer);
    }
    ui.log.prepend(greeting);
  }

  // screens.js (home, forms, rating) is fetched when the widget first opens: until then only
  // the launcher shows. Once it has come, the panel is drawn afresh.
  let screens = null;
  let loading = null;

  function loadScreens() {
    loading = import("./screens.js").then((module) => {
      screens = module;
      const state = previous;
      previous = { ...state, screen: null };
      update(state);
    });
  }

  /** Draw the screen when it, the language or its data changed. */
  function showScreen(state) {
    const { screen } = state;
    for (const [name, box] of Object.entries(ui.screens)) box.hidden = name !== screen;
    const homeHasMore = state.conversations.length || (state.config && state.config.help_centre_url);
    ui.back.hidden = screen === "home" || (!homeHasMore && screen !== "sent");
    if (!screens) {
      if (state.open && !loading) loadScreens();
      return;
    }
    const changed = !previous || previous.screen !== screen || previous.locale !== state.locale || previous.config !== state.config;
    const render = { home: screens.renderHome, prechat: screens.renderPrechat, offline: screens.renderOffline, sent: screens.renderSent }[screen];
    if (screen === "home" && (changed || previous.conversations !== state.conversations)) {
      render(doc, ui.screens.home, state, handlers);
    } else if (render && changed && state.config) {
      render(doc, ui.screens[screen], state, handlers);
    }
    const resolved = screen === "chat" && state.conversation && state.conversation.status === "resolved";
    ui.rating.hidden = !resolved;
    if (resolved && (changed || previous.conversation !== state.conversation || previous.conversations !== state.conversations)) {
      screens.renderRating(doc, ui.rating, state, handlers);
    }
  }

  function defaultFocus(screen) {
    return screen === "chat" ? ui.input : ui.screens[screen].querySelector("input, textarea, button");
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
    if (!previous || previous.messages !== state.messages || previous.streams !== state.streams || previous.pending !== state.pending || previous.locale !== state.locale) {
      if (previous && previous.locale !== state.locale) {
        for (const node of nodes.values()) node.remove();
        nodes.clear();
      }
      renderLog(state);
    }
    if (!previous || previous.uploads !== state.uploads || previous.locale !== state.locale) renderUploads(state);
    showGreeting(state);
    announce(state);
    showScreen(state);
    const moved = !previous || previous.screen !== state.screen;
    if (state.open && (!wasOpen || moved)) defaultFocus(state.screen)?.focus();
    if (!state.open && wasOpen) ui.launcher.focus();
    if (state.open && state.screen === "chat") {
      const seq = latestIncomingSeq(state);
      if (seq) handlers.onRead(seq);
    }
    previous = state;
  }

  return { update, remove: () => ui.frame.remove() };
}
