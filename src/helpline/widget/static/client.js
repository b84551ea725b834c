// The widget's connection to Helpline: the visitor session (REST), the socket (/ws/widget), and
// the resume state kept in storage so a reload or a dropped network loses nothing. The browser
// APIs it uses (fetch, WebSocket, storage, timers) are passed in, so it can run under test.

import {
  addPending,
  createSync,
  encodeFrame,
  isRetryable,
  newClientMessageId,
  noteSeq,
  parseFrame,
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
import { initialState, reduce } from "./state.js";

const API = "/api/v1/widget";
const PAGE = 50;
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
  let state = initialState({ locale: options.locale });
  let saved = load();
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

  async function startSession() {
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
    const { status, data } = await api("POST", `${API}/sessions`, body);
    if (status !== 200) return { status, data };
    if (data.token !== saved.token) {
      // A new visitor: nothing of the previous one carries over.
      if (saved.token) dispatch({ type: "reset" });
      saved = { token: data.token };
      sync = createSync();
    }
    save();
    return { status, data };
  }

  async function loadConversation() {
    let conversation = null;
    if (saved.conversationId) {
      const found = await api("GET", `${API}/conversations/${saved.conversationId}`);
      if (found.status === 200) conversation = found.data;
    }
    if (!conversation) {
      const list = await api("GET", `${API}/conversations?limit=1`);
      conversation = list.status === 200 && list.data.items.length ? list.data.items[0] : null;
    }
    if (!conversation) return;
    adopt(conversation);
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
        dispatch({ type: "connection", status: "online" });
        const held = state.conversation ? { [state.conversation.id]: sync.lastSeq[state.conversation.id] || 0 } : {};
        if (Object.keys(held).length) transmit(resumeFrame(held));
        flush();
        break;
      }
      case "message.created":
        if (!state.conversation) adopt({ id: frame.conversation_id });
        if (frame.conversation_id === state.conversation.id) received([frame.message]);
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
        if (frame.conversation && state.conversation && frame.conversation.id === state.conversation.id) {
          dispatch({ type: "conversation", conversation: frame.conversation });
        }
        break;
      case "resync_required":
        catchUp(frame.conversation_id);
        break;
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

  async function ensureConversation() {
    if (state.conversation) return state.conversation.id;
    creating = creating || api("POST", `${API}/conversations`, {});
    const { status, data } = await creating;
    creating = null;
    if (status === 201) {
      if (!state.conversation) adopt(data);
      return state.conversation.id;
    }
    return null;
  }

  async function queue(send) {
    sync = addPending(sync, send);
    save();
    dispatch({ type: "pending", send });
    const conversationId = send.conversationId || (await ensureConversation());
    if (!conversationId) {
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

  return {
    get state() {
      return state;
    },
    async start() {
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
