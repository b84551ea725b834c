// The socket and the API client against fakes: backoff with jitter, what each close code
// asks for, the token as a subprotocol, dead connections, and tokens fetched only when needed.

import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, SessionEnded, createApi } from "../../../src/helpline/dashboard/static/api.js";
import { afterClose, backoffDelay, typingThrottle } from "../../../src/helpline/dashboard/static/backoff.js";
import { createSocket, socketUrl } from "../../../src/helpline/dashboard/static/socket.js";

test("backoff doubles from 0.5 s to 30 s, with jitter in its upper half", () => {
  const low = (attempt) => backoffDelay(attempt, () => 0);
  const high = (attempt) => backoffDelay(attempt, () => 1);
  assert.deepEqual([0, 1, 2, 3].map(high), [500, 1000, 2000, 4000]);
  assert.deepEqual([0, 1, 2, 3].map(low), [250, 500, 1000, 2000]);
  assert.equal(high(20), 30_000);
  assert.equal(low(20), 15_000);
});

test("each close code gets its own answer", () => {
  assert.deepEqual(afterClose(4001, 0), { action: "login" });
  assert.deepEqual(afterClose(4003, 0), { action: "stop" });
  assert.deepEqual(afterClose(4002, 5), { action: "reconnect", delay: 0 });
  const restart = afterClose(1012, 0, () => 0.99).delay;
  assert.ok(restart >= 0 && restart <= 2000);
  assert.ok(afterClose(4000, 0, () => 1).delay <= 500);
  assert.equal(afterClose(1006, 3, () => 1).delay, 4000);
});

test("typing signals at most every few seconds, and one stop", () => {
  let now = 0;
  const throttle = typingThrottle(3000, () => now);
  assert.equal(throttle.start(), true);
  now = 1000;
  assert.equal(throttle.start(), false);
  now = 3500;
  assert.equal(throttle.start(), true);
  assert.equal(throttle.stop(), true);
  assert.equal(throttle.stop(), false);
  assert.equal(throttle.start(), true);
});

class FakeTimers {
  constructor() {
    this.pending = [];
  }
  setTimeout(fn, ms) {
    const timer = { fn, ms };
    this.pending.push(timer);
    return timer;
  }
  clearTimeout(timer) {
    this.pending = this.pending.filter((t) => t !== timer);
  }
  async fire(ms) {
    const due = this.pending.filter((t) => t.ms === ms);
    this.pending = this.pending.filter((t) => t.ms !== ms);
    for (const timer of due) await timer.fn();
  }
}

function fakeSockets() {
  const made = [];
  class FakeWebSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 1;
      this.sent = [];
      made.push(this);
    }
    send(text) {
      this.sent.push(JSON.parse(text));
    }
    close(code) {
      this.readyState = 3;
      this.onclose({ code });
    }
    receive(frame) {
      this.onmessage({ data: JSON.stringify(frame) });
    }
  }
  return { made, FakeWebSocket };
}

test("the socket connects with the token, reconnects with a fresh one, and resumes on ready", async () => {
  const { made, FakeWebSocket } = fakeSockets();
  const timers = new FakeTimers();
  const tokens = [];
  const frames = [];
  const statuses = [];
  let readies = 0;
  const socket = createSocket({
    url: "ws://help.example/ws/agent",
    token: async (fresh) => {
      tokens.push(fresh);
      return `t${tokens.length}`;
    },
    onFrame: (f) => frames.push(f.type),
    onReady: () => readies++,
    onStatus: (s) => statuses.push(s),
    WebSocketImpl: FakeWebSocket,
    timers,
    random: () => 1,
  });
  await socket.start();
  assert.deepEqual(made[0].protocols, ["helpline.v1", "bearer.t1"]);
  made[0].receive({ type: "ready", heartbeat_interval_s: 25 });
  made[0].receive({ type: "inbox.counts", open: 1 });
  assert.equal(readies, 1);
  assert.deepEqual(frames, ["inbox.counts"]);
  assert.equal(socket.send({ type: "ping" }), true);

  made[0].close(1006);
  assert.equal(socket.send({ type: "ping" }), false);
  assert.equal(statuses.at(-1), "reconnecting");
  await timers.fire(500);
  assert.deepEqual(made[1].protocols, ["helpline.v1", "bearer.t2"]);
  assert.deepEqual(tokens, [false, true]);
  made[1].receive({ type: "ready", heartbeat_interval_s: 25 });
  assert.equal(readies, 2);
  assert.equal(statuses.at(-1), "online");

  // Silence for twice the heartbeat: the connection is dead, and a new one is made.
  await timers.fire(50_000);
  assert.equal(made[1].readyState, 3);
  await timers.fire(500);
  assert.equal(made.length, 3);
  socket.stop();
});

test("a session that ended (4001) sends the page to the login, and stops reconnecting", async () => {
  const { made, FakeWebSocket } = fakeSockets();
  const timers = new FakeTimers();
  let ended = 0;
  const socket = createSocket({ url: "ws://x/ws/agent", token: async () => "t", onFrame: () => {}, onSessionEnded: () => ended++, WebSocketImpl: FakeWebSocket, timers });
  await socket.start();
  made[0].close(4001);
  assert.equal(ended, 1);
  assert.deepEqual(timers.pending, []);
  const refused = createSocket({ url: "ws://x/ws/agent", token: async () => { throw new SessionEnded(); }, onFrame: () => {}, onSessionEnded: () => ended++, WebSocketImpl: FakeWebSocket, timers });
  await refused.start();
  assert.equal(ended, 2);
});

test("the socket's URL follows the page's scheme and host", () => {
  assert.equal(socketUrl({ protocol: "https:", host: "help.example" }), "wss://help.example/ws/agent");
  assert.equal(socketUrl({ protocol: "http:", host: "127.0.0.1:8000" }), "ws://127.0.0.1:8000/ws/agent");
});

function fakeFetch(routes) {
  const calls = [];
  const fetchImpl = async (path, init = {}) => {
    calls.push([init.method || "GET", path, init.headers?.Authorization || init.headers?.["X-CSRF-Token"]]);
    const [status, body] = routes(path, init, calls);
    return { status, ok: status >= 200 && status < 300, json: async () => body };
  };
  return { calls, fetchImpl };
}

test("the API fetches a token only when a call needs one, again before it expires and after a 401", async () => {
  let now = Date.parse("2026-11-22T10:00:00Z");
  let issued = 0;
  let refuseNext = false;
  const { calls, fetchImpl } = fakeFetch((path) => {
    if (path === "/app/token") {
      issued += 1;
      return [200, { access_token: `tok${issued}`, expires_at: new Date(now + 15 * 60_000).toISOString() }];
    }
    if (refuseNext) {
      refuseNext = false;
      return [401, { error: "NotAuthenticated", detail: "Expired." }];
    }
    return [200, { ok: true }];
  });
  const api = createApi({ csrf: "csrf1", fetchImpl, now: () => now });
  assert.equal(calls.length, 0, "nothing is fetched before it is needed");
  await Promise.all([api.get("/api/v1/me"), api.get("/api/v1/members")]);
  assert.deepEqual(calls.filter(([, p]) => p === "/app/token").map(([, , h]) => h), ["csrf1"]);
  assert.equal(calls.at(-1)[2], "Bearer tok1");
  now += 14.5 * 60_000; // within the last minute: a new token first
  await api.get("/api/v1/me");
  assert.equal(calls.at(-1)[2], "Bearer tok2");
  refuseNext = true;
  await api.get("/api/v1/me");
  assert.equal(calls.at(-1)[2], "Bearer tok3");
  assert.equal(issued, 3);
});

test("API errors carry the server's code and sentence; an ended session is its own error", async () => {
  const { fetchImpl } = fakeFetch((path) => (path === "/app/token" ? [200, { access_token: "t", expires_at: "2999-01-01T00:00:00Z" }] : [409, { error: "ConversationMerged", detail: "Continue in #4." }]));
  const api = createApi({ csrf: "c", fetchImpl });
  await assert.rejects(api.post("/api/v1/conversations/x/assign", {}), (error) => error instanceof ApiError && error.status === 409 && error.code === "ConversationMerged" && error.message === "Continue in #4.");
  const ended = createApi({ csrf: "c", fetchImpl: fakeFetch(() => [401, { error: "NotAuthenticated" }]).fetchImpl });
  await assert.rejects(ended.get("/api/v1/me"), SessionEnded);
});
