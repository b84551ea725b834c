// A bot answer streaming into the open conversation (docs/realtime.md, message.streaming):
// the bubble grows, its message replaces it whichever arrives first, a discarded one goes.

import assert from "node:assert/strict";
import { test } from "node:test";

import * as S from "../../../src/helpline/dashboard/static/state.js";

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
const answer = { id: "m2", seq: 2, conversation_id: "c1", sender_kind: "bot", body: "Reset it [1].", client_message_id: "bot:q1" };

function apply(frames, timeline = S.createTimeline("c1")) {
  return frames.reduce(S.applyToTimeline, timeline);
}

test("the bubble grows in place; another conversation's stream is not shown", () => {
  const timeline = apply([frame("Reset"), frame("Reset it"), { ...frame("Elsewhere"), conversation_id: "c9", stream_id: "bot:q9" }]);
  assert.deepEqual(timeline.streams, [{ id: "bot:q1", text: "Reset it" }]);
});

test("the message replaces the bubble, before or after the final frame", () => {
  const done = frame("Reset it [1].", { done: true, message_id: "m2" });
  const created = { type: "message.created", conversation_id: "c1", message: answer };
  const first = apply([frame("Reset"), done, created]);
  const second = apply([frame("Reset"), created, done]);
  for (const timeline of [first, second]) {
    assert.deepEqual(timeline.streams, []);
    assert.deepEqual(timeline.messages.map((m) => m.id), ["m2"]);
  }
});

test("a discarded stream goes, and a frame without a stream id changes nothing", () => {
  const timeline = apply([frame("You can"), frame("", { done: true, discarded: true })]);
  assert.deepEqual(timeline.streams, []);
  const same = apply([{ ...frame("x"), stream_id: undefined }], timeline);
  assert.equal(same, timeline);
});
