// The inbox's state: socket frames and REST answers applied to the list and to the open
// conversation, deduplication by id, order by seq, and what a resume claims to hold.

import assert from "node:assert/strict";
import { test } from "node:test";

import * as S from "../../../src/helpline/dashboard/static/state.js";

const ME = "m-me";
let clock = 0;
const at = () => new Date(Date.UTC(2026, 10, 22, 10, 0, clock++)).toISOString();

function conversation(id, changes = {}) {
  return {
    id,
    number: Number(id.replace(/\D/g, "")) || 1,
    status: "open",
    assignee_id: null,
    team_id: null,
    owner: "nobody",
    priority: "none",
    labels: [],
    merged_into_id: null,
    contact: { id: `k-${id}`, name: "Ada", email: null },
    last_activity_at: at(),
    updated_at: at(),
    ...changes,
  };
}

function message(conversationId, seq, changes = {}) {
  return { id: `${conversationId}-${seq}`, conversation_id: conversationId, seq, sender_kind: "contact", private: false, body: `m${seq}`, created_at: at(), attachments: [], ...changes };
}

test("a view's REST query", () => {
  assert.equal(S.listQuery({ kind: "mine", status: "open", q: "" }), "status=open&limit=50&assignee=me");
  assert.equal(S.listQuery({ kind: "team", teamId: "t1", status: "pending", q: "x y" }), "status=pending&limit=50&team_id=t1&q=x+y");
  assert.equal(S.listQuery({ kind: "unassigned", status: "open", q: "" }), "status=open&limit=50&assignee=unassigned");
});

test("conversations enter, move within and leave the view live", () => {
  let inbox = S.createInbox(ME, { kind: "unassigned", teamId: null, status: "open", q: "" });
  inbox = S.loadList(inbox, [conversation("c1")]);
  const c2 = conversation("c2");
  inbox = S.applyToInbox(inbox, { type: "conversation.created", conversation: c2, changes: [] });
  assert.deepEqual(S.orderedIds(inbox), ["c2", "c1"]);
  // Assigned to someone: no longer unassigned.
  inbox = S.applyToInbox(inbox, { type: "conversation.assigned", conversation: { ...c2, assignee_id: ME, updated_at: at() } });
  assert.deepEqual(S.orderedIds(inbox), ["c1"]);
  // An older snapshot than the one held changes nothing.
  const held = inbox.rows.c1;
  inbox = S.applyToInbox(inbox, { type: "conversation.updated", conversation: { ...held, priority: "high", updated_at: "2000-01-01T00:00:00Z" } });
  assert.equal(inbox.rows.c1.priority, "none");
  inbox = S.applyToInbox(inbox, { type: "conversation.removed", conversation_id: "c1" });
  assert.deepEqual(S.orderedIds(inbox), []);
});

test("a resolved conversation leaves the open tab; a search only updates what it found", () => {
  let inbox = S.loadList(S.createInbox(ME, { kind: "all", status: "open", q: "" }), [conversation("c1")]);
  inbox = S.applyToInbox(inbox, { type: "conversation.status_changed", conversation: { ...inbox.rows.c1, status: "resolved", updated_at: at() } });
  assert.deepEqual(S.orderedIds(inbox), []);
  let search = S.loadList(S.createInbox(ME, { kind: "all", status: "open", q: "parcel" }), [conversation("c1")]);
  search = S.applyToInbox(search, { type: "conversation.created", conversation: conversation("c9") });
  assert.deepEqual(S.orderedIds(search), ["c1"]);
});

test("messages set the preview, move the row up and count as unread unless open", () => {
  let inbox = S.loadList(S.createInbox(ME, { kind: "all", status: "open", q: "" }), [conversation("c1"), conversation("c2")]);
  assert.deepEqual(S.orderedIds(inbox), ["c2", "c1"]);
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c1", message: message("c1", 2) });
  assert.deepEqual(S.orderedIds(inbox), ["c1", "c2"]);
  assert.equal(inbox.previews.c1.body, "m2");
  assert.equal(inbox.unread.c1, 1);
  // The same message again (at least once delivery) counts once.
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c1", message: message("c1", 2) });
  assert.equal(inbox.unread.c1, 1);
  // My own reply does not count; system messages do not move the row.
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c1", message: message("c1", 3, { sender_kind: "agent", sender_member_id: ME }) });
  assert.equal(inbox.unread.c1, 1);
  inbox = S.openConversation(inbox, "c1");
  assert.equal(inbox.unread.c1, 0);
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c1", message: message("c1", 4) }, { visible: true });
  assert.equal(inbox.unread.c1, 0);
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c2", message: message("c2", 2) });
  inbox = S.applyToInbox(inbox, { type: "read", conversation_id: "c2", reader_kind: "member", member_id: ME, seq: 2 });
  assert.equal(inbox.unread.c2, 0);
  inbox = S.applyToInbox(inbox, { type: "inbox.counts", open: 4, unassigned: 1, mine: 2, pending: 0, snoozed: 1 });
  assert.deepEqual(inbox.counts, { open: 4, unassigned: 1, mine: 2, pending: 0, snoozed: 1 });
});

test("j and k move through the rows in their order", () => {
  const inbox = S.loadList(S.createInbox(ME, { kind: "all", status: "open", q: "" }), [conversation("c1"), conversation("c2"), conversation("c3")]);
  assert.equal(S.neighbour(inbox, null, 1), "c3");
  assert.equal(S.neighbour(inbox, "c3", 1), "c2");
  assert.equal(S.neighbour(inbox, "c1", 1), "c1");
  assert.equal(S.neighbour(inbox, "c3", -1), "c3");
});

test("the timeline deduplicates by id, orders by seq and answers pending sends", () => {
  let tl = S.createTimeline("c1");
  tl = S.addPending(tl, { client_message_id: "cm1", body: "hi", private: false, attachments: [] });
  tl = S.addMessages(tl, [message("c1", 3), message("c1", 1)]);
  tl = S.applyToTimeline(tl, { type: "message.created", conversation_id: "c1", message: message("c1", 2) });
  tl = S.applyToTimeline(tl, { type: "message.created", conversation_id: "c1", message: message("c1", 2) });
  tl = S.applyToTimeline(tl, { type: "message.created", conversation_id: "other", message: message("other", 9) });
  assert.deepEqual(tl.messages.map((m) => m.seq), [1, 2, 3]);
  assert.equal(tl.pending.length, 1);
  tl = S.setPendingStatus(tl, "cm1", "failed", "No answer");
  assert.equal(tl.pending[0].status, "failed");
  tl = S.applyToTimeline(tl, { type: "ack", ref: "s:cm1", message: message("c1", 4, { sender_kind: "agent", client_message_id: "cm1" }) });
  assert.deepEqual(tl.pending, []);
  assert.equal(S.lastSeq(tl), 4);
});

test("resume claims only what is held without a gap", () => {
  let tl = S.createTimeline("c1");
  assert.equal(S.resumeFrame(tl), null);
  tl = { ...S.addMessages(tl, [message("c1", 50), message("c1", 51), message("c1", 53)]), loaded: true };
  assert.equal(S.contiguousSeq(tl), 51);
  assert.deepEqual(S.resumeFrame(tl), { type: "resume", conversations: { c1: 51 } });
  tl = S.addMessages(tl, [message("c1", 52)]);
  assert.deepEqual(S.resumeFrame(tl).conversations, { c1: 53 });
});

test("the visitor's read position and typing", () => {
  let tl = S.addMessages(S.createTimeline("c1"), [message("c1", 1), message("c1", 2, { sender_kind: "agent" }), message("c1", 3, { sender_kind: "agent", private: true })]);
  assert.equal(S.seenByContact(tl), false);
  tl = S.applyToTimeline(tl, { type: "read", conversation_id: "c1", reader_kind: "contact", member_id: null, seq: 2 });
  assert.equal(S.seenByContact(tl), true, "a note the visitor cannot see does not count");
  tl = S.applyToTimeline(tl, { type: "read", conversation_id: "c1", reader_kind: "contact", seq: 1 });
  assert.equal(tl.contactReadSeq, 2, "read positions never move back");
  tl = S.applyToTimeline(tl, { type: "typing", conversation_id: "c1", sender_kind: "contact", is_typing: true });
  assert.equal(tl.contactTyping, true);
  tl = S.applyToTimeline(tl, { type: "message.created", conversation_id: "c1", message: message("c1", 4) });
  assert.equal(tl.contactTyping, false);
});

test("the conversation shown keeps the newest snapshot", () => {
  let tl = S.setConversation(S.createTimeline("c1"), conversation("c1"));
  const newer = { ...tl.conversation, status: "resolved", updated_at: at() };
  tl = S.applyToTimeline(tl, { type: "conversation.status_changed", conversation: newer });
  tl = S.applyToTimeline(tl, { type: "resumed", conversation_id: "c1", conversation: { ...newer, status: "open", updated_at: "2000-01-01T00:00:00Z" } });
  assert.equal(tl.conversation.status, "resolved");
});

test("completions: canned responses after /, mentions after @ in notes", () => {
  assert.deepEqual(S.completionAt("/gre", 4), { kind: "canned", query: "gre", start: 0 });
  assert.equal(S.completionAt("hi /gre", 7), null);
  assert.equal(S.completionAt("ask @gra", 8), null);
  assert.deepEqual(S.completionAt("ask @gra", 8, { note: true }), { kind: "mention", query: "gra", start: 4 });
  assert.equal(S.completionAt("mail a@b", 8, { note: true }), null);
  const picked = new Map([["m1", "Grace Hopper"], ["m2", "Ada"]]);
  assert.deepEqual(S.mentionedIds("@Grace Hopper please look", picked), ["m1"]);
});

test("client message ids are UUIDs, with or without randomUUID", () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(S.newClientId(), uuid);
  const insecure = { getRandomValues: (bytes) => globalThis.crypto.getRandomValues(bytes) };
  assert.match(S.newClientId(insecure), uuid);
});

test("URLs and routes are each other's inverse", () => {
  const route = S.routeOf("/app/conversations/abc", "?view=team&team=t1&status=pending&q=parcel");
  assert.deepEqual(route, { view: { kind: "team", teamId: "t1", status: "pending", q: "parcel" }, conversationId: "abc" });
  assert.equal(S.urlOf(route.view, route.conversationId), "/app/conversations/abc?view=team&team=t1&status=pending&q=parcel");
  assert.deepEqual(S.routeOf("/app", "?view=bogus&status=nope"), { view: { kind: "mine", teamId: null, status: "open", q: "" }, conversationId: null });
  assert.equal(S.urlOf({ kind: "mine", status: "open", q: "" }, null), "/app");
});

test("rows without a preview get one from their newest messages, without an unread mark", () => {
  let inbox = S.loadList(S.createInbox(ME, { kind: "all", status: "open", q: "" }), [conversation("c1"), conversation("c2", { last_message: message("c2", 4) })]);
  assert.deepEqual(S.missingPreviews(inbox), ["c1"]);
  inbox = S.setPreview(inbox, "c1", [message("c1", 1), message("c1", 2, { sender_kind: "system", event: "assigned" })]);
  assert.equal(inbox.previews.c1.seq, 1, "what someone said, rather than an event");
  assert.equal(inbox.unread.c1, 0);
  // A live message newer than the fetched preview wins, whichever arrives last.
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c1", message: message("c1", 3) });
  inbox = S.setPreview(inbox, "c1", [message("c1", 1)]);
  assert.equal(inbox.previews.c1.seq, 3);
  assert.deepEqual(S.missingPreviews(inbox), []);
});

test("a send shown again keeps its state", () => {
  const tl = S.addPending(S.createTimeline("c1"), { client_message_id: "x", status: "failed", error: "No answer" });
  assert.equal(tl.pending[0].status, "failed");
});

test("events do not replace what was last said in a row's preview", () => {
  let inbox = S.loadList(S.createInbox(ME, { kind: "all", status: "open", q: "" }), [conversation("c1")]);
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c1", message: message("c1", 1) });
  inbox = S.applyToInbox(inbox, { type: "message.created", conversation_id: "c1", message: message("c1", 2, { sender_kind: "system", event: "resolved" }) });
  assert.equal(inbox.previews.c1.seq, 1);
  assert.equal(inbox.unread.c1, 1);
});

test("an opened conversation says at once how far the visitor has read", () => {
  let tl = S.addMessages(S.createTimeline("c1"), [message("c1", 1), message("c1", 2, { sender_kind: "agent" })]);
  tl = S.setConversation(tl, conversation("c1", { contact_read_seq: 2 }));
  assert.equal(S.seenByContact(tl), true);
  // An older copy of the conversation (from the list) does not take it back.
  tl = S.setConversation(tl, conversation("c1", { contact_read_seq: 1, updated_at: "2000-01-01T00:00:00Z" }));
  assert.equal(tl.contactReadSeq, 2);
});
