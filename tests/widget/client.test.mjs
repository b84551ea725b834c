// The connection logic against fakes of fetch, WebSocket, storage and timers: sessions, sends
// with client ids, reconnects that resume and resend, and a reload that keeps everything.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createClient, storageKey } from "../../src/helpline/widget/static/client.js";

const API = "https://help.example";

class FakeServer {
  constructor() {
    this.sessions = 0;
    this.conversations = [];
    this.messages = [];
    this.sockets = [];
    this.requests = [];
  }
  async fetch(url, init) {
    const { pathname } = new URL(url);
    const body = init.body ? JSON.parse(init.body) : undefined;
    this.requests.push([init.method, pathname, body, init.headers.Authorization]);
    const reply = (status, data) => ({ status, json: async () => data });
    if (pathname.startsWith("/api/v1/widget/config/")) {
      return reply(200, { name: "Acme", color: "#2563eb", greeting: "", position: "right", theme: "auto", locale: "en", help_centre_url: this.helpCentreUrl || "" });
    }
    if (pathname === "/api/v1/widget/sessions") {
      if (body.token) return reply(200, { token: body.token, resumed: true });
      this.sessions += 1;
      return reply(200, { token: `hlv_token${this.sessions}`, resumed: false });
    }
    if (pathname === "/api/v1/widget/sessions/end") return reply(204, null);
    if (pathname === "/api/v1/widget/help/search") {
      const q = new URL(url).searchParams.get("q");
      return reply(200, { help_centre_url: this.helpCentreUrl, articles: [{ title: q, snippet: "", url: "https://help.example/a" }], faqs: [] });
    }
    if (pathname === "/api/v1/widget/conversations" && init.method === "POST") {
      if (!init.headers.Authorization) return reply(401, { error: "Unauthorized" });
      const conversation = { id: `c${this.conversations.length + 1}`, status: "open" };
      this.conversations.push(conversation);
      return reply(201, conversation);
    }
    if (pathname === "/api/v1/widget/conversations") {
      return reply(200, { items: [...this.conversations].reverse().slice(0, 1), next_cursor: null });
    }
    const one = /^\/api\/v1\/widget\/conversations\/([^/]+)(\/messages)?$/.exec(pathname);
    if (one && !one[2]) {
      const found = this.conversations.find((c) => c.id === one[1]);
      return found ? reply(200, found) : reply(404, { error: "NotFound" });
    }
    if (one) return reply(200, { items: this.messages.filter((m) => m.conversation_id === one[1]), has_more: false });
    return reply(404, { error: "NotFound" });
  }
  /** What the server does with a send: one message per client id, like the real one. */
  accept(frame) {
    let message = this.messages.find((m) => m.client_message_id === frame.client_message_id);
    const duplicate = Boolean(message);
    if (!message) {
      message = {
        id: `m${this.messages.length + 1}`,
        seq: this.messages.length + 1,
        conversation_id: frame.conversation_id,
        sender_kind: "contact",
        body: frame.body,
        client_message_id: frame.client_message_id,
      };
      this.messages.push(message);
    }
    return { type: "ack", ref: frame.ref, duplicate, message };
  }
}

function fakeSocketClass(server) {
  return class FakeSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 0;
      this.sent = [];
      server.sockets.push(this);
    }
    send(text) {
      this.sent.push(JSON.parse(text));
    }
    close(code = 1000) {
      this.readyState = 3;
      this.onclose?.({ code });
    }
    // Test side:
    open() {
      this.readyState = 1;
      this.receive({ type: "ready", heartbeat_interval_s: 25 });
    }
    receive(frame) {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }
    frames(type) {
      return this.sent.filter((f) => f.type === type);
    }
  };
}

function fakeTimers() {
  const due = [];
  return {
    due,
    setTimeout(fn, ms) {
      due.push({ fn, ms });
      return due.length;
    },
    clearTimeout() {},
    setInterval() {
      return 0;
    },
    clearInterval() {},
    async runAll() {
      while (due.length) await due.shift().fn();
    },
  };
}

function memoryStorage() {
  const items = new Map();
  return {
    items,
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
  };
}

/** Uploads: each one lands as attachment `a<n>` of the conversation in its address. */
function fakeXhrClass(server) {
  server.uploads = [];
  return class FakeXhr {
    constructor() {
      this.upload = {};
      this.headers = {};
    }
    open(method, url) {
      this.url = url;
    }
    setRequestHeader(name, value) {
      this.headers[name] = value;
    }
    send(form) {
      const file = form.get("file");
      server.uploads.push([new URL(this.url).pathname, this.headers.Authorization, file.name]);
      this.status = 201;
      this.response = { id: `a${server.uploads.length}`, filename: file.name };
      this.onload();
    }
  };
}

function newClient(server, storage, timers) {
  const states = [];
  const client = createClient({
    apiBase: API,
    publicKey: "hlw_key",
    storage,
    fetch: (url, init) => server.fetch(url, init),
    WebSocket: fakeSocketClass(server),
    XMLHttpRequest: fakeXhrClass(server),
    timers,
    random: () => 0,
    onState: (state) => states.push(state),
  });
  return { client, states };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("a first send creates the conversation, goes over the socket, and is acked once", async () => {
  const server = new FakeServer();
  const { client } = newClient(server, memoryStorage(), fakeTimers());
  await client.start();
  assert.equal(client.state.config.name, "Acme");
  const socket = server.sockets[0];
  assert.deepEqual(socket.protocols, ["helpline.v1", "bearer.hlv_token1"]);
  assert.equal(socket.url, "wss://help.example/ws/widget");
  socket.open();
  await client.send("Hello");
  const [send] = socket.frames("send");
  assert.equal(send.conversation_id, "c1");
  assert.equal(send.ref, send.client_message_id);
  assert.equal(client.state.pending.length, 1);
  socket.receive(server.accept(send));
  assert.deepEqual(client.state.pending, []);
  assert.deepEqual(client.state.messages.map((m) => m.body), ["Hello"]);
});

test("a message written while the widget is still starting waits for the visitor's token", async () => {
  const server = new FakeServer();
  const { client } = newClient(server, memoryStorage(), fakeTimers());
  const started = client.start();
  const sending = client.send("Quick question"); // before the session has answered
  await started;
  await sending;
  const creations = server.requests.filter(([method, path]) => method === "POST" && path === "/api/v1/widget/conversations");
  assert.deepEqual(creations.map(([, , , auth]) => auth), ["Bearer hlv_token1"]);
  assert.deepEqual(client.state.pending.map((p) => p.status), ["sending"], "pending, not failed");
  const socket = server.sockets[0];
  socket.open();
  const [send] = socket.frames("send");
  assert.equal(send.body, "Quick question");
  socket.receive(server.accept(send));
  assert.deepEqual(client.state.messages.map((m) => m.body), ["Quick question"]);
});

test("a file chosen before any conversation starts one and goes to it", async () => {
  const server = new FakeServer();
  const { client } = newClient(server, memoryStorage(), fakeTimers());
  const started = client.start();
  const attaching = client.attach(new File(["%PDF"], "invoice.pdf"));
  await started;
  await attaching;
  assert.deepEqual(server.uploads, [["/api/v1/widget/conversations/c1/attachments", "Bearer hlv_token1", "invoice.pdf"]]);
  assert.deepEqual(client.state.uploads, []);
  const socket = server.sockets[0];
  socket.open();
  const [send] = socket.frames("send");
  assert.deepEqual([send.conversation_id, send.attachment_ids], ["c1", ["a1"]]);
});

test("after a drop the client resumes from its seq and resends unacked sends with their ids", async () => {
  const server = new FakeServer();
  const timers = fakeTimers();
  const { client } = newClient(server, memoryStorage(), timers);
  await client.start();
  server.sockets[0].open();
  await client.send("one");
  server.sockets[0].receive(server.accept(server.sockets[0].frames("send")[0]));
  await client.send("two"); // sent, but the ack is lost with the connection
  const lost = server.sockets[0].frames("send")[1];
  server.accept(lost);
  server.sockets[0].close(1006);
  assert.equal(timers.due[0].ms, 250, "first retry after 0.25-0.5 s");
  await timers.runAll();
  const again = server.sockets[1];
  again.open();
  assert.deepEqual(again.frames("resume")[0].conversations, { c1: 1 });
  const [resent] = again.frames("send");
  assert.equal(resent.client_message_id, lost.client_message_id);
  const ack = server.accept(resent);
  assert.equal(ack.duplicate, true);
  again.receive(ack);
  assert.equal(server.messages.length, 2, "the retry created nothing new");
  assert.deepEqual(client.state.messages.map((m) => m.body), ["one", "two"]);
  assert.deepEqual(client.state.pending, []);
});

test("a reload keeps the visitor, the conversation and the unsent messages", async () => {
  const server = new FakeServer();
  const storage = memoryStorage();
  const first = newClient(server, storage, fakeTimers()).client;
  await first.start();
  server.sockets[0].open();
  await first.send("before reload");
  server.sockets[0].receive(server.accept(server.sockets[0].frames("send")[0]));
  server.sockets[0].readyState = 3; // the network is gone: the next send stays pending
  await first.send("unsent");

  const { client } = newClient(server, storage, fakeTimers());
  await client.start();
  assert.equal(server.sessions, 1, "the stored token was resumed");
  assert.deepEqual(client.state.messages.map((m) => m.body), ["before reload"]);
  assert.deepEqual(client.state.pending.map((p) => p.body), ["unsent"]);
  const socket = server.sockets.at(-1);
  socket.open();
  const [send] = socket.frames("send");
  assert.equal(send.body, "unsent");
  socket.receive(server.accept(send));
  assert.deepEqual(client.state.messages.map((m) => m.body), ["before reload", "unsent"]);
});

test("a refused send is failed and not resent until the visitor retries", async () => {
  const server = new FakeServer();
  const { client } = newClient(server, memoryStorage(), fakeTimers());
  await client.start();
  const socket = server.sockets[0];
  socket.open();
  await client.send("x");
  const [send] = socket.frames("send");
  socket.receive({ type: "error", ref: send.ref, error: "Conflict", status: 409, detail: "No." });
  assert.equal(client.state.pending[0].status, "failed");
  socket.close(1006);
  await settle();
  client.retry(send.client_message_id);
  await settle();
  assert.equal(client.state.pending[0].status, "sending");
});

test("shutdown ends the session and forgets everything stored", async () => {
  const server = new FakeServer();
  const storage = memoryStorage();
  const { client } = newClient(server, storage, fakeTimers());
  await client.start();
  assert.ok(storage.getItem(storageKey("hlw_key")));
  await client.shutdown();
  assert.equal(storage.getItem(storageKey("hlw_key")), null);
  assert.deepEqual(server.requests.at(-1).slice(0, 2), ["POST", "/api/v1/widget/sessions/end"]);
  assert.equal(server.sockets.length, 1, "no reconnect after shutdown");
});

test("handshakes refused twice in a row renew the session before the next attempt", async () => {
  const server = new FakeServer();
  const timers = fakeTimers();
  const { client } = newClient(server, memoryStorage(), timers);
  await client.start();
  const sessions = () => server.requests.filter(([, path]) => path === "/api/v1/widget/sessions");
  server.sockets[0].close(1006); // refused: no ready frame ever came
  await timers.runAll();
  assert.equal(sessions().length, 1, "one refusal may be the network: just retry");
  server.sockets[1].close(1006);
  await timers.runAll();
  assert.equal(sessions().length, 2);
  assert.equal(sessions()[1][2].token, "hlv_token1", "it asks with the token it holds");
  server.sockets[2].open();
  assert.equal(client.state.connection, "online");
});

test("a first send waits out a busy server instead of failing", async () => {
  const server = new FakeServer();
  const timers = fakeTimers();
  const { client } = newClient(server, memoryStorage(), timers);
  await client.start();
  const socket = server.sockets[0];
  socket.open();
  timers.due.length = 0;
  // The first two creations meet a busy server (503), then a refused connection (0).
  const answers = [503, 0];
  const real = server.fetch.bind(server);
  server.fetch = async (url, init) => {
    const { pathname } = new URL(url);
    if (pathname === "/api/v1/widget/conversations" && init.method === "POST" && answers.length) {
      const status = answers.shift();
      if (status === 0) throw new TypeError("Failed to fetch");
      return { status, json: async () => ({ error: "ServiceUnavailable" }) };
    }
    return real(url, init);
  };
  await client.send("Is anyone there?");
  assert.deepEqual(client.state.pending.map((p) => p.status), ["sending"], "still pending, not failed");
  assert.equal(socket.frames("send").length, 0);
  await timers.runAll();
  await settle();
  const [send] = socket.frames("send");
  assert.equal(send.conversation_id, "c1");
  assert.equal(send.body, "Is anyone there?");
  assert.equal(server.conversations.length, 1);
  assert.ok(timers.due.length === 0);
});

test("the help centre is searched with the visitor's token", async () => {
  const server = new FakeServer();
  server.helpCentreUrl = "https://help.example/help/acme/";
  const { client } = newClient(server, memoryStorage(), fakeTimers());
  await client.start();
  const found = await client.searchHelp("where is my parcel?");
  assert.equal(found.articles[0].title, "where is my parcel?");
  const search = server.requests.find(([, path]) => path === "/api/v1/widget/help/search");
  assert.equal(search[3], "Bearer hlv_token1");
});
