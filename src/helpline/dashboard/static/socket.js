// One /ws/agent socket per tab: connects with the access token as a subprotocol, reconnects
// with backoff and jitter, notices a dead connection from missing heartbeats, and hands every
// frame to the page. What to do after a reconnect (resume, refetch) is the page's business:
// `onReady` is called on every `ready` frame.

import { afterClose } from "./backoff.js";

export const PROTOCOL = "helpline.v1";

export function socketUrl(location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/agent`;
}

export function createSocket({
  url,
  token,
  onFrame,
  onReady = () => {},
  onStatus = () => {},
  onSessionEnded = () => {},
  WebSocketImpl = globalThis.WebSocket,
  timers = globalThis,
  random = Math.random,
}) {
  let ws = null;
  let attempt = 0;
  let stopped = false;
  let retryTimer = null;
  let deadTimer = null;
  let heartbeatMs = 25_000;

  function watch() {
    // Nothing at all for twice the heartbeat interval: the connection is dead.
    if (deadTimer) timers.clearTimeout(deadTimer);
    deadTimer = timers.setTimeout(() => ws && ws.close(4000, "no heartbeat"), heartbeatMs * 2);
  }

  async function connect() {
    retryTimer = null;
    if (stopped) return;
    onStatus(attempt === 0 ? "connecting" : "reconnecting");
    let credential;
    try {
      credential = await token(attempt > 0);
    } catch (error) {
      if (error && error.sessionEnded) return end();
      return schedule(1006);
    }
    let socket;
    try {
      socket = new WebSocketImpl(url, [PROTOCOL, `bearer.${credential}`]);
    } catch {
      return schedule(1006);
    }
    ws = socket;
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      watch();
      if (frame.type === "ready") {
        attempt = 0;
        heartbeatMs = (frame.heartbeat_interval_s || 25) * 1000;
        watch();
        onStatus("online");
        onReady(frame);
        return;
      }
      onFrame(frame);
    };
    socket.onclose = (event) => {
      if (ws !== socket) return;
      ws = null;
      if (deadTimer) timers.clearTimeout(deadTimer);
      schedule(event.code);
    };
  }

  function schedule(code) {
    if (stopped) return;
    const next = afterClose(code, attempt, random);
    if (next.action === "login") return end();
    if (next.action === "stop") {
      onStatus("stopped");
      return;
    }
    attempt += 1;
    onStatus("reconnecting");
    retryTimer = timers.setTimeout(connect, next.delay);
  }

  function end() {
    stopped = true;
    onStatus("ended");
    onSessionEnded();
  }

  return {
    start: connect,
    /** Sends a frame if the socket is open; false otherwise (the caller keeps it for later). */
    send(frame) {
      if (!ws || ws.readyState !== 1) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    get open() {
      return Boolean(ws && ws.readyState === 1);
    },
    /** Reconnect now (the browser came back online, or the tab woke up). */
    nudge() {
      if (ws || stopped) return;
      if (retryTimer) timers.clearTimeout(retryTimer);
      connect();
    },
    stop() {
      stopped = true;
      if (retryTimer) timers.clearTimeout(retryTimer);
      if (deadTimer) timers.clearTimeout(deadTimer);
      if (ws) ws.close(1000);
    },
  };
}
