import assert from "node:assert/strict";
import { test } from "node:test";

import { formatOpening, isEmail, offlineFields, prechatChanges, prefill, validate } from "../../src/helpline/widget/static/forms.js";

const FIELDS = [
  { key: "name", label: "Your name", kind: "name", required: true },
  { key: "email", label: "Email", kind: "email", required: true },
  { key: "order_number", label: "Order number", kind: "text", required: false },
];

test("required fields, emails and lengths are checked, in the visitor's language", () => {
  assert.deepEqual(validate(FIELDS, {}, "en"), {
    name: "Your name is required.",
    email: "Email is required.",
  });
  assert.deepEqual(validate(FIELDS, { name: "  ", email: "ada@" }, "en"), {
    name: "Your name is required.",
    email: "Enter a valid email address, like name@example.com.",
  });
  assert.deepEqual(validate(FIELDS, { name: "Ada", email: "ada@example.com" }, "en"), {});
  assert.match(validate(FIELDS, { email: "x" }, "fr").email, /adresse e-mail valide/);
  assert.ok(validate(FIELDS, { name: "Ada", email: "a@b.co", order_number: "x".repeat(1001) }, "en").order_number);
});

test("isEmail wants one @ and a dotted domain", () => {
  for (const good of ["a@b.co", " ada.l@example.com "]) assert.ok(isEmail(good), good);
  for (const bad of ["", "a", "a@b", "a b@c.d", "@b.co", null]) assert.ok(!isEmail(bad), String(bad));
});

test("answers split into the profile and attributes, empty ones left out", () => {
  assert.deepEqual(prechatChanges(FIELDS, { name: " Ada ", email: "ada@example.com", order_number: "" }), {
    profile: { name: "Ada", email: "ada@example.com" },
    attributes: {},
  });
  assert.deepEqual(prechatChanges(FIELDS, { order_number: "A-1" }), { profile: {}, attributes: { order_number: "A-1" } });
});

test("what is known of the visitor is filled in", () => {
  assert.deepEqual(prefill(FIELDS, { name: "Ada", email: null }), { name: "Ada" });
  assert.deepEqual(prefill(FIELDS, null), {});
});

test("the offline form wants an email and a message", () => {
  const fields = offlineFields("en");
  assert.deepEqual(Object.keys(validate(fields, {}, "en")).sort(), ["body", "email"]);
  assert.deepEqual(validate(fields, { email: "a@b.co", body: "Hi" }, "en"), {});
});

test("the next opening reads as a day and a time", () => {
  const now = new Date(2026, 10, 23, 20, 0).getTime();
  assert.match(formatOpening(new Date(2026, 10, 24, 9, 0).toISOString(), "en", now), /^tomorrow 09:00/);
  assert.match(formatOpening(new Date(2026, 10, 26, 9, 0).toISOString(), "en", now), /^Thursday 09:00/);
  assert.equal(formatOpening("nonsense", "en", now), "");
});
