// When to reconnect, and what a close code asks for (docs/realtime.md, Close codes).

export const MIN_DELAY_MS = 500;
export const MAX_DELAY_MS = 30_000;

/** The delay before reconnection attempt `attempt` (0, 1, 2, ...): 0.5 s, 1 s, 2 s, ... up
 * to 30 s, with "equal jitter" (half fixed, half random) so that a node's clients spread out. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** What to do after the socket closed with `code`:
 * - {action: "login"}: the session ended (4001): log in again.
 * - {action: "stop"}: a client bug (4003): reconnecting would fail again the same way.
 * - {action: "reconnect", delay}: in `delay` ms, then resume. */
export function afterClose(code, attempt, random = Math.random) {
  if (code === 4001) return { action: "login" };
  if (code === 4003) return { action: "stop" };
  // The connection's lifetime ended: at once.
  if (code === 4002) return { action: "reconnect", delay: 0 };
  // A restart: within 2 s, at random, so that one node's sockets do not arrive together.
  if (code === 1012) return { action: "reconnect", delay: Math.round(random() * 2000) };
  // A resync (4000) is not the client's fault: quickly, then back off if it repeats.
  if (code === 4000 && attempt === 0) return { action: "reconnect", delay: Math.round(random() * MIN_DELAY_MS) };
  return { action: "reconnect", delay: backoffDelay(attempt, random) };
}

/** A typing signal throttle: `start()` says whether to send `is_typing: true` now (at most
 * every `everyMs`); `stop()` whether a `false` is owed. */
export function typingThrottle(everyMs = 3000, now = () => Date.now()) {
  let lastSent = -Infinity;
  let typing = false;
  return {
    start() {
      const t = now();
      if (typing && t - lastSent < everyMs) return false;
      lastSent = t;
      typing = true;
      return true;
    },
    stop() {
      if (!typing) return false;
      typing = false;
      lastSent = -Infinity;
      return true;
    },
  };
}
