import assert from "node:assert/strict";
import { test } from "node:test";

import {
  contrastRatio,
  formatTime,
  LINK_REL,
  logoSrc,
  readableTextColor,
  renderText,
  safeHref,
  tokenize,
} from "../../src/helpline/widget/static/format.js";
import { fakeDocument } from "./fake-dom.mjs";

test("a logo's address is used only when it is https", () => {
  assert.equal(logoSrc("https://cdn.acme.example/logo.png"), "https://cdn.acme.example/logo.png");
  assert.equal(logoSrc("HTTPS://CDN.acme.example/a b.svg"), "https://cdn.acme.example/a%20b.svg");
  for (const bad of [
    "http://cdn.acme.example/logo.png",
    "javascript:alert(1)",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "blob:https://cdn.acme.example/1",
    "//cdn.acme.example/logo.png",
    "https://user:secret@cdn.acme.example/logo.png",
    "logo.png",
    "",
    null,
    undefined,
    42,
  ]) {
    assert.equal(logoSrc(bad), null, String(bad));
  }
});

test("only http, https and mailto links are allowed", () => {
  assert.equal(safeHref("https://shop.example/a?b=1"), "https://shop.example/a?b=1");
  assert.equal(safeHref("http://shop.example"), "http://shop.example/");
  assert.equal(safeHref("mailto:help@shop.example"), "mailto:help@shop.example");
  assert.equal(safeHref("www.shop.example/x"), "https://www.shop.example/x");
  for (const bad of [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example",
    "https://",
    "",
    null,
    42,
  ]) {
    assert.equal(safeHref(bad), null, String(bad));
  }
});

test("tokenize finds links and gives back the text exactly", () => {
  const text = "See https://shop.example/help). Or mail help@x at mailto:help@shop.example, thanks!";
  const segments = tokenize(text);
  assert.equal(segments.map((s) => s.text).join(""), text);
  const links = segments.filter((s) => s.type === "link").map((s) => s.href);
  assert.deepEqual(links, ["https://shop.example/help", "mailto:help@shop.example"]);
});

test("a closing parenthesis stays in a link that opened one", () => {
  const [, link] = tokenize("wiki https://en.wikipedia.example/wiki/Foo_(bar) end");
  assert.equal(link.text, "https://en.wikipedia.example/wiki/Foo_(bar)");
});

test("script-like text is never a link and stays text", () => {
  for (const text of [
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.cookie)</script>",
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
  ]) {
    const segments = tokenize(text);
    assert.deepEqual(segments, [{ type: "text", text }]);
  }
});

test("renderText makes text nodes and safe links only", () => {
  const doc = fakeDocument();
  const fragment = renderText(doc, "<b>hi</b> https://shop.example/x?a=<script> javascript:alert(1)");
  const [first, link, last] = fragment.children;
  assert.equal(first.kind, "text");
  assert.equal(first.text, "<b>hi</b> ");
  assert.equal(link.name, "a");
  assert.equal(link.attributes.rel, LINK_REL);
  assert.equal(link.attributes.target, "_blank");
  // A link ends where HTML would start: "<" is never part of one.
  assert.equal(link.attributes.href, "https://shop.example/x?a=");
  assert.equal(last.kind, "text");
  assert.equal(last.text, "<script> javascript:alert(1)");
});

test("text colour on the brand colour meets WCAG AA", () => {
  // Any brand colour: a sweep of the RGB cube, every channel in steps of 17.
  for (let r = 0; r < 256; r += 17) {
    for (let g = 0; g < 256; g += 17) {
      for (let b = 0; b < 256; b += 17) {
        const brand = `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
        assert.ok(contrastRatio(brand, readableTextColor(brand)) >= 4.5, brand);
      }
    }
  }
  assert.equal(readableTextColor("#ffffff"), "#000000");
  assert.equal(readableTextColor("#1e3a8a"), "#ffffff");
  assert.equal(readableTextColor("not a colour"), "#ffffff");
});

test("formatTime shows hours and minutes, and nothing for a bad time", () => {
  assert.match(formatTime("2026-11-22T10:05:00Z", "en"), /\d{1,2}:05/);
  assert.equal(formatTime("nonsense", "en"), "");
  assert.equal(formatTime(null, "en"), "");
});
