import assert from "node:assert/strict";
import { test } from "node:test";

import { initialState, isOpen, latestIncomingSeq, reduce, startScreen, timeline } from "../../src/helpline/widget/static/state.js";

const conversation = { id: "c1", status: "open" };
const agent = (id, seq) => ({ id, seq, conversation_id: "c1", sender_kind: "agent", body: `a${seq}` });
const mine = (id, seq, cid) => ({
  id,
  seq,
  conversation_id: "c1",
  sender_kind: "contact",
  body: "hi",
  client_message_id: cid,
});

function run(actions, state = initialState()) {
  return actions.reduce(reduce, state);
}

test("open, close and toggle; opening clears the unread count", () => {
  let state = run([{ type: "conversation", conversation }, { type: "messages", messages: [agent("m1", 1)] }]);
  assert.equal(state.unread, 1);
  state = reduce(state, { type: "toggle" });
  assert.equal(state.open, true);
  assert.equal(state.unread, 0);
  state = reduce(state, { type: "messages", messages: [agent("m2", 2)] });
  assert.equal(state.unread, 0, "nothing is unread while open");
  assert.equal(reduce(state, { type: "toggle" }).open, false);
});

test("a message received twice, or out of order, shows once and in seq order", () => {
  const state = run([
    { type: "conversation", conversation },
    { type: "messages", messages: [agent("m3", 3)] },
    { type: "messages", messages: [agent("m1", 1), agent("m3", 3)] },
  ]);
  assert.deepEqual(state.messages.map((m) => m.id), ["m1", "m3"]);
  assert.equal(state.unread, 2);
});

test("messages of another conversation are ignored", () => {
  const state = run([
    { type: "conversation", conversation },
    { type: "messages", messages: [{ ...agent("x", 1), conversation_id: "other" }] },
  ]);
  assert.deepEqual(state.messages, []);
});

test("a send is pending until acked, then shows once", () => {
  let state = run([
    { type: "conversation", conversation },
    { type: "pending", send: { clientMessageId: "u1", conversationId: "c1", body: "hi" } },
    { type: "pending", send: { clientMessageId: "u1", conversationId: "c1", body: "hi" } },
  ]);
  assert.deepEqual(timeline(state).map((i) => i.kind), ["pending"]);
  assert.equal(state.pending[0].status, "sending");
  state = reduce(state, { type: "acked", clientMessageId: "u1", message: mine("m1", 1, "u1") });
  // The same message may also arrive live: still once.
  state = reduce(state, { type: "messages", messages: [mine("m1", 1, "u1")] });
  assert.deepEqual(timeline(state).map((i) => i.kind), ["message"]);
  assert.equal(state.unread, 0, "your own messages are never unread");
});

test("the live copy of a message settles its pending send too", () => {
  const state = run([
    { type: "conversation", conversation },
    { type: "pending", send: { clientMessageId: "u1", conversationId: "c1", body: "hi" } },
    { type: "messages", messages: [mine("m1", 1, "u1")] },
  ]);
  assert.deepEqual(state.pending, []);
});

test("a refused send is failed until retried", () => {
  let state = run([
    { type: "pending", send: { clientMessageId: "u1", conversationId: null, body: "hi" } },
    { type: "failed", clientMessageId: "u1", error: "Too many messages." },
  ]);
  assert.equal(state.pending[0].status, "failed");
  assert.equal(state.pending[0].error, "Too many messages.");
  state = reduce(state, { type: "retry", clientMessageId: "u1" });
  assert.equal(state.pending[0].status, "sending");
});

test("typing shows until the agent's message arrives", () => {
  let state = run([{ type: "conversation", conversation }, { type: "typing", isTyping: true }]);
  assert.equal(state.agentTyping, true);
  state = reduce(state, { type: "messages", messages: [agent("m1", 1)] });
  assert.equal(state.agentTyping, false);
});

test("conversation updates merge; another conversation starts afresh", () => {
  let state = run([
    { type: "conversation", conversation },
    { type: "messages", messages: [agent("m1", 1)] },
    { type: "conversation", conversation: { id: "c1", status: "resolved" } },
  ]);
  assert.equal(state.conversation.status, "resolved");
  assert.equal(state.messages.length, 1);
  state = reduce(state, { type: "conversation", conversation: { id: "c2", status: "open" } });
  assert.deepEqual(state.messages, []);
});

test("reset forgets the visitor but keeps the look and language", () => {
  const config = { name: "Acme", color: "#2563eb" };
  const state = run(
    [
      { type: "conversation", conversation },
      { type: "messages", messages: [agent("m1", 1)] },
      { type: "open" },
      { type: "reset" },
    ],
    initialState({ locale: "ar", config }),
  );
  assert.deepEqual(state, initialState({ locale: "ar", config }));
});

test("the read position is the newest message from someone else", () => {
  const state = run([
    { type: "conversation", conversation },
    { type: "messages", messages: [agent("m1", 1), mine("m2", 2, "u"), agent("m3", 5)] },
  ]);
  assert.equal(latestIncomingSeq(state), 5);
  assert.equal(reduce(state, { type: "nonsense" }), state);
});

test("history loaded after a reload is not unread", () => {
  const state = run([
    { type: "conversation", conversation },
    { type: "messages", messages: [agent("m1", 1), agent("m2", 2)], history: true },
  ]);
  assert.equal(state.messages.length, 2);
  assert.equal(state.unread, 0);
  assert.equal(reduce(state, { type: "messages", messages: [agent("m3", 3)] }).unread, 1);
});

test("the home list: a message marks its conversation unread; a stale list does not undo it", () => {
  const summary = { id: "c1", status: "open", last_message: agent("m1", 1), unread: false, last_activity_at: "2026-01-01T00:00:00Z" };
  let state = run([{ type: "conversations", conversations: [summary] }, { type: "screen", screen: "home" }]);
  state = reduce(state, { type: "messages", messages: [agent("m2", 2)] });
  assert.equal(state.conversations[0].unread, true);
  assert.equal(state.conversations[0].last_message.id, "m2");
  state = reduce(state, { type: "conversations", conversations: [summary] });
  assert.equal(state.conversations[0].last_message.id, "m2", "a list fetched before m2 keeps m2");
  assert.equal(state.conversations[0].unread, true);
});

test("where starting a conversation leads: offline, then the pre-chat form, then the chat", () => {
  const prechat = { enabled: true, fields: [{ key: "email", label: "Email", kind: "email", required: true }] };
  const closed = { open_now: false, next_open_at: "2026-11-23T08:00:00Z" };
  const now = Date.parse("2026-11-22T20:00:00Z");
  assert.equal(startScreen(initialState({ config: { prechat, hours: closed } }), now), "offline");
  assert.equal(isOpen({ hours: closed }, Date.parse("2026-11-23T08:00:00Z")), true, "opens on time");
  assert.equal(isOpen({ hours: { open_now: false, next_open_at: null } }, now), false);
  const open = { open_now: true, next_open_at: null };
  assert.equal(startScreen(initialState({ config: { prechat, hours: open } }), now), "prechat");
  const filled = reduce(initialState({ config: { prechat, hours: open } }), { type: "prechatDone" });
  assert.equal(startScreen(filled, now), "chat");
  assert.equal(startScreen(initialState(), now), "chat", "no config yet: chat");
});
