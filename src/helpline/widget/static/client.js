// The widget's connection to Helpline: the visitor session (REST), the socket (/ws/widget), and
// the resume state kept in storage so a reload or a dropped network loses nothing. The browser
// APIs it uses (fetch, WebSocket, storage, timers) are passed in, so it can run under test.

import {
  addPending,
  backoffDelay,
  createSync,
  encodeFrame,
  isRetryable,
  newClientMessageId,
  noteSeq,
  parseFrame,
  parseStream,
  pendingSends,
  readFrame,
  reconnectPlan,
  resumeFrame,
  sendFrame,
  settlePending,
  socketUrl,
  subprotocols,
  typingFrame,
} from "./protocol.js";
import { initialState, reduce, startScreen } from "./state.js";

const API = "/api/v1/widget";
const PAGE = 50;
const LIST = 20;
const TYPING_EVERY_MS = 3000;
const TYPING_EXPIRES_MS = 8000;
const OFFLINE_AFTER_ATTEMPTS = 2;

export function storageKey(publicKey) {
  return `helpline:${publicKey}`;
}

export function createClient(options) {
  const { apiBase, publicKey, storage, onState } = options;
  const fetchImpl = options.fetch || globalThis.fetch.bind(globalThis);
  const Socket = options.WebSocket || globalThis.WebSocket;
  const timers = options.timers || globalThis;
  const Xhr = options.XMLHttpRequest || globalThis.XMLHttpRequest;
  let state = initialState({ locale: options.locale });
  let saved = load();
  let started = null;
  let uploads = 0;
  let sync = saved.sync || createSync();
  let socket = null;
  let attempt = 0;
  let stopped = false;
  let reconnectTimer = null;
  let watchdog = null;
  let typingTimer = null;
  let lastTypingSent = 0;
  let lastReadSent = 0;
  let creating = null;
  let inFlight = new Set();
  let armWatchdog = () => {};

  function load() {
    try {
      return JSON.parse(storage.getItem(storageKey(publicKey)) || "{}") || {};
    } catch {
      return {};
    }
  }

  function save() {
    saved = { ...saved, sync };
    try {
      storage.setItem(storageKey(publicKey), JSON.stringify(saved));
    } catch {
      // Storage full or blocked (private mode): the widget works, without surviving a reload.
    }
  }

  function dispatch(action) {
    state = reduce(state, action);
    onState(state, action);
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (saved.token) headers.Authorization = `Bearer ${saved.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const response = await fetchImpl(new URL(path, apiBase).href, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const data = response.status === 204 ? null : await response.json().catch(() => null);
      return { status: response.status, data };
    } catch {
      return { status: 0, data: null };
    }
  }

  async function startSession(identity) {
    const doc = globalThis.document;
    const browser = {
      language: globalThis.navigator?.language,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      page_url: globalThis.location?.href,
      page_title: doc?.title,
      referrer: doc?.referrer || undefined,
    };
    const body = { public_key: publicKey, browser };
    if (saved.token) body.token = saved.token;
    if (identity) body.identity = identity;
    const { status, data } = await api("POST", `${API}/sessions`, body);
    if (status !== 200) return { status, data };
    const renewed = data.token !== saved.token;
    if (renewed) {
      // A new visitor: nothing of the previous one carries over.
      if (saved.token) dispatch({ type: "reset" });
      saved = { token: data.token };
      sync = createSync();
    }
    save();
    dispatch({ type: "visitor", visitor: data.visitor });
    if (saved.prechat) dispatch({ type: "prechatDone" });
    return { status, data, renewed };
  }

  async function loadList() {
    const list = await api("GET", `${API}/conversations?limit=${LIST}`);
    if (list.status !== 200) return [];
    dispatch({ type: "conversations", conversations: list.data.items });
    return list.data.items;
  }

  /** Back where the visitor was: the conversation they had open, else their list (home),
   * else whatever starts a first conversation (pre-chat, offline or chat). */
  async function loadConversation() {
    const items = await loadList();
    let conversation = items.find((c) => c.id === saved.conversationId);
    if (!conversation && saved.conversationId) {
      const found = await api("GET", `${API}/conversations/${saved.conversationId}`);
      if (found.status === 200) conversation = found.data;
    }
    if (conversation) return show(conversation);
    dispatch({ type: "screen", screen: items.length ? "home" : startScreen(state) });
  }

  async function show(conversation) {
    adopt(conversation);
    dispatch({ type: "screen", screen: "chat" });
    const page = await api("GET", `${API}/conversations/${conversation.id}/messages?limit=${PAGE}`);
    if (page.status === 200) received(page.data.items, true);
  }

  function adopt(conversation) {
    saved.conversationId = conversation.id;
    dispatch({ type: "conversation", conversation });
    save();
  }

  function received(messages, history = false) {
    for (const m of messages) sync = noteSeq(sync, m.conversation_id, m.seq);
    for (const m of messages) if (m.client_message_id) sync = settlePending(sync, m.client_message_id);
    save();
    dispatch({ type: "messages", messages, history });
  }

  async function catchUp(conversationId) {
    // REST is the source of truth: page forwards from the last seq held.
    for (;;) {
      const after = sync.lastSeq[conversationId] || 0;
      const url = `${API}/conversations/${conversationId}/messages?after_seq=${after}&limit=${PAGE}`;
      const page = await api("GET", url);
      if (page.status !== 200) return;
      received(page.data.items);
      if (!page.data.has_more || !page.data.items.length) return;
    }
  }

  function connect() {
    if (stopped || !saved.token) return;
    dispatch({ type: "connection", status: attempt >= OFFLINE_AFTER_ATTEMPTS ? "offline" : "connecting" });
    inFlight = new Set();
    const ws = new Socket(socketUrl(apiBase), subprotocols(saved.token));
    socket = ws;
    let lastFrameAt = Date.now();
    let opened = false;
    ws.onmessage = (event) => {
      lastFrameAt = Date.now();
      const frame = parseFrame(event.data);
      if (frame && frame.type === "ready") opened = true;
      if (frame) handleFrame(frame);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      timers.clearInterval(watchdog);
      if (stopped) return;
      const plan = reconnectPlan(event.code, attempt, options.random);
      // A refused handshake (a token revoked or expired meanwhile) closes as 1006 before any
      // frame: after two in a row, ask for the session again, which resumes or starts afresh.
      const renew = plan.renew || (!opened && attempt >= 1);
      attempt += 1;
      if (attempt >= OFFLINE_AFTER_ATTEMPTS) dispatch({ type: "connection", status: "offline" });
      if (!plan.reconnect) return;
      reconnectTimer = timers.setTimeout(async () => {
        if (renew) await startSession();
        connect();
      }, plan.delayMs);
    };
    armWatchdog = (frame) => {
      const silence = frame.heartbeat_interval_s * 2000;
      timers.clearInterval(watchdog);
      watchdog = timers.setInterval(() => {
        if (Date.now() - lastFrameAt > silence) ws.close();
      }, frame.heartbeat_interval_s * 1000);
    };
  }

  function transmit(frame) {
    if (socket && socket.readyState === 1) {
      socket.send(encodeFrame(frame));
      return true;
    }
    return false;
  }

  function flush() {
    for (const send of pendingSends(sync)) {
      const conversationId = send.conversationId || state.conversation?.id;
      if (!conversationId || inFlight.has(send.clientMessageId)) continue;
      if (transmit(sendFrame({ ...send, conversationId }))) inFlight.add(send.clientMessageId);
    }
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "ready": {
        attempt = 0;
        armWatchdog(frame);
        dispatch({ type: "streamsCleared" });
        dispatch({ type: "connection", status: "online" });
        const held = state.conversation ? { [state.conversation.id]: sync.lastSeq[state.conversation.id] || 0 } : {};
        if (Object.keys(held).length) transmit(resumeFrame(held));
        flush();
        break;
      }
      case "message.created":
        if (!state.conversation && state.screen === "chat" && creating) adopt({ id: frame.conversation_id });
        received([frame.message]);
        break;
      case "ack":
        inFlight.delete(frame.ref);
        sync = settlePending(sync, frame.message.client_message_id || frame.ref);
        sync = noteSeq(sync, frame.message.conversation_id, frame.message.seq);
        save();
        dispatch({ type: "acked", clientMessageId: frame.ref, message: frame.message });
        break;
      case "error":
        refused(frame);
        break;
      case "resumed":
      case "conversation.created":
      case "conversation.assigned":
      case "conversation.status_changed":
      case "conversation.updated":
        if (!frame.conversation) break;
        if (state.conversation && frame.conversation.id === state.conversation.id) {
          dispatch({ type: "conversation", conversation: frame.conversation });
        } else {
          dispatch({ type: "summary", summary: frame.conversation });
        }
        break;
      case "resync_required":
        catchUp(frame.conversation_id);
        break;
      case "message.streaming": {
        const stream = parseStream(frame);
        if (stream) dispatch({ type: "stream", stream });
        break;
      }
      case "typing":
        if (frame.sender_kind === "contact") break;
        dispatch({ type: "typing", isTyping: frame.is_typing });
        timers.clearTimeout(typingTimer);
        if (frame.is_typing) {
          typingTimer = timers.setTimeout(() => dispatch({ type: "typing", isTyping: false }), TYPING_EXPIRES_MS);
        }
        break;
      default:
        break; // heartbeat, pong, read, and frame types added later
    }
  }

  function refused(frame) {
    const send = sync.pending[frame.ref];
    if (!send) return;
    inFlight.delete(frame.ref);
    if (isRetryable(frame.status)) {
      const wait = Math.max(1, frame.retry_after_s || 2) * 1000;
      timers.setTimeout(flush, wait);
      return;
    }
    sync = settlePending(sync, frame.ref);
    save();
    dispatch({ type: "failed", clientMessageId: frame.ref, error: frame.detail || frame.error });
  }

  /** The conversation to send into, created on the first send: `{id}`, or the `{status}`
   * of the refused creation. */
  async function ensureConversation() {
    if (state.conversation) return { id: state.conversation.id };
    creating = creating || api("POST", `${API}/conversations`, {});
    const { status, data } = await creating;
    creating = null;
    if (status === 201) {
      dispatch({ type: "summary", summary: { ...data, unread: false, last_message: null } });
      if (!state.conversation) adopt(data);
      return { id: state.conversation.id };
    }
    return { status };
  }

  function sendFile(conversationId, file, localId) {
    // XMLHttpRequest, not fetch: only it reports how much of an upload has gone.
    return new Promise((resolve) => {
      const xhr = new Xhr();
      xhr.open("POST", new URL(`${API}/conversations/${conversationId}/attachments`, apiBase).href);
      xhr.setRequestHeader("Authorization", `Bearer ${saved.token}`);
      xhr.responseType = "json";
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) {
          dispatch({ type: "upload", upload: { localId, name: file.name, progress: event.loaded / event.total, status: "uploading" } });
        }
      };
      xhr.onload = () => resolve({ status: xhr.status, data: xhr.response });
      xhr.onerror = () => resolve({ status: 0, data: null });
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  }

  async function queue(send) {
    sync = addPending(sync, send);
    save();
    dispatch({ type: "pending", send });
    await place(send, 0);
  }

  async function place(send, attempt) {
    // A message written while the widget is still starting waits for the visitor's token
    // (and for the conversation the visitor had open, which it then goes to).
    await ready();
    const found = send.conversationId ? { id: send.conversationId } : await ensureConversation();
    const conversationId = found.id;
    if (!conversationId) {
      // A busy or unreachable server: the message stays pending and creation is tried again.
      if (isRetryable(found.status)) {
        timers.setTimeout(() => place(send, attempt + 1), backoffDelay(attempt, options.random));
        return;
      }
      sync = settlePending(sync, send.clientMessageId);
      save();
      dispatch({ type: "failed", clientMessageId: send.clientMessageId, error: "" });
      return;
    }
    if (!send.conversationId) {
      sync = settlePending(sync, send.clientMessageId);
      sync = addPending(sync, { ...send, conversationId });
      save();
    }
    flush();
  }

  function ready() {
    return started || Promise.resolve({ status: 0 });
  }

  function failure(response) {
    return { ok: false, error: response.data?.detail || "" };
  }

  return {
    get state() {
      return state;
    },
    start() {
      started = started || this.begin();
      return started;
    },
    async begin() {
      dispatch({ type: "connection", status: "connecting" });
      const config = api("GET", `/api/v1/widget/config/${encodeURIComponent(publicKey)}`);
      const session = await startSession();
      const loaded = await config;
      if (loaded.status === 200) dispatch({ type: "config", config: loaded.data });
      if (session.status !== 200) return session;
      await loadConversation();
      for (const send of pendingSends(sync)) dispatch({ type: "pending", send });
      connect();
      return session;
    },
    /** Home: the visitor's conversations; reopening the widget after a reload lands here. */
    home() {
      saved.conversationId = null;
      save();
      dispatch({ type: "screen", screen: "home" });
      return loadList();
    },
    open(conversation) {
      return show(conversation);
    },
    /** Start a conversation: the pre-chat or offline form first when they apply. */
    startNew() {
      saved.conversationId = null;
      save();
      dispatch({ type: "newConversation", screen: startScreen(state) });
    },
    /** The pre-chat answers: `profile` (name, email) on the visitor, `attributes` too. */
    async submitPrechat({ profile, attributes }) {
      if (Object.keys(profile).length) {
        const me = await api("PATCH", `${API}/me`, profile);
        if (me.status !== 200) return failure(me);
        dispatch({ type: "visitor", visitor: me.data });
      }
      if (Object.keys(attributes).length) {
        const set = await api("PATCH", `${API}/me/attributes`, { attributes });
        if (set.status !== 204) return failure(set);
      }
      saved.prechat = true;
      save();
      dispatch({ type: "prechatDone" });
      dispatch({ type: "screen", screen: "chat" });
      return { ok: true };
    },
    async submitOffline(values) {
      const body = { email: values.email.trim(), body: values.body.trim() };
      if (values.name && values.name.trim()) body.name = values.name.trim();
      const left = await api("POST", `${API}/offline-messages`, body);
      if (left.status !== 201) return failure(left);
      dispatch({ type: "summary", summary: { ...left.data, unread: false, last_message: null } });
      dispatch({ type: "screen", screen: "sent", sentTo: body.email });
      return { ok: true };
    },
    async rate(conversationId, rating, comment) {
      const body = { rating };
      if (comment && comment.trim()) body.comment = comment.trim();
      const rated = await api("POST", `${API}/conversations/${conversationId}/rating`, body);
      if (rated.status !== 200) return failure(rated);
      dispatch({ type: "summary", summary: { id: conversationId, csat: rated.data } });
      if (state.conversation?.id === conversationId) {
        dispatch({ type: "conversation", conversation: { id: conversationId, csat: rated.data } });
      }
      return { ok: true };
    },
    /** The website tells who its user is: with `id` (and the server's `hash`), a verified
     * identity (a new visitor if it is someone else); without, the visitor's name and email. */
    async identify({ id, name, email, hash } = {}) {
      await ready();
      if (!id) {
        const me = await api("PATCH", `${API}/me`, { name, email });
        if (me.status === 200) dispatch({ type: "visitor", visitor: me.data });
        return { status: me.status };
      }
      const claim = { external_id: String(id), identity_hash: hash, name, email };
      const session = await startSession(claim);
      if (session.status === 200 && session.renewed) {
        const old = socket;
        socket = null;
        if (old) old.close(1000);
        attempt = 0;
        await loadConversation();
        connect();
      }
      return { status: session.status };
    },
    async setAttributes(attributes) {
      await ready();
      const set = await api("PATCH", `${API}/me/attributes`, { attributes });
      return { status: set.status };
    },
    /** Upload `file` to the conversation (starting it if needed), then send it. */
    async attach(file) {
      uploads += 1;
      const localId = `u${uploads}`;
      const upload = { localId, name: file.name, progress: 0, status: "uploading" };
      dispatch({ type: "upload", upload });
      await ready();
      const found = state.conversation ? { id: state.conversation.id } : await ensureConversation();
      const conversationId = found.id;
      const sent = conversationId ? await sendFile(conversationId, file, localId) : { status: found.status };
      if (sent.status !== 201) {
        dispatch({ type: "upload", upload: { ...upload, status: "failed", error: sent.data?.detail || "" } });
        return;
      }
      dispatch({ type: "upload", upload: { localId, done: true } });
      queue({ clientMessageId: newClientMessageId(), conversationId, body: "", attachmentIds: [sent.data.id], files: [sent.data.filename] });
    },
    dismissUpload(localId) {
      dispatch({ type: "upload", upload: { localId, done: true } });
    },
    /** A file's bytes (the download takes the visitor token, which an <a href> cannot send). */
    async download(url) {
      try {
        const response = await fetchImpl(new URL(url, apiBase).href, { headers: { Authorization: `Bearer ${saved.token}` } });
        return response.status === 200 ? await response.blob() : null;
      } catch {
        return null;
      }
    },
    send(body) {
      const conversationId = state.conversation ? state.conversation.id : null;
      return queue({ clientMessageId: newClientMessageId(), conversationId, body });
    },
    retry(clientMessageId) {
      const send = state.pending.find((p) => p.clientMessageId === clientMessageId);
      if (!send) return;
      dispatch({ type: "retry", clientMessageId });
      queue({ clientMessageId, conversationId: send.conversationId, body: send.body });
    },
    typing(isTyping) {
      if (!state.conversation) return;
      const now = Date.now();
      if (isTyping && now - lastTypingSent < TYPING_EVERY_MS) return;
      lastTypingSent = isTyping ? now : 0;
      transmit(typingFrame(state.conversation.id, isTyping));
    },
    read(seq) {
      if (!state.conversation || seq <= lastReadSent) return;
      if (transmit(readFrame(state.conversation.id, seq))) lastReadSent = seq;
    },
    dispatch,
    /** The help centre's answers to `query`: { articles, faqs } on success, null otherwise. */
    async searchHelp(query) {
      await ready();
      const found = await api("GET", `${API}/help/search?q=${encodeURIComponent(query)}`);
      return found.status === 200 ? found.data : null;
    },
    reconnectNow() {
      if (socket || stopped) return;
      timers.clearTimeout(reconnectTimer);
      attempt = 0;
      connect();
    },
    wentOffline() {
      dispatch({ type: "connection", status: "offline" });
    },
    async shutdown() {
      stopped = true;
      timers.clearTimeout(reconnectTimer);
      timers.clearInterval(watchdog);
      if (socket) socket.close(1000);
      socket = null;
      if (saved.token) await api("POST", `${API}/sessions/end`);
      saved = {};
      sync = createSync();
      try {
        storage.removeItem(storageKey(publicKey));
      } catch {
        // Nothing stored, or storage blocked.
      }
      dispatch({ type: "reset" });
    },
  };
}
