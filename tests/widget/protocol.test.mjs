import assert from "node:assert/strict";
import { test } from "node:test";

import {
  addPending,
  BACKOFF_MAX_MS,
  backoffDelay,
  createSync,
  isRetryable,
  mergeMessages,
  newClientMessageId,
  noteSeq,
  parseFrame,
  pendingSends,
  reconnectPlan,
  resumeFrame,
  sendFrame,
  settlePending,
  socketUrl,
  subprotocols,
  typingFrame,
} from "../../src/helpline/widget/static/protocol.js";

const msg = (id, seq, extra = {}) => ({ id, seq, conversation_id: "c1", ...extra });

test("the token travels as a subprotocol, beside helpline.v1", () => {
  assert.deepEqual(subprotocols("hlv_abc"), ["helpline.v1", "bearer.hlv_abc"]);
});

test("the socket URL follows the API's scheme", () => {
  assert.equal(socketUrl("https://help.example"), "wss://help.example/ws/widget");
  assert.equal(socketUrl("http://127.0.0.1:8000/"), "ws://127.0.0.1:8000/ws/widget");
});

test("parseFrame accepts JSON objects with a type and nothing else", () => {
  assert.deepEqual(parseFrame('{"type":"pong","ref":"p"}'), { type: "pong", ref: "p" });
  for (const bad of ["", "nope", "[]", "null", "42", '{"ref":"x"}', '{"type":3}', null, {}]) {
    assert.equal(parseFrame(bad), null, String(bad));
  }
});

test("send frames carry the client message id, also as the ref", () => {
  const frame = sendFrame({ conversationId: "c1", body: "Hi", clientMessageId: "u-1" });
  assert.deepEqual(frame, {
    type: "send",
    ref: "u-1",
    conversation_id: "c1",
    body: "Hi",
    client_message_id: "u-1",
  });
  const withFiles = sendFrame({ conversationId: "c1", body: "", clientMessageId: "u", attachmentIds: ["a"] });
  assert.deepEqual(withFiles.attachment_ids, ["a"]);
  assert.deepEqual(typingFrame("c1", 1), { type: "typing", conversation_id: "c1", is_typing: true });
});

test("resume names at most 200 conversations", () => {
  const many = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`c${i}`, i]));
  const frame = resumeFrame(many);
  assert.equal(frame.type, "resume");
  assert.equal(Object.keys(frame.conversations).length, 200);
  assert.deepEqual(resumeFrame({ c1: 4 }).conversations, { c1: 4 });
});

test("backoff doubles from 0.5 s up to 30 s, jittered within the upper half", () => {
  assert.equal(backoffDelay(0, () => 0), 250);
  assert.equal(backoffDelay(0, () => 1), 500);
  assert.equal(backoffDelay(1, () => 1), 1000);
  assert.equal(backoffDelay(2, () => 1), 2000);
  assert.equal(backoffDelay(20, () => 1), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(20, () => 0), BACKOFF_MAX_MS / 2);
  for (let attempt = 0; attempt < 12; attempt += 1) {
    const delay = backoffDelay(attempt);
    assert.ok(delay > 0 && delay <= BACKOFF_MAX_MS, `${attempt}: ${delay}`);
  }
});

test("close codes decide how to come back", () => {
  const half = () => 0.5;
  assert.deepEqual(reconnectPlan(4001, 0, half), { reconnect: true, renew: true, delayMs: 375 });
  assert.deepEqual(reconnectPlan(4002, 5, half), { reconnect: true, renew: false, delayMs: 0 });
  assert.equal(reconnectPlan(4003, 0, half).reconnect, false);
  const restart = reconnectPlan(1012, 9, half);
  assert.equal(restart.delayMs, 1000); // 0 to 2 s whatever the attempt: a restart is brief
  assert.equal(reconnectPlan(4000, 3, () => 1).delayMs, 4000);
  assert.equal(reconnectPlan(1006, 0, () => 1).delayMs, 500);
});

test("only transient failures are retried", () => {
  for (const status of [0, 429, 500, 503]) assert.ok(isRetryable(status), String(status));
  for (const status of [400, 401, 403, 404, 409, 422]) assert.ok(!isRetryable(status), String(status));
});

test("the resume state keeps the highest seq per conversation", () => {
  let sync = createSync();
  sync = noteSeq(sync, "c1", 4);
  sync = noteSeq(sync, "c1", 2);
  sync = noteSeq(sync, "c2", 1);
  sync = noteSeq(sync, "c1", "7");
  assert.deepEqual(sync.lastSeq, { c1: 4, c2: 1 });
});

test("pending sends are keyed by client id, kept in order, settled once", () => {
  let sync = createSync();
  sync = addPending(sync, { clientMessageId: "a", conversationId: "c1", body: "one" });
  sync = addPending(sync, { clientMessageId: "b", conversationId: "c1", body: "two" });
  const again = addPending(sync, { clientMessageId: "a", conversationId: "c1", body: "changed" });
  assert.equal(again, sync, "adding the same id twice changes nothing");
  assert.deepEqual(pendingSends(sync).map((s) => s.body), ["one", "two"]);
  sync = settlePending(sync, "a");
  assert.deepEqual(pendingSends(sync).map((s) => s.clientMessageId), ["b"]);
  assert.equal(settlePending(sync, "a"), sync);
  // Plain data: it survives storage.
  assert.deepEqual(JSON.parse(JSON.stringify(sync)), sync);
});

test("messages are deduplicated by id and ordered by seq", () => {
  const held = [msg("m1", 1), msg("m3", 3)];
  const merged = mergeMessages(held, [msg("m4", 4), msg("m2", 2), msg("m3", 3, { body: "new" })]);
  assert.deepEqual(merged.map((m) => m.seq), [1, 2, 3, 4]);
  assert.equal(merged[2].body, "new");
  assert.deepEqual(mergeMessages(held, [null, { id: "x" }, { seq: 9 }]).length, 2);
});

test("client message ids are random UUIDs", () => {
  const ids = new Set(Array.from({ length: 100 }, () => newClientMessageId()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f-]{36}$/);
});
