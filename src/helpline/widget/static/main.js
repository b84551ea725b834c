// The Helpline chat widget itself, loaded by the entry module widget.js (docs/widget.md) from
// the versioned folder /widget/v1/<version>/, as are the modules it imports.
//
// It reads the workspace's public key from the website's tag, draws the widget in a shadow root
// (the page's CSS cannot break it, and it cannot break the page) and offers `window.Helpline`.

import { createClient } from "./client.js";
import { pickLocale, STRINGS } from "./i18n.js";
import { createUI } from "./ui.js";

// The entry the website's tag loads: /widget/v1/widget.js, beside this module's folder. Its
// origin is the Helpline server's, where the API is.
const ENTRY_URL = new URL("../widget.js", import.meta.url);
const EVENTS = ["ready", "open", "close", "message"];
const listeners = Object.fromEntries(EVENTS.map((name) => [name, new Set()]));
let widget = null;

function emit(name, detail) {
  for (const fn of listeners[name]) {
    try {
      fn(detail);
    } catch (error) {
      console.error("Helpline: an event listener failed", error);
    }
  }
}

function withoutQuery(url) {
  return url.origin + url.pathname;
}

function ownTag() {
  // A module has no document.currentScript: find the tag that loaded the entry.
  const tags = [...document.querySelectorAll("script[data-helpline-key]")];
  const entry = withoutQuery(ENTRY_URL);
  return tags.find((tag) => tag.src && withoutQuery(new URL(tag.src, location.href)) === entry) || tags[0] || null;
}

function publicMessage(message) {
  const { id, conversation_id, seq, sender_kind, body, created_at } = message;
  return { id, conversationId: conversation_id, seq, senderKind: sender_kind, body, createdAt: created_at };
}

function mount({ publicKey, locale, apiBase }) {
  const host = document.createElement("div");
  host.setAttribute("data-helpline-widget", "");
  const root = host.attachShadow({ mode: "open" });
  let ui = null;
  const seen = new Set();
  const client = createClient({
    apiBase,
    publicKey,
    storage: window.localStorage,
    locale: locale || pickLocale(navigator.languages || [navigator.language]),
    onState(state, action) {
      if (ui) ui.update(state);
      if (action.type === "open" || action.type === "close") emit(action.type, {});
      if (action.type === "toggle") emit(state.open ? "open" : "close", {});
      if (action.type === "messages") {
        // Each message from the team once, as it arrives: not the history, not a redelivery.
        for (const m of action.messages) {
          if (seen.has(m.id)) continue;
          seen.add(m.id);
          if (!action.history && m.sender_kind !== "contact") emit("message", publicMessage(m));
        }
      }
    },
  });
  ui = createUI(root, {
    onToggle: () => client.dispatch({ type: "toggle" }),
    onClose: () => client.dispatch({ type: "close" }),
    onHome: () => client.home(),
    onStart: () => client.startNew(),
    onOpen: (conversation) => client.open(conversation),
    onSearchHelp: (query) => client.searchHelp(query),
    onPrechat: (answers) => client.submitPrechat(answers),
    onOffline: (values) => client.submitOffline(values),
    onRate: (id, rating, comment) => client.rate(id, rating, comment),
    onSend: (body) => client.send(body),
    onRetry: (id) => client.retry(id),
    onAttach: (file) => client.attach(file),
    onDismissUpload: (localId) => client.dismissUpload(localId),
    onDownload: (url) => client.download(url),
    onTyping: (isTyping) => client.typing(isTyping),
    onRead: (seq) => client.read(seq),
  }, apiBase);
  ui.update(client.state);
  document.body.appendChild(host);
  const online = () => client.reconnectNow();
  const offline = () => client.wentOffline();
  window.addEventListener("online", online);
  window.addEventListener("offline", offline);
  client.start().then((session) => {
    if (session.status === 200) emit("ready", {});
    else console.warn("Helpline: the widget could not start:", session.data?.detail || session.status);
  });
  return {
    client,
    async remove(forget) {
      window.removeEventListener("online", online);
      window.removeEventListener("offline", offline);
      if (forget) await client.shutdown();
      host.remove();
    },
  };
}

const Helpline = {
  /** Start the widget (done by itself when the tag has data-helpline-key). */
  init(options = {}) {
    if (widget) return;
    const tag = ownTag();
    const publicKey = options.publicKey || tag?.dataset.helplineKey;
    if (!publicKey) {
      console.warn("Helpline: no public key: add data-helpline-key to the script tag.");
      return;
    }
    const apiBase = options.apiBase || tag?.dataset.helplineApi || ENTRY_URL.origin;
    if (!document.body) {
      // An async script in <head> can run before <body> exists.
      document.addEventListener("DOMContentLoaded", () => Helpline.init(options), { once: true });
      return;
    }
    widget = mount({ publicKey, locale: options.locale, apiBase });
  },
  open() {
    widget?.client.dispatch({ type: "open" });
  },
  close() {
    widget?.client.dispatch({ type: "close" });
  },
  toggle() {
    widget?.client.dispatch({ type: "toggle" });
  },
  /** Tell who the website's user is: `{id, hash}` (hash: the HMAC your server computes, see
   * docs/widget.md) verifies them, `name` and `email` fill in their details. */
  identify(user = {}) {
    return widget ? widget.client.identify(user) : Promise.resolve({ status: 0 });
  },
  /** Set attributes on the visitor (merged; null deletes one), for agents to see. */
  setAttributes(attributes = {}) {
    return widget ? widget.client.setAttributes(attributes) : Promise.resolve({ status: 0 });
  },
  setLocale(locale) {
    if (widget && STRINGS[locale]) widget.client.dispatch({ type: "locale", locale });
  },
  /** Subscribe to ready, open, close or message; returns the function that unsubscribes. */
  on(name, fn) {
    if (!listeners[name] || typeof fn !== "function") throw new Error(`Helpline: no event ${name}`);
    listeners[name].add(fn);
    return () => listeners[name].delete(fn);
  },
  /** Forget the visitor (their token ends) and remove the widget: call it at logout. */
  async shutdown() {
    const current = widget;
    widget = null;
    if (current) await current.remove(true);
  },
};

// Calls made before this module ran (`window.Helpline = window.Helpline || {q: []}` and
// `Helpline.q.push(["open"])`) are replayed once it is ready.
const queued = Array.isArray(window.Helpline?.q) ? window.Helpline.q : [];
window.Helpline = Helpline;
const tag = ownTag();
if (tag && !tag.hasAttribute("data-helpline-manual")) Helpline.init();
for (const [name, ...args] of queued) {
  if (typeof Helpline[name] === "function") Helpline[name](...args);
}
