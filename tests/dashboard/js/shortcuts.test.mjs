// Shortcuts map keys to actions, and never fire while typing or with a modifier held.

import assert from "node:assert/strict";
import { test } from "node:test";

import { SHORTCUTS, actionFor, isTypingTarget } from "../../../src/helpline/dashboard/static/shortcuts.js";

const key = (k, target = { tagName: "BODY" }, extra = {}) => ({ key: k, target, ...extra });

test("each key has its action", () => {
  const expected = { j: "next", k: "previous", Enter: "open", o: "open", r: "reply", n: "note", a: "assign-me", e: "resolve", s: "snooze", "/": "search", "?": "help" };
  for (const [k, action] of Object.entries(expected)) assert.equal(actionFor(key(k)), action, k);
  assert.equal(actionFor(key("x")), null);
  assert.equal(new Set(SHORTCUTS.flatMap((s) => s.keys)).size, Object.keys(expected).length);
});

test("never while typing, with a modifier, in a dialog, or on a button's Enter", () => {
  for (const target of [{ tagName: "TEXTAREA" }, { tagName: "INPUT", type: "search" }, { tagName: "INPUT" }, { tagName: "SELECT" }, { tagName: "DIV", isContentEditable: true }]) {
    assert.equal(isTypingTarget(target), true);
    assert.equal(actionFor(key("r", target)), null);
  }
  assert.equal(isTypingTarget({ tagName: "INPUT", type: "checkbox" }), false);
  assert.equal(actionFor(key("r", { tagName: "BODY" }, { ctrlKey: true })), null);
  assert.equal(actionFor(key("r", { tagName: "BODY" }, { metaKey: true })), null);
  assert.equal(actionFor(key("r"), { dialogOpen: true }), null);
  assert.equal(actionFor(key("Enter", { tagName: "BUTTON" })), null);
  assert.equal(actionFor(key("e", { tagName: "BUTTON" })), "resolve");
  assert.equal(actionFor(key("e", { tagName: "BODY" }, { defaultPrevented: true })), null);
});
