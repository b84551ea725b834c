// The widget's state, changed only by `reduce(state, action)`: pure, so the UI is a function of
// it and every transition is unit-tested (tests/widget/state.test.mjs).

import { mergeMessages } from "./protocol.js";

export function initialState({ locale = "en", config = null } = {}) {
  return {
    open: false,
    connection: "idle", // idle | connecting | online | offline
    locale,
    config,
    conversation: null,
    messages: [],
    // Sends without an ack, in order: {clientMessageId, conversationId, body, status, error}.
    pending: [],
    // Bot answers being written (protocol.parseStream), until their message arrives.
    streams: [],
    agentTyping: false,
    unread: 0,
    // home | chat | prechat | offline | sent (the offline message went: "we will reply by email")
    screen: "chat",
    // The visitor's conversations for the home screen (the list route's summaries).
    conversations: [],
    visitor: null,
    prechatDone: false,
    // Files being uploaded: {localId, name, progress (0-1), status: "uploading" | "failed"}.
    uploads: [],
    sentTo: null,
  };
}

function fromVisitor(message) {
  return message.sender_kind === "contact";
}

function receive(state, incoming, { history = false } = {}) {
  const fresh = incoming.filter(
    (m) => m && (!state.conversation || m.conversation_id === state.conversation.id),
  );
  if (!fresh.length) return state;
  const known = new Set(state.messages.map((m) => m.id));
  const arrived = fresh.filter((m) => !known.has(m.id));
  const settled = new Set(fresh.map((m) => m.client_message_id).filter(Boolean));
  const fromOthers = arrived.filter((m) => !fromVisitor(m));
  // Nothing is unread while the window is open; history (seen before a reload) is not news.
  let unread = state.open ? 0 : state.unread;
  if (!state.open && !history) unread += fromOthers.length;
  const ids = new Set(fresh.map((m) => m.id));
  return {
    ...state,
    messages: mergeMessages(state.messages, fresh),
    pending: state.pending.filter((p) => !settled.has(p.clientMessageId)),
    // A streamed answer's message replaces its bubble.
    streams: state.streams.filter((s) => !ids.has(s.messageId)),
    unread,
    agentTyping: fromOthers.length ? false : state.agentTyping,
  };
}

/** The list with `summary` in it (replacing the one with its id), newest activity first. */
function upsertSummary(list, summary) {
  const old = list.find((c) => c.id === summary.id);
  const merged = { ...old, ...summary };
  return [merged, ...list.filter((c) => c.id !== summary.id)].sort((a, b) =>
    String(b.last_activity_at || "").localeCompare(String(a.last_activity_at || "")),
  );
}

/** `summary` from the server, unless a message that arrived meanwhile made ours newer (a
 * list fetched just before a message, answered just after it). */
function fresher(list, summary) {
  const held = list.find((c) => c.id === summary.id);
  const seq = (c) => (c && c.last_message ? c.last_message.seq : 0);
  return held && seq(held) > seq(summary) ? { ...summary, last_message: held.last_message, unread: held.unread } : summary;
}

/** A message arrived: its conversation's summary shows it, unread unless it is the
 * visitor's own or the visitor is reading that conversation right now. */
function noteInList(state, messages) {
  let list = state.conversations;
  for (const m of messages) {
    const old = list.find((c) => c.id === m.conversation_id);
    if (!old || (old.last_message && old.last_message.seq >= m.seq)) continue;
    const reading = state.open && state.screen === "chat" && state.conversation?.id === m.conversation_id;
    const unread = !fromVisitor(m) && !m.event && !reading;
    list = upsertSummary(list, { id: m.conversation_id, last_message: m, unread: unread || (old.unread && !reading), last_activity_at: m.created_at || old.last_activity_at });
  }
  return list;
}

/** A stream's frame: its bubble grows, or goes (discarded, or its message already here). */
function streamed(state, stream) {
  if (stream.conversationId !== state.conversation?.id) return state;
  const rest = state.streams.filter((s) => s.id !== stream.id);
  if (stream.gone || state.messages.some((m) => m.id === stream.messageId)) {
    return { ...state, streams: rest };
  }
  const at = state.streams.findIndex((s) => s.id === stream.id);
  const streams = at < 0 ? [...rest, stream] : state.streams.map((s, i) => (i === at ? stream : s));
  return { ...state, streams };
}

function setPending(state, clientMessageId, changes) {
  return {
    ...state,
    pending: state.pending.map((p) =>
      p.clientMessageId === clientMessageId ? { ...p, ...changes } : p,
    ),
  };
}

export function reduce(state, action) {
  switch (action.type) {
    case "config":
      return { ...state, config: action.config };
    case "locale":
      return { ...state, locale: action.locale };
    case "connection":
      return { ...state, connection: action.status };
    case "open":
      return { ...state, open: true, unread: 0 };
    case "close":
      return { ...state, open: false };
    case "toggle":
      return reduce(state, { type: state.open ? "close" : "open" });
    case "conversation": {
      const same = state.conversation && state.conversation.id === action.conversation.id;
      const next = same
        ? { ...state, conversation: { ...state.conversation, ...action.conversation } }
        : { ...state, conversation: action.conversation, messages: [], streams: [], agentTyping: false };
      const listed = state.conversations.some((c) => c.id === action.conversation.id);
      return listed ? { ...next, conversations: upsertSummary(state.conversations, action.conversation) } : next;
    }
    case "messages":
      return { ...receive(state, action.messages, { history: action.history }), conversations: noteInList(state, action.messages) };
    case "screen":
      return { ...state, screen: action.screen, sentTo: action.sentTo ?? state.sentTo };
    case "conversations":
      return { ...state, conversations: action.conversations.map((c) => fresher(state.conversations, c)) };
    case "summary":
      return { ...state, conversations: upsertSummary(state.conversations, action.summary) };
    case "visitor":
      return { ...state, visitor: action.visitor };
    case "prechatDone":
      return { ...state, prechatDone: true };
    case "newConversation":
      return { ...state, conversation: null, messages: [], streams: [], agentTyping: false, screen: action.screen };
    case "upload": {
      const rest = state.uploads.filter((u) => u.localId !== action.upload.localId);
      return { ...state, uploads: action.upload.done ? rest : [...rest, action.upload] };
    }
    case "pending":
      if (state.pending.some((p) => p.clientMessageId === action.send.clientMessageId)) {
        return state;
      }
      return {
        ...state,
        pending: [...state.pending, { ...action.send, status: "sending", error: null }],
      };
    case "acked":
      return receive(
        {
          ...state,
          pending: state.pending.filter((p) => p.clientMessageId !== action.clientMessageId),
        },
        [action.message],
      );
    case "failed":
      return setPending(state, action.clientMessageId, { status: "failed", error: action.error });
    case "retry":
      return setPending(state, action.clientMessageId, { status: "sending", error: null });
    case "typing":
      return { ...state, agentTyping: Boolean(action.isTyping) };
    case "stream":
      return streamed(state, action.stream);
    case "streamsCleared":
      // Streams are not resumed: after a reconnect, only frames still coming count.
      return state.streams.length ? { ...state, streams: [] } : state;
    case "reset":
      return initialState({ locale: state.locale, config: state.config });
    default:
      return state;
  }
}

/** What the conversation view shows, in order: the messages, the answers being written, then
 * the sends not acked. */
export function timeline(state) {
  return [
    ...state.messages.map((message) => ({ kind: "message", message })),
    ...state.streams.map((stream) => ({ kind: "stream", stream })),
    ...state.pending.map((send) => ({ kind: "pending", send })),
  ];
}

/** The highest seq of a message from someone else: what the visitor has read once open. */
export function latestIncomingSeq(state) {
  let seq = 0;
  for (const m of state.messages) if (!fromVisitor(m) && m.seq > seq) seq = m.seq;
  return seq;
}

/** Whether the team answers at `now` (ms): the server's answer, until the opening it
 * announced has come (a page left open overnight opens in the morning). */
export function isOpen(config, now = Date.now()) {
  const hours = config && config.hours;
  if (!hours || hours.open_now) return true;
  return Boolean(hours.next_open_at) && now >= Date.parse(hours.next_open_at);
}

/** Where "start a conversation" leads: the offline form outside business hours, the
 * pre-chat form until it is filled in, else a new conversation. */
export function startScreen(state, now = Date.now()) {
  if (!isOpen(state.config, now)) return "offline";
  const prechat = state.config && state.config.prechat;
  if (prechat && prechat.enabled && prechat.fields.length && !state.prechatDone) return "prechat";
  return "chat";
}
