// The inbox page: loads what the agent sees over REST, keeps it live over one /ws/agent
// socket, and wires the columns together. State lives in `store` and changes only through
// the pure functions of state.js; every change ends in one render.

import { createActions } from "./actions.js";
import { SessionEnded, createApi } from "./api.js";
import { createAssist } from "./assist.js";
import { createComposer } from "./composer.js";
import { createContactView } from "./contact.js";
import { createConversationView } from "./conversation.js";
import { dialogOpen, openDialog } from "./dialogs.js";
import { $, h, toast } from "./dom.js";
import { contactName, presenceOf, previewOf } from "./format.js";
import { createInboxView } from "./inbox.js";
import { createNotifier } from "./notify.js";
import { createOutbox } from "./outbox.js";
import { SHORTCUTS, actionFor } from "./shortcuts.js";
import { createSocket, socketUrl } from "./socket.js";
import { createStaffAssistant } from "./staff-assistant.js";
import * as S from "./state.js";
import { setTheme, storedTheme } from "./theme.js";

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || "";
const api = createApi({ csrf: meta("helpline-csrf") });
const route = S.routeOf(location.pathname, location.search);
const store = {
  me: null,
  meName: "",
  botName: "",
  members: new Map(),
  // Members with a dashboard open now (the socket's presence).
  online: new Set(),
  teams: new Map(),
  inbox: S.createInbox(null, route.view),
  timeline: null,
  contact: null,
  previous: [],
  selected: null,
};
const readSent = new Map(); // conversation id -> the last seq marked read
const images = new Map(); // attachment url -> Promise of an object URL
let listTicket = 0;
let openTicket = 0;

// --- rendering ----------------------------------------------------------------------------

let renderQueued = false;
function render() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    inboxView.render(store.inbox, store.members, store.selected);
    // The contact column first: its width decides where the timeline's bottom is.
    contactView.render(store.contact, store.previous, store.timeline?.conversationId);
    conversationView.render(store, context());
    assist.render(store.timeline?.conversationId || null, { contactShown: Boolean(store.contact), merged: Boolean(store.timeline?.conversation?.merged_into_id) });
    composer.setDisabled(Boolean(store.timeline?.conversation?.merged_into_id), "This conversation was merged: continue in the one it was merged into.");
  });
}

function context() {
  return {
    me: store.me,
    meName: store.meName,
    members: store.members,
    teams: store.teams,
    contact: store.contact,
    conversation: store.timeline?.conversation,
    nameOf: (id) => store.members.get(id)?.name || "",
    botName: store.botName,
    presenceOf: (id) => presenceOf(store.members.get(id), store.online.has(id)),
    loadImage,
    download,
  };
}

function loadImage(url) {
  if (!images.has(url)) images.set(url, api.blob(url).then((blob) => URL.createObjectURL(blob)).catch(() => null));
  return images.get(url);
}

async function download(file) {
  try {
    const href = await loadImage(file.url);
    if (!href) throw new Error("The file could not be downloaded.");
    const link = h("a", { href, download: file.filename });
    document.body.appendChild(link);
    link.click();
    link.remove();
  } catch (error) {
    toast(error.message, { kind: "error" });
  }
}

// --- the list and the open conversation ----------------------------------------------------

async function loadList() {
  const ticket = ++listTicket;
  const view = store.inbox.view;
  try {
    const page = await api.get(`/api/v1/conversations?${S.listQuery(view)}`);
    if (ticket !== listTicket) return;
    store.inbox = S.loadList(store.inbox, page.items, view);
    render();
    await loadPreviews(ticket);
  } catch (error) {
    failed(error);
  }
}

/** The last message of rows the list's answer gave none for: once per row, when the list
 * loads (never again while idle; new messages arrive over the socket). */
async function loadPreviews(ticket) {
  const wanted = S.missingPreviews(store.inbox).slice(0, 30);
  const fetchOne = async (id) => {
    const page = await api.get(`/api/v1/conversations/${encodeURIComponent(id)}/messages?limit=5`);
    if (ticket !== listTicket) return;
    store.inbox = S.setPreview(store.inbox, id, page.items);
    render();
  };
  // A few at a time, so the page's other requests are not stuck behind them.
  for (let i = 0; i < wanted.length; i += 6) {
    if (ticket !== listTicket) return;
    await Promise.all(wanted.slice(i, i + 6).map((id) => fetchOne(id).catch(() => null)));
  }
}

function changeView(change) {
  const view = { ...store.inbox.view, ...change };
  if (change.kind && change.kind !== "team") view.teamId = null;
  if (change.kind || change.status) view.q = change.q ?? "";
  store.inbox = S.loadList({ ...store.inbox, loaded: false }, [], view);
  history.pushState(null, "", S.urlOf(view, store.timeline?.conversationId));
  render();
  loadList();
}

async function openConversation(id, { push = true } = {}) {
  if (!id) return closeConversation();
  if (push) history.pushState(null, "", S.urlOf(store.inbox.view, id));
  if (store.timeline?.conversationId === id) return;
  const ticket = ++openTicket;
  store.inbox = S.openConversation(store.inbox, id);
  store.selected = id;
  let timeline = S.createTimeline(id);
  // The row's state shows at once; the full history follows.
  if (store.inbox.rows[id]) timeline = S.setConversation(timeline, store.inbox.rows[id]);
  for (const send of outbox.pendingFor(id)) timeline = S.addPending(timeline, send);
  store.timeline = timeline;
  store.contact = null;
  store.previous = [];
  composer.reset();
  render();
  try {
    const base = `/api/v1/conversations/${encodeURIComponent(id)}`;
    const [conversation, page] = await Promise.all([api.get(base), api.get(`${base}/messages?limit=50`)]);
    if (ticket !== openTicket) return;
    let next = S.setConversation(store.timeline, conversation);
    next = S.addMessages(next, page.items);
    store.timeline = { ...next, hasOlder: page.has_more, loaded: true };
    store.inbox = S.upsertConversation(store.inbox, conversation);
    render();
    resume();
    markRead();
    loadContact(conversation.contact.id, ticket);
  } catch (error) {
    if (ticket !== openTicket) return;
    if (error.status === 404) {
      toast("This conversation does not exist, or you cannot see it.", { kind: "error" });
      closeConversation();
    } else failed(error);
  }
}

async function loadContact(contactId, ticket) {
  const base = `/api/v1/contacts/${encodeURIComponent(contactId)}`;
  const [contact, previous] = await Promise.all([api.get(base), api.get(`${base}/conversations?limit=10`)]);
  if (ticket !== openTicket) return;
  store.contact = contact;
  store.previous = previous.items;
  render();
}

function closeConversation() {
  openTicket += 1;
  store.timeline = null;
  store.contact = null;
  store.inbox = { ...store.inbox, current: null };
  history.replaceState(null, "", S.urlOf(store.inbox.view, null));
  render();
}

async function loadOlder() {
  const tl = store.timeline;
  if (!tl || !tl.messages.length) return;
  const page = await api.get(`/api/v1/conversations/${encodeURIComponent(tl.conversationId)}/messages?before_seq=${tl.messages[0].seq}&limit=50`);
  if (store.timeline?.conversationId !== tl.conversationId) return;
  store.timeline = { ...S.addMessages(store.timeline, page.items), hasOlder: page.has_more };
  render();
}

/** Catches up over REST when the socket cannot (resync_required). */
async function catchUp(conversationId, afterSeq) {
  let seq = afterSeq;
  for (;;) {
    const page = await api.get(`/api/v1/conversations/${encodeURIComponent(conversationId)}/messages?after_seq=${seq}&limit=200`);
    if (store.timeline?.conversationId !== conversationId) return;
    store.timeline = S.addMessages(store.timeline, page.items);
    render();
    if (!page.has_more || !page.items.length) return;
    seq = page.items.at(-1).seq;
  }
}

function applyConversation(conversation) {
  store.inbox = S.upsertConversation(store.inbox, conversation);
  if (store.timeline) store.timeline = S.setConversation(store.timeline, conversation);
  render();
}

// --- the socket -----------------------------------------------------------------------------

const socket = createSocket({
  url: socketUrl(location),
  token: (fresh) => api.accessToken(fresh),
  onReady: (frame) => {
    store.online = new Set(frame.online_member_ids || []);
    loadList();
    resume();
    outbox.resendAll();
    markRead();
  },
  onFrame: (frame) => handleFrame(frame),
  onStatus: (status) => {
    $("[data-banner]").hidden = status !== "reconnecting";
    document.body.classList.toggle("offline", status === "reconnecting");
  },
  onSessionEnded: () => sessionEnded(),
});

const outbox = createOutbox({ socket, store, render });

function resume() {
  const frame = S.resumeFrame(store.timeline);
  if (frame) socket.send(frame);
}

function visible() {
  return document.visibilityState === "visible";
}

function handleFrame(frame) {
  if (frame.type === "heartbeat" || frame.type === "pong") return;
  if (frame.type === "presence") {
    if (frame.online) store.online.add(frame.member_id);
    else store.online.delete(frame.member_id);
    render();
    return;
  }
  const current = store.timeline?.conversationId;
  const before = [store.inbox, store.timeline];
  store.inbox = S.applyToInbox(store.inbox, frame, { visible: visible() });
  if (store.timeline) store.timeline = S.applyToTimeline(store.timeline, frame);
  let changed = before[0] !== store.inbox || before[1] !== store.timeline;
  switch (frame.type) {
    case "message.created":
      if (frame.conversation_id === current) markRead();
      alertFor(frame);
      break;
    case "ack":
    case "error":
      changed = outbox.settle(frame) || changed;
      break;
    case "conversation.removed":
      // Moved where this member cannot follow (another team, reassigned away).
      if (frame.conversation_id === current) {
        toast("This conversation moved somewhere you cannot see it any more.");
        closeConversation();
      }
      break;
    case "resync_required":
      if (frame.conversation_id === current) catchUp(current, S.contiguousSeq(store.timeline)).catch(failed);
      break;
    case "typing":
      if (frame.sender_kind === "contact" && frame.is_typing) expireTyping();
      break;
    case "availability":
      if (store.members.has(frame.member_id)) store.members.get(frame.member_id).availability = frame.availability;
      if (frame.member_id === store.me) $("[data-availability]").value = frame.availability;
      break;
    case "mention": {
      const by = store.members.get(frame.by_member_id)?.name || "A colleague";
      toast(`${by} mentioned you: ${previewOf(frame.message).slice(0, 80)}`, { action: { label: "Open", run: () => openConversation(frame.conversation_id) } });
      notifier.alert(`${by} mentioned you`, frame.message.body || "", { onClick: () => openConversation(frame.conversation_id) });
      break;
    }
    default:
      break;
  }
  // Frames that change nothing shown (another agent typing, a repeated state) render nothing.
  if (changed) render();
}

let typingTimer = null;
function expireTyping() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    if (store.timeline?.contactTyping) {
      store.timeline = { ...store.timeline, contactTyping: false };
      render();
    }
  }, 8000);
}

function alertFor(frame) {
  const message = frame.message;
  if (message.sender_kind !== "contact") return;
  const conversation = store.inbox.rows[frame.conversation_id] || (store.timeline?.conversationId === frame.conversation_id ? store.timeline.conversation : null);
  if (!conversation || conversation.assignee_id !== store.me) return;
  if (frame.conversation_id === store.timeline?.conversationId && visible() && document.hasFocus()) return;
  notifier.alert(`${contactName(conversation.contact)} wrote`, previewOf(message), { onClick: () => openConversation(frame.conversation_id) });
}

function markRead() {
  const tl = store.timeline;
  if (!tl || !tl.loaded || !visible()) return;
  const seq = S.lastSeq(tl);
  if (!seq || (readSent.get(tl.conversationId) || 0) >= seq) return;
  if (socket.send({ type: "read", conversation_id: tl.conversationId, seq })) readSent.set(tl.conversationId, seq);
  store.inbox = S.markRead(store.inbox, tl.conversationId);
}

// --- the page's parts -----------------------------------------------------------------------

const inboxView = createInboxView($("[data-inbox]"), {
  onView: changeView,
  onOpen: (id) => openConversation(id),
  onSearch: (q) => changeView({ q }),
});
const current = () => store.timeline?.conversation || null;
const actions = createActions({ api, current, applyConversation, me: () => store.me, inbox: () => store.inbox });
const conversationView = createConversationView($("[data-conversation]"), {
  ...actions,
  merge: () => actions.merge(() => store.inbox),
  retry: (id) => outbox.retry(id),
  loadOlder: () => loadOlder().catch(failed),
});
const composer = createComposer($("[data-composer]"), {
  onSend: (message) => {
    assist.sent();
    outbox.send(message);
  },
  onTyping: (active, note) => outbox.signalTyping(active, note),
  members: () => store.members,
  searchCanned: async (prefix) => (await api.get(`/api/v1/canned-responses?q=${encodeURIComponent(prefix)}&limit=8`)).items,
  upload: (file, progress) => api.upload(`/api/v1/conversations/${encodeURIComponent(store.timeline.conversationId)}/attachments`, file, progress),
});
const assist = createAssist({ api, draft: (body) => composer.draft(body), failed });
const contactView = createContactView($("[data-contact]"), { onOpen: (id) => openConversation(id) });
const notifier = createNotifier($("[data-notify]"));

function sessionEnded() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

function failed(error) {
  if (error instanceof SessionEnded || error?.sessionEnded) return sessionEnded();
  toast(error?.message || "Something went wrong.", { kind: "error" });
}

function showHelp() {
  openDialog("Keyboard shortcuts", h("dl", { class: "shortcut-list" }, SHORTCUTS.map((s) => h("div", { class: "shortcut" }, h("dt", {}, s.keys.map((k) => h("kbd", { text: k }))), h("dd", { text: s.label })))));
}

function onShortcut(event) {
  const action = actionFor(event, { dialogOpen: dialogOpen() });
  if (!action) return;
  const conversation = current();
  const needsConversation = ["reply", "note", "assign-me", "resolve", "snooze"].includes(action);
  if (needsConversation && !conversation) return;
  event.preventDefault();
  if (action === "next" || action === "previous") {
    store.selected = S.neighbour(store.inbox, store.selected || store.inbox.current, action === "next" ? 1 : -1);
    render();
  } else if (action === "open" && store.selected) openConversation(store.selected);
  else if (action === "reply") composer.focus("reply");
  else if (action === "note") composer.focus("note");
  else if (action === "assign-me") actions.assignMe();
  else if (action === "resolve") actions.resolve();
  else if (action === "snooze") actions.snooze();
  else if (action === "search") inboxView.focusSearch();
  else if (action === "help") showHelp();
}

async function boot() {
  // The bot's name signs its messages; without it (an error) they read "Bot".
  const botSettings = api.get("/api/v1/bot/settings").catch(() => null);
  const [me, members, teams] = await Promise.all([api.get("/api/v1/me"), api.get("/api/v1/members"), api.get("/api/v1/teams")]);
  store.botName = (await botSettings)?.name || "";
  const membership = me.memberships.find((m) => m.workspace_id === me.workspace_id);
  store.me = membership.member_id;
  store.meName = me.name;
  store.members = new Map(members.map((m) => [m.id, m]));
  store.teams = new Map(teams.map((t) => [t.id, t]));
  store.inbox = { ...store.inbox, me: store.me };
  $("[data-workspace-name]").textContent = membership.workspace_name;
  $("[data-me]").textContent = me.name;
  $("[data-availability]").value = membership.availability;
  inboxView.renderTeams(teams, store.me);
  socket.start();
  // Without a socket the list still shows (it loads on every `ready` otherwise).
  setTimeout(() => store.inbox.loaded || loadList(), 4000);
  if (route.conversationId) openConversation(route.conversationId, { push: false });
  render();
}

$("[data-availability]").addEventListener("change", async (event) => {
  try {
    await api.put("/api/v1/me/availability", { availability: event.target.value });
  } catch (error) {
    failed(error);
  }
});
const theme = $("[data-theme-choice]");
theme.value = storedTheme();
theme.addEventListener("change", () => setTheme(theme.value));
$("[data-help]").addEventListener("click", showHelp);
$("[data-staff-assistant]").addEventListener("click", createStaffAssistant({ api, failed }).open);
document.addEventListener("keydown", onShortcut);
document.addEventListener("visibilitychange", markRead);
window.addEventListener("online", () => socket.nudge());
window.addEventListener("popstate", () => {
  const next = S.routeOf(location.pathname, location.search);
  const view = store.inbox.view;
  if (JSON.stringify(next.view) !== JSON.stringify(view)) {
    store.inbox = S.loadList({ ...store.inbox, loaded: false }, [], next.view);
    loadList();
  }
  if (next.conversationId) openConversation(next.conversationId, { push: false });
  else closeConversation();
});

boot().catch(failed);
