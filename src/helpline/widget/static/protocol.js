// The /ws/widget protocol (docs/realtime.md), as pure functions: frames in and out, when to
// reconnect, and what to resume. No DOM, no socket, no clock: callers pass those in, so every
// rule here is unit-tested (tests/widget/protocol.test.mjs).

export const PROTOCOL = "helpline.v1";
export const MAX_RESUME_CONVERSATIONS = 200;
const MAX_REF = 64;

/** The subprotocols that carry the visitor token: browsers cannot set headers on a socket. */
export function subprotocols(token) {
  return [PROTOCOL, `bearer.${token}`];
}

/** The socket URL beside an http(s) API base: https://h/ -> wss://h/ws/widget. */
export function socketUrl(apiBase) {
  const url = new URL("/ws/widget", apiBase);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

export function encodeFrame(frame) {
  return JSON.stringify(frame);
}

/** A server frame, or null for anything that is not a JSON object with a string `type`. */
export function parseFrame(text) {
  if (typeof text !== "string") return null;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return typeof value.type === "string" ? value : null;
}

export function sendFrame({ conversationId, body, clientMessageId, attachmentIds }) {
  const frame = {
    type: "send",
    ref: clientMessageId.slice(0, MAX_REF),
    conversation_id: conversationId,
    body,
    client_message_id: clientMessageId,
  };
  if (attachmentIds && attachmentIds.length) frame.attachment_ids = [...attachmentIds];
  return frame;
}

export function resumeFrame(lastSeqs, ref = "resume") {
  const conversations = {};
  for (const [id, seq] of Object.entries(lastSeqs).slice(0, MAX_RESUME_CONVERSATIONS)) {
    conversations[id] = seq;
  }
  return { type: "resume", ref, conversations };
}

export function typingFrame(conversationId, isTyping) {
  return { type: "typing", conversation_id: conversationId, is_typing: Boolean(isTyping) };
}

export function readFrame(conversationId, seq) {
  return { type: "read", conversation_id: conversationId, seq };
}

export function pingFrame(ref = "ping") {
  return { type: "ping", ref };
}

// --- reconnecting --------------------------------------------------------------------

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30000;
const RESTART_SPREAD_MS = 2000;

/** The attempt-th delay (0-based): 0.5 s, 1 s, 2 s ... capped at 30 s, each drawn from the
 * upper half of its step ("equal jitter"), so clients cut off together do not return together
 * and none retries sooner than half the schedule. */
export function backoffDelay(attempt, random = Math.random) {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}

/** What to do after the socket closed with `code`: reconnect (after `delayMs`), start a new
 * visitor session first (`renew`: the token is no longer valid), or stop (a client bug). */
export function reconnectPlan(code, attempt, random = Math.random) {
  switch (code) {
    case 4001:
      return { reconnect: true, renew: true, delayMs: backoffDelay(attempt, random) };
    case 4002:
      return { reconnect: true, renew: false, delayMs: 0 };
    case 4003:
      return { reconnect: false, renew: false, delayMs: 0 };
    case 1012:
      return { reconnect: true, renew: false, delayMs: Math.round(random() * RESTART_SPREAD_MS) };
    default:
      return { reconnect: true, renew: false, delayMs: backoffDelay(attempt, random) };
  }
}

/** Whether an `error` frame (or REST status) is worth retrying with the same client id. */
export function isRetryable(status) {
  return status === 429 || status === 503 || status === 0 || status >= 500;
}

// --- what to resume ------------------------------------------------------------------

/** The resume state: the highest seq held per conversation, and the sends not acked yet
 * keyed by client_message_id (kept in send order). Plain data, so it can be stored. */
export function createSync() {
  return { lastSeq: {}, pending: {} };
}

export function noteSeq(sync, conversationId, seq) {
  const held = sync.lastSeq[conversationId] ?? 0;
  if (!(Number.isInteger(seq) && seq > held)) return sync;
  return { ...sync, lastSeq: { ...sync.lastSeq, [conversationId]: seq } };
}

export function addPending(sync, send) {
  if (sync.pending[send.clientMessageId]) return sync;
  const order = Object.keys(sync.pending).length;
  return {
    ...sync,
    pending: { ...sync.pending, [send.clientMessageId]: { order, ...send } },
  };
}

export function settlePending(sync, clientMessageId) {
  if (!sync.pending[clientMessageId]) return sync;
  const pending = { ...sync.pending };
  delete pending[clientMessageId];
  return { ...sync, pending };
}

/** The sends to (re)send, oldest first: after a reconnect, each goes again with its own id. */
export function pendingSends(sync) {
  return Object.values(sync.pending).sort((a, b) => a.order - b.order);
}

// --- the message list ----------------------------------------------------------------

/** `messages` plus `incoming`, each message once (by id; a later copy replaces an earlier
 * one), in seq order: delivery is at least once and may arrive out of order. */
export function mergeMessages(messages, incoming) {
  const byId = new Map();
  for (const message of messages) byId.set(message.id, message);
  for (const message of incoming) {
    if (message && typeof message.id === "string" && Number.isInteger(message.seq)) {
      byId.set(message.id, message);
    }
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

// --- streamed bot answers ------------------------------------------------------------

/** A `message.streaming` frame as the state keeps it, or null when malformed: `{id,
 * conversationId, text, messageId}`, with `gone` when the bubble must go (discarded). The text
 * is shown with textContent only: it never becomes a link or markup, even mid-stream. */
export function parseStream(frame) {
  if (!frame || typeof frame.stream_id !== "string" || typeof frame.conversation_id !== "string") return null;
  return {
    id: frame.stream_id,
    conversationId: frame.conversation_id,
    text: typeof frame.text === "string" ? frame.text : "",
    messageId: typeof frame.message_id === "string" ? frame.message_id : null,
    gone: Boolean(frame.discarded),
  };
}

/** A new client_message_id: a random UUID (v4). */
export function newClientMessageId(cryptoImpl = globalThis.crypto) {
  return cryptoImpl.randomUUID();
}
