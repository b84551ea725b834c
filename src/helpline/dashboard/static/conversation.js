// The centre column: the open conversation's header, its actions and its timeline. It
// renders state and reports what the agent asked for; app.js does the calls.

import { $, avatar, fill, h, renderText } from "./dom.js";
import { contactName, describeEvent, fileSize, fullTime, initials, messageTime } from "./format.js";
import { seenByContact } from "./state.js";

const PRIORITIES = ["none", "low", "medium", "high", "urgent"];
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export function createConversationView(root, actions) {
  const empty = $("[data-conversation-empty]", root);
  const main = $("[data-conversation-main]", root);
  const head = $("[data-conversation-head]", root);
  const bar = $("[data-actions]", root);
  const timeline = $("[data-timeline]", root);
  const typing = $("[data-typing]", root);
  const controls = buildActions(bar, $("[data-primary-actions]", root), actions);
  let shownId = null;
  // Whether the timeline follows new messages: it does until the agent scrolls up to read.
  let pinned = true;
  timeline.addEventListener("scroll", () => {
    pinned = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 80;
  });

  function renderHead(conversation, context) {
    const name = contactName(conversation.contact);
    const status = conversation.merged_into_id ? "merged" : conversation.status;
    const title = h("div", { class: "conversation-title" },
      h("h1", { text: name }),
      h("span", { class: ["chip", `status-${status}`], text: status === "snoozed" && conversation.snoozed_until ? `snoozed until ${fullTime(conversation.snoozed_until)}` : status }),
      conversation.owner === "bot" ? h("span", { class: "chip chip-bot", text: "Bot is answering" }) : null,
    );
    const sub = h("p", { class: "conversation-sub muted" },
      h("span", { text: `#${conversation.number}` }),
      conversation.subject ? h("span", { class: "conversation-subject", text: conversation.subject }) : null,
      h("span", { text: `via ${conversation.channel}` }),
      conversation.team_id && context.teams.get(conversation.team_id) ? h("span", { text: context.teams.get(conversation.team_id).name }) : null,
    );
    fill(head, title, sub);
  }

  function renderMessage(message, context) {
    const author = authorOf(message, context);
    if (message.sender_kind === "system") {
      return h("li", { class: "event", dataset: { seq: message.seq } }, h("span", { text: describeEvent(message, context.nameOf) }), h("time", { datetime: message.created_at, title: fullTime(message.created_at), text: messageTime(message.created_at) }));
    }
    const mine = message.sender_kind === "agent" || message.sender_kind === "bot";
    const kind = message.private ? "note" : mine ? "outgoing" : "incoming";
    return h(
      "li",
      { class: ["message", kind], dataset: { seq: message.seq, id: message.id } },
      avatar(author, message.sender_member_id || message.sender_contact_id || message.sender_kind, initials),
      h(
        "div",
        { class: "bubble-wrap" },
        h("div", { class: "message-meta" }, h("span", { class: "message-author", text: author }), message.private ? h("span", { class: "note-label", text: "Private note" }) : null, h("time", { datetime: message.created_at, title: fullTime(message.created_at), text: messageTime(message.created_at) })),
        h("div", { class: "bubble" }, message.body ? h("p", { class: "message-body" }, renderText(message.body)) : null, attachmentsOf(message.attachments || [], context)),
        message.sender_kind === "bot" ? citationsOf(message.data?.citations) : null,
      ),
    );
  }

  function renderPending(send, context) {
    const failed = send.status === "failed";
    return h(
      "li",
      { class: ["message", send.private ? "note" : "outgoing", "pending", failed && "failed"], dataset: { pending: send.client_message_id } },
      avatar(context.meName, context.me, initials),
      h(
        "div",
        { class: "bubble-wrap" },
        h("div", { class: "message-meta" }, h("span", { class: "message-author", text: context.meName }), send.private ? h("span", { class: "note-label", text: "Private note" }) : null),
        h("div", { class: "bubble" }, send.body ? h("p", { class: "message-body" }, renderText(send.body)) : null, attachmentsOf(send.attachments || [], context)),
        h("div", { class: "send-state" }, failed ? [h("span", { class: "send-failed", text: send.error || "Not sent." }), h("button", { type: "button", class: "button button-small", text: "Retry", onclick: () => actions.retry(send.client_message_id) })] : h("span", { class: "muted", text: "Sending…" })),
      ),
    );
  }

  function renderStream(stream, context) {
    // A bot answer being written: text only (textContent), busy until its message arrives.
    const bot = context.botName || "Bot";
    return h(
      "li",
      { class: ["message", "outgoing", "streaming"], "aria-busy": "true", dataset: { stream: stream.id } },
      avatar(bot, "bot", initials),
      h("div", { class: "bubble-wrap" }, h("div", { class: "message-meta" }, h("span", { class: "message-author", text: bot }), h("span", { class: "muted", text: "writing…" })), h("div", { class: "bubble" }, h("p", { class: "message-body", text: stream.text }))),
    );
  }

  function render(state, context) {
    const tl = state.timeline;
    if (!tl || !tl.conversation) {
      empty.hidden = false;
      main.hidden = true;
      shownId = null;
      return;
    }
    empty.hidden = true;
    main.hidden = false;
    const switched = shownId !== tl.conversationId;
    shownId = tl.conversationId;
    if (switched) pinned = true;
    renderHead(tl.conversation, context);
    controls.update(tl.conversation, context);
    const items = tl.messages.map((m) => renderMessage(m, context));
    if (tl.hasOlder) items.unshift(h("li", { class: "event older" }, h("button", { type: "button", class: "button button-small", text: "Show earlier messages", onclick: actions.loadOlder })));
    const seen = seenByContact(tl);
    if (seen) {
      const lastReply = [...tl.messages].reverse().find((m) => !m.private && (m.sender_kind === "agent" || m.sender_kind === "bot"));
      const at = tl.messages.indexOf(lastReply);
      items.splice(at + 1 + (tl.hasOlder ? 1 : 0), 0, h("li", { class: "seen", dataset: { seen: "" }, text: "Seen" }));
    }
    for (const stream of tl.streams || []) items.push(renderStream(stream, context));
    for (const send of tl.pending) items.push(renderPending(send, context));
    fill(timeline, items);
    typing.hidden = !tl.contactTyping;
    typing.textContent = tl.contactTyping ? `${contactName(tl.conversation.contact)} is typing…` : "";
    if (pinned) timeline.scrollTop = timeline.scrollHeight;
  }

  return { render, controls };
}

/** A bot answer's sources: "[1] Title", linking to the article's help-centre page on this
 * Helpline (a path; anything that would leave the site is shown as text). */
function citationsOf(citations) {
  if (!Array.isArray(citations) || !citations.length) return null;
  const items = citations.map((citation, index) => {
    const label = `[${index + 1}] ${citation.title || ""}`;
    const path = typeof citation.path === "string" && /^\/(?![\/\\])/.test(citation.path) ? citation.path : null;
    return h("li", {}, path ? h("a", { href: path, target: "_blank", rel: "noopener noreferrer", text: label }) : h("span", { text: label }));
  });
  return h("div", { class: "message-sources" }, h("span", { class: "muted", text: "Sources" }), h("ol", {}, items));
}

function authorOf(message, context) {
  if (message.sender_kind === "contact") return contactName(context.contact || context.conversation?.contact);
  if (message.sender_kind === "bot") return context.botName || "Bot";
  if (message.sender_member_id) return context.nameOf(message.sender_member_id) || "A colleague";
  if (message.data && message.data.api_key) return `API: ${message.data.api_key}`;
  return "Team";
}

function attachmentsOf(files, context) {
  if (!files.length) return null;
  return h(
    "ul",
    { class: "attachments" },
    files.map((file) => {
      const label = `${file.filename} · ${fileSize(file.size_bytes)}`;
      if (IMAGE_TYPES.has(file.content_type) && file.url) {
        const image = h("img", { alt: file.filename, class: "thumb", loading: "lazy" });
        context.loadImage(file.url).then((src) => src && (image.src = src));
        return h("li", { class: "attachment image" }, h("button", { type: "button", class: "thumb-button", title: label, onclick: () => context.download(file) }, image), h("span", { class: "attachment-name", text: label }));
      }
      return h("li", { class: "attachment" }, h("button", { type: "button", class: "attachment-link", onclick: () => context.download(file) }, h("span", { class: "file-icon", "aria-hidden": "true", text: "📄" }), h("span", { class: "attachment-name", text: file.filename }), h("span", { class: "muted", text: fileSize(file.size_bytes) })));
    }),
  );
}

function buildActions(bar, primary, actions) {
  const assignMe = h("button", { type: "button", class: "button button-small", dataset: { action: "assign-me" }, text: "Assign to me", onclick: actions.assignMe });
  const takeOver = h("button", { type: "button", class: "button button-small button-primary", dataset: { action: "take-over" }, text: "Take over from the bot", onclick: actions.takeOver, hidden: true });
  const assignee = h("select", { "aria-label": "Assignee", dataset: { action: "assignee" }, onchange: () => actions.assign(assignee.value || null) });
  const team = h("select", { "aria-label": "Team", dataset: { action: "team" }, onchange: () => actions.setTeam(team.value || null) });
  const priority = h("select", { "aria-label": "Priority", dataset: { action: "priority" }, onchange: () => actions.setPriority(priority.value) }, PRIORITIES.map((p) => h("option", { value: p, text: p === "none" ? "No priority" : `Priority: ${p}` })));
  const labels = h("span", { class: "labels", dataset: { labels: "" } });
  const editLabels = h("button", { type: "button", class: "button button-small", dataset: { action: "labels" }, text: "Labels", onclick: actions.editLabels });
  const snooze = h("button", { type: "button", class: "button button-small", dataset: { action: "snooze" }, text: "Snooze", onclick: actions.snooze });
  const merge = h("button", { type: "button", class: "button button-small", dataset: { action: "merge" }, text: "Merge", onclick: actions.merge });
  const resolve = h("button", { type: "button", class: "button button-small button-primary", dataset: { action: "resolve" }, text: "Resolve", onclick: actions.resolve });
  const reopen = h("button", { type: "button", class: "button button-small", dataset: { action: "reopen" }, text: "Reopen", onclick: actions.reopen });
  fill(primary, takeOver, merge, snooze, reopen, resolve);
  fill(bar, h("div", { class: "actions-group" }, assignMe, assignee, team, priority), h("div", { class: "actions-group" }, editLabels, labels));

  function options(select, entries, value) {
    const wanted = entries.map(([v, text]) => `${v}\u0000${text}`).join("\u0001");
    if (select.dataset.options !== wanted) {
      fill(select, entries.map(([v, text]) => h("option", { value: v, text })));
      select.dataset.options = wanted;
    }
    select.value = value;
  }

  return {
    update(conversation, context) {
      const merged = Boolean(conversation.merged_into_id);
      const memberEntries = [["", "Unassigned"], ...[...context.members.values()].sort((a, b) => a.name.localeCompare(b.name)).map((m) => [m.id, m.id === context.me ? `${m.name} (me)` : `${m.name} · ${context.presenceOf(m.id)}`])];
      options(assignee, memberEntries, conversation.assignee_id || "");
      options(team, [["", "No team"], ...[...context.teams.values()].map((t) => [t.id, t.name])], conversation.team_id || "");
      priority.value = conversation.priority;
      fill(labels, conversation.labels.map((label) => h("span", { class: "tag", text: label })));
      assignMe.hidden = conversation.assignee_id === context.me;
      takeOver.hidden = conversation.owner !== "bot";
      resolve.hidden = conversation.status === "resolved";
      reopen.hidden = conversation.status !== "resolved" && conversation.status !== "snoozed";
      snooze.hidden = conversation.status === "resolved";
      for (const control of [assignMe, takeOver, assignee, team, priority, editLabels, snooze, merge, resolve, reopen]) control.disabled = merged;
    },
  };
}
