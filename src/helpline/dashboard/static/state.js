// The inbox's state and how socket frames and REST answers change it: pure functions, no DOM,
// no network (tested with node --test). Every function returns a new state.

export const VIEWS = ["mine", "unassigned", "all"];
export const STATUSES = ["open", "pending", "snoozed", "resolved"];

// --- the conversation list ----------------------------------------------------------------

/** The list for `view` ({kind: "mine" | "unassigned" | "all" | "team", teamId, status, q}). */
export function createInbox(me, view = { kind: "mine", teamId: null, status: "open", q: "" }) {
  return { me, view, rows: {}, unread: {}, previews: {}, counts: null, current: null, loaded: false };
}

/** The REST query of a view: /api/v1/conversations?<this>. */
export function listQuery(view) {
  const params = new URLSearchParams({ status: view.status, limit: "50" });
  if (view.kind === "mine") params.set("assignee", "me");
  if (view.kind === "unassigned") params.set("assignee", "unassigned");
  if (view.kind === "team" && view.teamId) params.set("team_id", view.teamId);
  if (view.q) params.set("q", view.q);
  return params.toString();
}

/** Whether a conversation belongs in the view (a search is decided by the server only). */
export function matchesView(conversation, view, me) {
  if (conversation.status !== view.status) return false;
  if (conversation.merged_into_id && view.status !== "resolved") return false;
  if (view.kind === "mine") return conversation.assignee_id === me;
  if (view.kind === "unassigned") return conversation.assignee_id === null;
  if (view.kind === "team") return conversation.team_id === view.teamId;
  return true;
}

const newer = (held, incoming) =>
  !held || !held.updated_at || !incoming.updated_at || incoming.updated_at >= held.updated_at;

/** Conversation ids, most recent activity first. */
export function orderedIds(inbox) {
  return Object.values(inbox.rows)
    .sort((a, b) => (b.last_activity_at || "").localeCompare(a.last_activity_at || "") || b.number - a.number)
    .map((c) => c.id);
}

/** A fresh list from REST (the view's first page). Unread counts of rows kept are kept. */
export function loadList(inbox, items, view = inbox.view) {
  const rows = {};
  // Previews and unread marks of other views are kept: switching back shows them at once.
  const previews = { ...inbox.previews };
  const unread = { ...inbox.unread };
  for (const conversation of items) {
    rows[conversation.id] = conversation;
    if (conversation.last_message) previews[conversation.id] = conversation.last_message;
    unread[conversation.id] = unreadFrom(conversation, inbox.unread[conversation.id] || 0);
  }
  return { ...inbox, view, rows, previews, unread, loaded: true };
}

function unreadFrom(conversation, fallback) {
  // The server may tell how far I have read; otherwise what this page counted stays.
  if (typeof conversation.unread_count === "number") return conversation.unread_count;
  return fallback;
}

/** A conversation's new state (from a frame or a REST answer) applied to the list. */
export function upsertConversation(inbox, conversation) {
  const held = inbox.rows[conversation.id];
  if (!newer(held, conversation)) return inbox;
  const belongs = inbox.view.q ? Boolean(held) : matchesView(conversation, inbox.view, inbox.me);
  const rows = { ...inbox.rows };
  if (belongs) rows[conversation.id] = { ...held, ...conversation };
  else delete rows[conversation.id];
  return { ...inbox, rows };
}

export function removeConversation(inbox, conversationId) {
  if (!inbox.rows[conversationId]) return inbox;
  const rows = { ...inbox.rows };
  delete rows[conversationId];
  return { ...inbox, rows };
}

/** A new message: the row's preview and time, and an unread mark unless it is open. */
export function noteMessage(inbox, conversationId, message, { visible = false } = {}) {
  const held = inbox.rows[conversationId];
  const previews = { ...inbox.previews };
  const shown = previews[conversationId];
  // Events (assigned, resolved...) do not replace what was last said.
  const said = message.sender_kind !== "system" || !shown || shown.sender_kind === "system";
  if (said && (!shown || (shown.seq || 0) <= message.seq)) previews[conversationId] = message;
  let rows = inbox.rows;
  if (held && message.sender_kind !== "system" && message.created_at > (held.last_activity_at || "")) {
    rows = { ...rows, [conversationId]: { ...held, last_activity_at: message.created_at } };
  }
  const unread = { ...inbox.unread };
  const mine = message.sender_kind === "agent" && message.sender_member_id === inbox.me;
  const counts = message.sender_kind === "contact" || (message.sender_kind === "agent" && !mine) || message.sender_kind === "bot";
  const fresh = !shown || (shown.seq || 0) < message.seq;
  if (visible && inbox.current === conversationId) unread[conversationId] = 0;
  else if (counts && fresh) unread[conversationId] = (unread[conversationId] || 0) + 1;
  return { ...inbox, rows, previews, unread };
}

/** The rows that have no preview yet (the list's answer may not carry the last message). */
export function missingPreviews(inbox) {
  return orderedIds(inbox).filter((id) => !inbox.previews[id]);
}

/** The preview of a row from its newest messages (REST, ascending): the newest one said by
 * someone, else the newest event. Never counted as unread. */
export function setPreview(inbox, conversationId, messages) {
  const said = messages.filter((m) => m.sender_kind !== "system");
  const message = said.at(-1) || messages.at(-1);
  const shown = inbox.previews[conversationId];
  if (!message || (shown && (shown.seq || 0) >= message.seq)) return inbox;
  return { ...inbox, previews: { ...inbox.previews, [conversationId]: message } };
}

export function openConversation(inbox, conversationId) {
  return { ...inbox, current: conversationId, unread: { ...inbox.unread, [conversationId]: 0 } };
}

export function markRead(inbox, conversationId) {
  if (!inbox.unread[conversationId]) return inbox;
  return { ...inbox, unread: { ...inbox.unread, [conversationId]: 0 } };
}

/** The id of the row `step` rows away from the current one (j/k), or the first. */
export function neighbour(inbox, currentId, step) {
  const ids = orderedIds(inbox);
  if (!ids.length) return null;
  const at = ids.indexOf(currentId);
  if (at < 0) return ids[0];
  return ids[Math.min(ids.length - 1, Math.max(0, at + step))];
}

/** A socket frame applied to the list. */
export function applyToInbox(inbox, frame, { visible = false } = {}) {
  switch (frame.type) {
    case "inbox.counts": {
      const { type, ...counts } = frame;
      return { ...inbox, counts };
    }
    case "conversation.created":
    case "conversation.assigned":
    case "conversation.status_changed":
    case "conversation.updated":
    case "resumed":
      return frame.conversation ? upsertConversation(inbox, frame.conversation) : inbox;
    case "conversation.removed":
      return removeConversation(inbox, frame.conversation_id);
    case "message.created":
      return noteMessage(inbox, frame.conversation_id, frame.message, { visible });
    case "read":
      if (frame.reader_kind === "member" && frame.member_id === inbox.me) return markRead(inbox, frame.conversation_id);
      return inbox;
    default:
      return inbox;
  }
}

// --- the open conversation ------------------------------------------------------------------

export function createTimeline(conversationId) {
  return {
    conversationId,
    conversation: null,
    messages: [],
    pending: [],
    // Bot answers being written (message.streaming): {id, text}, until their message arrives.
    streams: [],
    hasOlder: false,
    contactReadSeq: 0,
    contactTyping: false,
    loaded: false,
  };
}

/** Messages merged in: deduplicated by id, ordered by seq; a pending send they answer goes. */
export function addMessages(timeline, messages) {
  const byId = new Map(timeline.messages.map((m) => [m.id, m]));
  let changed = false;
  for (const message of messages) {
    if (message.conversation_id && message.conversation_id !== timeline.conversationId) continue;
    if (!byId.has(message.id)) changed = true;
    byId.set(message.id, message);
  }
  if (!changed) return timeline;
  const sorted = [...byId.values()].sort((a, b) => a.seq - b.seq);
  const answered = new Set(sorted.map((m) => m.client_message_id).filter(Boolean));
  const pending = timeline.pending.filter((p) => !answered.has(p.client_message_id));
  // A bot answer's stream has the answer's client_message_id: its message replaces it.
  const streams = (timeline.streams || []).filter((s) => !answered.has(s.id));
  return { ...timeline, messages: sorted, pending, streams };
}

/** A message.streaming frame: the bubble of a bot answer grows, or goes (discarded, or its
 * message is already here). Ephemeral: never resumed, so a reconnect may drop it. */
export function applyStream(timeline, frame) {
  if (typeof frame.stream_id !== "string") return timeline;
  const streams = timeline.streams || [];
  const rest = streams.filter((s) => s.id !== frame.stream_id);
  const posted = timeline.messages.some((m) => m.id === frame.message_id || m.client_message_id === frame.stream_id);
  if (frame.discarded || posted) return rest.length === streams.length ? timeline : { ...timeline, streams: rest };
  const stream = { id: frame.stream_id, text: typeof frame.text === "string" ? frame.text : "" };
  const at = streams.findIndex((s) => s.id === stream.id);
  return { ...timeline, streams: at < 0 ? [...streams, stream] : streams.map((s, i) => (i === at ? stream : s)) };
}

export function lastSeq(timeline) {
  return timeline.messages.length ? timeline.messages.at(-1).seq : 0;
}

/** The seq of the newest message, unless seqs are missing before it (then the last one
 * without a gap): what `resume` may safely claim to hold. */
export function contiguousSeq(timeline) {
  let held = 0;
  for (const message of timeline.messages) {
    if (message.seq === held + 1 || held === 0) held = message.seq;
    else if (message.seq > held + 1) break;
  }
  return held;
}

export function setConversation(timeline, conversation) {
  if (!conversation || conversation.id !== timeline.conversationId) return timeline;
  // GET of one conversation says how far its contact has read; events do not carry it.
  const read = conversation.contact_read_seq;
  const contactReadSeq = Number.isInteger(read) ? Math.max(timeline.contactReadSeq, read) : timeline.contactReadSeq;
  if (!newer(timeline.conversation, conversation)) {
    return contactReadSeq === timeline.contactReadSeq ? timeline : { ...timeline, contactReadSeq };
  }
  return { ...timeline, contactReadSeq, conversation: { ...timeline.conversation, ...conversation } };
}

export function addPending(timeline, send) {
  return { ...timeline, pending: [...timeline.pending, { status: "sending", error: null, ...send }] };
}

export function setPendingStatus(timeline, clientMessageId, status, error = null) {
  const pending = timeline.pending.map((p) => (p.client_message_id === clientMessageId ? { ...p, status, error } : p));
  return { ...timeline, pending };
}

/** A socket frame applied to the open conversation. */
export function applyToTimeline(timeline, frame) {
  if (frame.conversation_id && frame.conversation_id !== timeline.conversationId) {
    return timeline;
  }
  switch (frame.type) {
    case "message.created": {
      const next = addMessages(timeline, [frame.message]);
      // The visitor's message ends their typing.
      return frame.message.sender_kind === "contact" ? { ...next, contactTyping: false } : next;
    }
    case "ack":
      return frame.message ? addMessages(timeline, [frame.message]) : timeline;
    case "conversation.created":
    case "conversation.assigned":
    case "conversation.status_changed":
    case "conversation.updated":
    case "resumed":
      return setConversation(timeline, frame.conversation);
    case "read":
      if (frame.reader_kind !== "contact") return timeline;
      return { ...timeline, contactReadSeq: Math.max(timeline.contactReadSeq, frame.seq) };
    case "typing":
      if (frame.sender_kind !== "contact") return timeline;
      return { ...timeline, contactTyping: Boolean(frame.is_typing) };
    case "message.streaming":
      return applyStream(timeline, frame);
    default:
      return timeline;
  }
}

/** Whether the visitor has read the newest public reply of the team ("Seen"). */
export function seenByContact(timeline) {
  const replies = timeline.messages.filter(
    (m) => !m.private && (m.sender_kind === "agent" || m.sender_kind === "bot"),
  );
  if (!replies.length) return false;
  return timeline.contactReadSeq >= replies.at(-1).seq;
}

/** The `resume` frame for what this tab holds (null when it holds nothing). */
export function resumeFrame(timeline) {
  if (!timeline || !timeline.loaded) return null;
  return { type: "resume", conversations: { [timeline.conversationId]: contiguousSeq(timeline) } };
}

// --- mentions -------------------------------------------------------------------------------

/** The ids of the members picked from the `@` menu whose "@Name" is still in the text. */
export function mentionedIds(text, picked) {
  const ids = [];
  for (const [id, name] of picked) {
    if (text.includes(`@${name}`) && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** What the composer is completing at the caret: {kind: "canned" | "mention", query, start}
 * or null. Canned responses start with "/" at the start of the text; mentions with "@" after
 * a space or at the start, in notes only. */
export function completionAt(text, caret, { note = false } = {}) {
  const before = text.slice(0, caret);
  const canned = /^\/([a-z0-9_-]*)$/i.exec(before);
  if (canned) return { kind: "canned", query: canned[1], start: 0 };
  if (note) {
    const mention = /(^|\s)@([^\s@]{0,40})$/.exec(before);
    if (mention) return { kind: "mention", query: mention[2], start: caret - mention[2].length - 1 };
  }
  return null;
}

/** A new client_message_id: a random UUID (v4), also where crypto.randomUUID is missing
 * (pages served over plain http to another host are not a "secure context"). */
export function newClientId(crypto = globalThis.crypto) {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The view and conversation of a dashboard URL: /app?view=team&team=<id>&status=open&q=x,
 * /app/conversations/<id>?... */
export function routeOf(pathname, search) {
  const params = new URLSearchParams(search);
  const kind = ["mine", "unassigned", "all", "team"].includes(params.get("view")) ? params.get("view") : "mine";
  const teamId = kind === "team" ? params.get("team") : null;
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "open";
  const match = /^\/app\/conversations\/([^/?#]+)$/.exec(pathname);
  return {
    view: { kind: kind === "team" && !teamId ? "mine" : kind, teamId, status, q: params.get("q") || "" },
    conversationId: match ? decodeURIComponent(match[1]) : null,
  };
}

/** The URL for a view and an open conversation (the inverse of routeOf). */
export function urlOf(view, conversationId) {
  const params = new URLSearchParams();
  if (view.kind !== "mine") params.set("view", view.kind);
  if (view.kind === "team" && view.teamId) params.set("team", view.teamId);
  if (view.status !== "open") params.set("status", view.status);
  if (view.q) params.set("q", view.q);
  const query = params.toString();
  const path = conversationId ? `/app/conversations/${encodeURIComponent(conversationId)}` : "/app";
  return query ? `${path}?${query}` : path;
}
