// Messages on their way: each send keeps its client_message_id until the server's `ack`, is
// shown as pending meanwhile, failed after a while without an answer, and is sent again
// (same id, so never twice) on retry or after a reconnect. Also the agent's typing signals.

import { typingThrottle } from "./backoff.js";
import { toast } from "./dom.js";
import * as S from "./state.js";

const ACK_TIMEOUT_MS = 15_000;

export function createOutbox({ socket, store, render }) {
  const waiting = new Map(); // client_message_id -> a send without its ack

  function send({ body, private: note, attachments, mentions }) {
    const tl = store.timeline;
    if (!tl) return;
    const pending = { client_message_id: S.newClientId(), conversation_id: tl.conversationId, body, private: note, attachments, mentions, status: "sending" };
    waiting.set(pending.client_message_id, pending);
    store.timeline = S.addPending(tl, pending);
    render();
    transmit(pending);
  }

  function transmit(pending) {
    pending.status = "sending";
    const frame = { type: "send", ref: `s:${pending.client_message_id}`, conversation_id: pending.conversation_id, body: pending.body, client_message_id: pending.client_message_id, private: pending.private, attachment_ids: pending.attachments.map((a) => a.id) };
    if (pending.mentions.length) frame.mentions = pending.mentions;
    // Not connected: it goes out with the others once the socket is back (resendAll).
    socket.send(frame);
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      settle({ type: "error", ref: frame.ref, detail: "Not sent yet: no answer from the server." });
      render();
    }, ACK_TIMEOUT_MS);
  }

  /** An `ack` or `error` frame: true when it answered one of our sends. */
  function settle(frame) {
    if (!frame.ref || !frame.ref.startsWith("s:")) {
      if (frame.type === "error") toast(frame.detail, { kind: "error" });
      return false;
    }
    const pending = waiting.get(frame.ref.slice(2));
    if (!pending) return false;
    clearTimeout(pending.timer);
    if (frame.type === "ack") {
      waiting.delete(pending.client_message_id);
      return true;
    }
    pending.status = "failed";
    if (store.timeline?.conversationId === pending.conversation_id) {
      store.timeline = S.setPendingStatus(store.timeline, pending.client_message_id, "failed", frame.detail);
    }
    return true;
  }

  function retry(clientMessageId) {
    const pending = waiting.get(clientMessageId);
    if (!pending) return;
    store.timeline = S.setPendingStatus(store.timeline, clientMessageId, "sending");
    render();
    transmit(pending);
  }

  const typing = typingThrottle(3000);
  let typingStop = null;
  function signalTyping(active, note) {
    const conversationId = store.timeline?.conversationId;
    if (!conversationId) return;
    clearTimeout(typingStop);
    if (active) {
      if (typing.start()) socket.send({ type: "typing", conversation_id: conversationId, is_typing: true, private: note });
      typingStop = setTimeout(() => signalTyping(false, note), 4000);
    } else if (typing.stop()) {
      socket.send({ type: "typing", conversation_id: conversationId, is_typing: false, private: note });
    }
  }

  return {
    send,
    settle,
    retry,
    signalTyping,
    /** After a reconnect: every send still waiting goes again, with its own id. */
    resendAll() {
      for (const pending of waiting.values()) if (pending.status === "sending") transmit(pending);
    },
    /** The sends of a conversation, to show again when it is opened. */
    pendingFor(conversationId) {
      return [...waiting.values()].filter((p) => p.conversation_id === conversationId);
    },
  };
}
