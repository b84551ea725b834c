// Text and times from the server, made ready to show. Nothing here builds HTML: bodies are
// plain text, and only http, https and mailto addresses in them become links.

const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
const LINK = /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"»)\]]+$/;
export const LINK_REL = "noopener noreferrer";

/** A URL safe for `href`, or null: http(s) and mailto only, never `javascript:` or `data:`. */
export function safeHref(raw) {
  if (typeof raw !== "string") return null;
  const text = raw.trim();
  const candidate = /^www\./i.test(text) ? `https://${text}` : text;
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (!SAFE_SCHEMES.has(url.protocol)) return null;
  if (url.protocol !== "mailto:" && !url.hostname) return null;
  return url.href;
}

function trimTrailing(match) {
  // "see https://x.example/a)." ends before ")." unless the ")" closes a "(" of the link.
  let end = match.length;
  const tail = TRAILING.exec(match);
  if (tail) {
    end = tail.index;
    const opened = (match.slice(0, end).match(/\(/g) || []).length;
    const closed = (match.slice(0, end).match(/\)/g) || []).length;
    if (opened > closed && match[end] === ")") end += 1;
  }
  return match.slice(0, end);
}

/** `text` as segments {type: "text", text} and {type: "link", text, href}; joined, the
 * segments' texts give back `text` exactly. */
export function tokenize(text) {
  const source = typeof text === "string" ? text : "";
  const segments = [];
  let last = 0;
  for (const found of source.matchAll(LINK)) {
    const match = trimTrailing(found[0]);
    const href = safeHref(match);
    if (!href || !match) continue;
    if (found.index > last) segments.push({ type: "text", text: source.slice(last, found.index) });
    segments.push({ type: "link", text: match, href });
    last = found.index + match.length;
  }
  if (last < source.length) segments.push({ type: "text", text: source.slice(last) });
  return segments;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const pad = (n) => String(n).padStart(2, "0");

/** A short age for list rows: "now", "5m", "3h", "Mon", "12 Mar", "12 Mar 2024". */
export function shortAge(iso, now = new Date()) {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return "";
  const age = now.getTime() - then.getTime();
  if (age < MINUTE) return "now";
  if (age < HOUR) return `${Math.floor(age / MINUTE)}m`;
  if (age < DAY) return `${Math.floor(age / HOUR)}h`;
  if (age < 6 * DAY) return WEEKDAYS[then.getDay()];
  const date = `${then.getDate()} ${MONTHS[then.getMonth()]}`;
  return then.getFullYear() === now.getFullYear() ? date : `${date} ${then.getFullYear()}`;
}

/** "14:05" today, "Mon 14:05" this week, "12 Mar, 14:05" before. */
export function messageTime(iso, now = new Date()) {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return "";
  const clock = `${pad(then.getHours())}:${pad(then.getMinutes())}`;
  if (then.toDateString() === now.toDateString()) return clock;
  if (now.getTime() - then.getTime() < 6 * DAY) return `${WEEKDAYS[then.getDay()]} ${clock}`;
  return `${then.getDate()} ${MONTHS[then.getMonth()]}, ${clock}`;
}

/** A full date and time for tooltips and the sidebar. */
export function fullTime(iso) {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return "";
  return `${then.getDate()} ${MONTHS[then.getMonth()]} ${then.getFullYear()}, ${pad(then.getHours())}:${pad(then.getMinutes())}`;
}

export function fileSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function contactName(contact) {
  if (!contact) return "Visitor";
  return (contact.name || "").trim() || (contact.email || "").trim() || "Visitor";
}

export function initials(name) {
  const words = String(name || "").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "?";
  const letters = words.length === 1 ? [...words[0]].slice(0, 2) : [[...words[0]][0], [...words.at(-1)][0]];
  return letters.join("").toUpperCase();
}

/** What a list row shows of a message: its text on one line, or what it carries. */
export function previewOf(message) {
  if (!message) return "";
  if (message.sender_kind === "system") return describeEvent(message, () => "");
  const text = String(message.body || "").replace(/\s+/g, " ").trim();
  const files = (message.attachments || []).length;
  const body = text || (files ? `📎 ${files === 1 ? message.attachments[0].filename : `${files} files`}` : "");
  return message.private ? `Note: ${body}` : body;
}

const cap = (text) => text.charAt(0).toUpperCase() + text.slice(1);

// Why the bot handed off, in words (bot/reasons.py REASON_WORDS says the same).
const HANDOFF_REASONS = {
  asked_for_human: "the visitor asked for a person",
  low_confidence: "the knowledge base has no good answer",
  not_supported: "the sources do not support an answer",
  llm_failed: "the language model failed",
  bot_disabled: "the bot was switched off",
  keyword: "the message has an escalation keyword",
  unhelpful_answers: "the visitor found its answers unhelpful",
  negative_sentiment: "the visitor sounds upset",
};

/** A system message in words; `nameOf(memberId)` gives a member's name ("" when unknown). */
export function describeEvent(message, nameOf) {
  const data = message.data || {};
  const who = (id) => (id && nameOf(id)) || "someone";
  const actor = message.sender_member_id ? nameOf(message.sender_member_id) : "";
  // A member's name is shown as written; a sentence without one starts with a capital.
  const by = (phrase) => (actor ? `${actor} ${phrase}` : cap(phrase));
  switch (message.event) {
    case "assigned":
      if (data.reason === "auto") return `Assigned to ${who(data.assignee_id)} automatically`;
      if (actor && message.sender_member_id === data.assignee_id) return `${actor} took this conversation`;
      return by(`assigned this to ${who(data.assignee_id)}`);
    case "unassigned":
      if (data.reason === "member_offline" || data.reason === "presence_lost")
        return `Unassigned from ${who(data.previous_assignee_id)} (went offline)`;
      return by(`unassigned ${who(data.previous_assignee_id)}`);
    case "bot_started":
      return "The bot is answering";
    case "handed_off":
      return HANDOFF_REASONS[data.reason]
        ? `The bot handed this conversation to the team: ${HANDOFF_REASONS[data.reason]}`
        : "The bot handed this conversation to the team";
    case "team_changed":
      return by(data.team_id ? "moved this to another team" : "removed the team");
    case "reopened":
      if (data.reason === "contact_replied") return "Reopened: the contact replied";
      if (data.reason === "snooze_ended") return "Reopened: the snooze ended";
      return by("reopened this conversation");
    case "pending":
      return by("set this to pending");
    case "snoozed":
      return by(`snoozed this until ${data.until ? fullTime(data.until) : "later"}`);
    case "resolved":
      return by("resolved this conversation");
    case "priority_changed":
      return by(`set the priority to ${data.priority || "none"}`);
    case "labels_changed": {
      const parts = [];
      const labels = (list) => `the label${list.length > 1 ? "s" : ""} ${list.join(", ")}`;
      if ((data.added || []).length) parts.push(`added ${labels(data.added)}`);
      if ((data.removed || []).length) parts.push(`removed ${labels(data.removed)}`);
      return by(parts.length ? `${parts.join(" and ")}` : "changed the labels");
    }
    case "merged_into":
      return by(`merged this into #${data.number}`);
    case "merged_from":
      return `#${data.number} was merged into this conversation`;
    default:
      return cap(String(message.event || "update").replace(/_/g, " "));
  }
}

/** The snooze presets at `now`: in an hour, tomorrow 9:00, next Monday 9:00. */
export function snoozePresets(now = new Date()) {
  const hour = new Date(now.getTime() + HOUR);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0);
  const untilMonday = ((8 - now.getDay()) % 7) || 7;
  const nextWeek = new Date(now.getFullYear(), now.getMonth(), now.getDate() + untilMonday, 9, 0, 0);
  return [
    { key: "hour", label: "1 hour", until: hour },
    { key: "tomorrow", label: "Tomorrow, 9:00", until: tomorrow },
    { key: "week", label: "Next week, Mon 9:00", until: nextWeek },
  ];
}

/** The value of a local `<input type="datetime-local">` as a Date, or null. */
export function parseLocalDateTime(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(value || ""));
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const date = new Date(y, mo - 1, d, h, mi, 0);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Labels typed as "billing, vip" -> ["billing", "vip"] (the server normalises further). */
export function parseLabels(text) {
  const seen = new Set();
  for (const part of String(text || "").split(",")) {
    const label = part.trim().toLowerCase();
    if (label) seen.add(label);
  }
  return [...seen];
}

/** A browser's user agent in a few words: "Chrome 126 on macOS". */
export function describeBrowser(userAgent) {
  const ua = String(userAgent || "");
  if (!ua) return "";
  const browsers = [
    [/Edg\/(\d+)/, "Edge"],
    [/OPR\/(\d+)/, "Opera"],
    [/Firefox\/(\d+)/, "Firefox"],
    [/Chrome\/(\d+)/, "Chrome"],
    [/Version\/(\d+).*Safari/, "Safari"],
  ];
  const systems = [
    [/Windows/, "Windows"],
    [/Android/, "Android"],
    [/iPhone|iPad/, "iOS"],
    [/Mac OS X/, "macOS"],
    [/Linux/, "Linux"],
  ];
  const browser = browsers.find(([pattern]) => pattern.test(ua));
  const system = systems.find(([pattern]) => pattern.test(ua));
  const name = browser ? `${browser[1]} ${browser[0].exec(ua)[1]}` : "A browser";
  return system ? `${name} on ${system[1]}` : name;
}

/**
 * How a colleague shows in the dashboard: "away" while they chose online but have no dashboard
 * open (every tab closed; after the grace period the server sets them offline), otherwise
 * the availability they chose.
 */
export function presenceOf(member, connected) {
  const chosen = member?.availability || "offline";
  return chosen === "online" && !connected ? "away" : chosen;
}
