import assert from "node:assert/strict";
import { test } from "node:test";

import { direction, LOCALES, pickLocale, STRINGS, t } from "../../src/helpline/widget/static/i18n.js";

test("the five languages are there, each with every English key", () => {
  assert.deepEqual([...LOCALES].sort(), ["ar", "de", "en", "es", "fr"]);
  const keys = Object.keys(STRINGS.en).sort();
  for (const locale of LOCALES) {
    assert.deepEqual(Object.keys(STRINGS[locale]).sort(), keys, locale);
    for (const [key, value] of Object.entries(STRINGS[locale])) {
      assert.ok(value.trim(), `${locale}.${key} is empty`);
      const wanted = (STRINGS.en[key].match(/\{\w+\}/g) || []).sort();
      assert.deepEqual((value.match(/\{\w+\}/g) || []).sort(), wanted, `${locale}.${key}`);
    }
  }
});

test("the language comes from the browser's list, then the workspace, then English", () => {
  assert.equal(pickLocale(["fr-CA", "en-US"]), "fr");
  assert.equal(pickLocale(["pt-BR", "es_MX"]), "es");
  assert.equal(pickLocale(["pt-BR"], "de"), "de");
  assert.equal(pickLocale(["pt-BR"], "pt"), "en");
  assert.equal(pickLocale(undefined), "en");
  assert.equal(pickLocale(["AR"]), "ar");
});

test("Arabic is right to left, the others left to right", () => {
  assert.equal(direction("ar"), "rtl");
  for (const locale of ["en", "es", "fr", "de"]) assert.equal(direction(locale), "ltr");
});

test("placeholders are filled as text; unknown keys and languages fall back", () => {
  assert.equal(t("en", "chatWith", { name: "<b>Acme</b>" }), "Chat with <b>Acme</b>");
  assert.equal(t("de", "typing", { name: "Ada" }), "Ada schreibt…");
  assert.equal(t("xx", "send"), "Send");
  assert.equal(t("en", "no-such-key"), "no-such-key");
  assert.equal(t("en", "chatWith"), "Chat with {name}");
  assert.equal(t("en", "chatWith", { name: "$&" }), "Chat with $&");
});
