// Streamed bot answers in the widget (docs/realtime.md, message.streaming): the frame as the
// state keeps it, the bubble growing, and its message replacing it, in either order.

import assert from "node:assert/strict";
import { test } from "node:test";

import { parseStream } from "../../src/helpline/widget/static/protocol.js";
import { initialState, reduce, timeline } from "../../src/helpline/widget/static/state.js";

const conversation = { id: "c1", status: "open" };
const frame = (text, extra = {}) => ({
  type: "message.streaming",
  conversation_id: "c1",
  stream_id: "bot:q1",
  text,
  done: false,
  discarded: false,
  message_id: null,
  ...extra,
});
const answer = { id: "m2", seq: 2, conversation_id: "c1", sender_kind: "bot", body: "Reset it [1]." };
const stream = (f) => ({ type: "stream", stream: parseStream(f) });

function run(actions) {
  return actions.reduce(reduce, initialState());
}

function shown(state) {
  return timeline(state).map((item) => (item.kind === "stream" ? `stream:${item.stream.text}` : `${item.kind}:${item.message?.id ?? item.send.clientMessageId}`));
}

test("parseStream keeps what the state needs, and refuses a frame without ids", () => {
  assert.deepEqual(parseStream(frame("Reset")), { id: "bot:q1", conversationId: "c1", text: "Reset", messageId: null, gone: false });
  assert.deepEqual(parseStream(frame("", { done: true, discarded: true })).gone, true);
  assert.equal(parseStream(frame("Reset it [1].", { done: true, message_id: "m2" })).messageId, "m2");
  assert.equal(parseStream({ ...frame("x"), stream_id: 7 }), null);
  assert.equal(parseStream({ ...frame("x"), conversation_id: undefined }), null);
  assert.equal(parseStream({ ...frame("x"), text: { toString: "<b>" } }).text, "");
});

test("the bubble grows in place, after the messages and before the sends not acked", () => {
  const state = run([
    { type: "conversation", conversation },
    { type: "messages", messages: [{ id: "m1", seq: 1, conversation_id: "c1", sender_kind: "contact", body: "hi" }] },
    stream(frame("Reset")),
    { type: "pending", send: { clientMessageId: "u1", conversationId: "c1", body: "and?" } },
    stream(frame("Reset it")),
  ]);
  assert.deepEqual(shown(state), ["message:m1", "stream:Reset it", "pending:u1"]);
  assert.equal(state.unread, 0, "a bubble is not a message: nothing unread yet");
});

test("the final frame, then the message: the message replaces the bubble", () => {
  let state = run([{ type: "conversation", conversation }, stream(frame("Reset")), stream(frame("Reset it [1].", { done: true, message_id: "m2" }))]);
  assert.deepEqual(shown(state), ["stream:Reset it [1]."]);
  state = reduce(state, { type: "messages", messages: [answer] });
  assert.deepEqual(shown(state), ["message:m2"]);
});

test("the message, then the final frame: no bubble comes back", () => {
  const state = run([
    { type: "conversation", conversation },
    stream(frame("Reset")),
    { type: "messages", messages: [answer] },
    stream(frame("Reset it [1].", { done: true, message_id: "m2" })),
  ]);
  assert.deepEqual(shown(state), ["message:m2"]);
});

test("a discarded stream's bubble goes before the hand-off arrives", () => {
  const state = run([{ type: "conversation", conversation }, stream(frame("You can")), stream(frame("", { done: true, discarded: true }))]);
  assert.deepEqual(state.streams, []);
});

test("another conversation's stream, or one after leaving, shows nothing", () => {
  let state = run([{ type: "conversation", conversation }, stream({ ...frame("Other"), conversation_id: "c9" })]);
  assert.deepEqual(state.streams, []);
  state = reduce(state, stream(frame("Reset")));
  state = reduce(state, { type: "conversation", conversation: { id: "c2", status: "open" } });
  assert.deepEqual(state.streams, []);
  assert.deepEqual(run([stream(frame("No conversation open"))]).streams, []);
});

test("a reconnect drops the bubbles (streams are not resumed); later frames bring them back", () => {
  let state = run([{ type: "conversation", conversation }, stream(frame("Reset"))]);
  state = reduce(state, { type: "streamsCleared" });
  assert.deepEqual(state.streams, []);
  const same = reduce(state, { type: "streamsCleared" });
  assert.equal(same, state, "nothing to clear: the same state, nothing redrawn");
  state = reduce(state, stream(frame("Reset it")));
  assert.deepEqual(shown(state), ["stream:Reset it"]);
});
