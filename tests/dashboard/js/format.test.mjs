// Formatting and link safety: what the inbox shows of server text and times.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  contactName,
  describeBrowser,
  describeEvent,
  fileSize,
  initials,
  parseLabels,
  parseLocalDateTime,
  presenceOf,
  previewOf,
  safeHref,
  shortAge,
  snoozePresets,
  tokenize,
} from "../../../src/helpline/dashboard/static/format.js";

test("only http, https and mailto addresses become links", () => {
  assert.equal(safeHref("https://shop.example/a?b=1"), "https://shop.example/a?b=1");
  assert.equal(safeHref("www.shop.example"), "https://www.shop.example/");
  assert.equal(safeHref("mailto:ada@example.com"), "mailto:ada@example.com");
  for (const hostile of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x", "file:///etc/passwd", "http://", "", null]) {
    assert.equal(safeHref(hostile), null, String(hostile));
  }
});

test("tokenize keeps the text whole and links only what is safe", () => {
  const text = "see https://track.example/1042). or javascript:alert(1) <img src=x onerror=alert(1)>";
  const segments = tokenize(text);
  assert.equal(segments.map((s) => s.text).join(""), text);
  assert.deepEqual(segments.filter((s) => s.type === "link").map((s) => s.href), ["https://track.example/1042"]);
  assert.deepEqual(tokenize("(see https://a.example/x_(y))"), [
    { type: "text", text: "(see " },
    { type: "link", text: "https://a.example/x_(y)", href: "https://a.example/x_(y)" },
    { type: "text", text: ")" },
  ]);
});

test("ages are short in the list", () => {
  const now = new Date(2026, 10, 22, 12, 0, 0);
  const ago = (ms) => new Date(now.getTime() - ms).toISOString();
  assert.equal(shortAge(ago(10_000), now), "now");
  assert.equal(shortAge(ago(5 * 60_000), now), "5m");
  assert.equal(shortAge(ago(3 * 3600_000), now), "3h");
  assert.equal(shortAge(new Date(2026, 2, 12).toISOString(), now), "12 Mar");
  assert.equal(shortAge(new Date(2024, 2, 12).toISOString(), now), "12 Mar 2024");
  assert.equal(shortAge("garbage", now), "");
});

test("names, initials, sizes and previews", () => {
  assert.equal(contactName({ name: " ", email: "ada@example.com" }), "ada@example.com");
  assert.equal(contactName({ name: null, email: null }), "Visitor");
  assert.equal(initials("Ada King Lovelace"), "AL");
  assert.equal(initials("ada"), "AD");
  assert.equal(initials(""), "?");
  assert.equal(fileSize(512), "512 B");
  assert.equal(fileSize(2048), "2.0 KB");
  assert.equal(fileSize(3 * 1024 * 1024), "3.0 MB");
  assert.equal(previewOf({ sender_kind: "contact", body: "Hello\n\n  there", attachments: [] }), "Hello there");
  assert.equal(previewOf({ sender_kind: "agent", private: true, body: "check", attachments: [] }), "Note: check");
  assert.equal(previewOf({ sender_kind: "contact", body: "", attachments: [{ filename: "a.png" }] }), "📎 a.png");
});

test("system messages in words", () => {
  const names = { m1: "Ada", m2: "Grace" };
  const nameOf = (id) => names[id] || "";
  const event = (kind, data, by = "m1") => describeEvent({ event: kind, data, sender_member_id: by }, nameOf);
  assert.equal(event("assigned", { assignee_id: "m2" }), "Ada assigned this to Grace");
  assert.equal(event("assigned", { assignee_id: "m1" }), "Ada took this conversation");
  assert.equal(event("assigned", { assignee_id: "m2", reason: "auto" }, null), "Assigned to Grace automatically");
  assert.equal(event("resolved", {}, null), "Resolved this conversation");
  assert.equal(event("labels_changed", { added: ["vip"], removed: ["billing"] }), "Ada added the label vip and removed the label billing");
  assert.equal(event("reopened", { reason: "contact_replied" }, null), "Reopened: the contact replied");
  assert.equal(event("merged_into", { number: 7 }), "Ada merged this into #7");
  assert.equal(event("something_new", {}), "Something new");
});

test("snooze presets: in an hour, tomorrow at 9, next Monday at 9", () => {
  const friday = new Date(2026, 10, 20, 16, 30);
  const [hour, tomorrow, week] = snoozePresets(friday);
  assert.equal(hour.until.getTime() - friday.getTime(), 3600_000);
  assert.deepEqual([tomorrow.until.getDate(), tomorrow.until.getHours()], [21, 9]);
  assert.deepEqual([week.until.getDay(), week.until.getDate(), week.until.getHours()], [1, 23, 9]);
  const monday = new Date(2026, 10, 23, 8, 0);
  assert.equal(snoozePresets(monday)[2].until.getDate(), 30);
});

test("typed values: dates, labels, browsers", () => {
  assert.deepEqual(parseLocalDateTime("2030-01-07T09:30"), new Date(2030, 0, 7, 9, 30));
  assert.equal(parseLocalDateTime("soon"), null);
  assert.deepEqual(parseLabels(" Billing, vip,,billing "), ["billing", "vip"]);
  const chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
  assert.equal(describeBrowser(chrome), "Chrome 126 on macOS");
  assert.equal(describeBrowser(""), "");
});

test("a colleague who chose online shows away with no dashboard open", () => {
  assert.equal(presenceOf({ availability: "online" }, true), "online");
  assert.equal(presenceOf({ availability: "online" }, false), "away");
  assert.equal(presenceOf({ availability: "busy" }, false), "busy");
  assert.equal(presenceOf({ availability: "offline" }, true), "offline");
  assert.equal(presenceOf(undefined, false), "offline");
});

test("a bot hand-off says why, in the words of bot/reasons.py", () => {
  const event = (data) => describeEvent({ event: "handed_off", data }, () => "");
  assert.equal(event({ reason: "keyword" }), "The bot handed this conversation to the team: the message has an escalation keyword");
  assert.equal(event({ reason: "negative_sentiment" }), "The bot handed this conversation to the team: the visitor sounds upset");
  assert.equal(event({ reason: "from_a_later_version" }), "The bot handed this conversation to the team");
});
