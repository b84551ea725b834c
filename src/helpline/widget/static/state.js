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
    agentTyping: false,
    unread: 0,
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
  return {
    ...state,
    messages: mergeMessages(state.messages, fresh),
    pending: state.pending.filter((p) => !settled.has(p.clientMessageId)),
    unread,
    agentTyping: fromOthers.length ? false : state.agentTyping,
  };
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
      return same
        ? { ...state, conversation: { ...state.conversation, ...action.conversation } }
        : { ...state, conversation: action.conversation, messages: [], agentTyping: false };
    }
    case "messages":
      return receive(state, action.messages, { history: action.history });
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
    case "reset":
      return initialState({ locale: state.locale, config: state.config });
    default:
      return state;
  }
}

/** What the conversation view shows, in order: the messages, then the sends not acked. */
export function timeline(state) {
  return [
    ...state.messages.map((message) => ({ kind: "message", message })),
    ...state.pending.map((send) => ({ kind: "pending", send })),
  ];
}

/** The highest seq of a message from someone else: what the visitor has read once open. */
export function latestIncomingSeq(state) {
  let seq = 0;
  for (const m of state.messages) if (!fromVisitor(m) && m.seq > seq) seq = m.seq;
  return seq;
}
