// Rules about the dashboard's scripts as a whole: our own modules only, and no API that turns
// a string into HTML or code (RELIABILITY.md, Isolation 9).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const STATIC = new URL("../../../src/helpline/dashboard/static/", import.meta.url).pathname;
const files = readdirSync(STATIC).filter((name) => name.endsWith(".js"));
const source = (name) => readFileSync(join(STATIC, name), "utf8");

test("no API that parses a string as HTML or runs it as code", () => {
  const banned = /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|createContextualFragment|setHTMLUnsafe|\.srcdoc\b|setAttribute\(\s*["']style|setAttribute\(\s*["']on/;
  for (const name of files) {
    source(name).split("\n").forEach((line, index) => {
      assert.ok(!banned.test(line), `${name}:${index + 1}: ${line.trim()}`);
    });
  }
});

test("every import is one of our own modules: beside it, or served by Helpline itself", () => {
  for (const name of files) {
    for (const [, target] of source(name).matchAll(/^\s*(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
      assert.match(target, /^(\.\/[a-z0-9-]+\.js|\/[a-z0-9/_-]+\.js)$/, `${name} imports ${target}`);
      if (target.startsWith("./")) assert.ok(files.includes(target.slice(2)), `${name} imports missing ${target}`);
    }
    assert.ok(!/\bimport\(/.test(source(name)), `${name}: no dynamic import`);
  }
});

test("templates carry no inline script or style (the CSP forbids both)", () => {
  const templates = new URL("../../../src/helpline/dashboard/templates/app/", import.meta.url).pathname;
  for (const name of readdirSync(templates)) {
    const text = readFileSync(join(templates, name), "utf8");
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(text), `${name}: inline <script>`);
    assert.ok(!/<style\b|\sstyle=|\son[a-z]+=/i.test(text), `${name}: inline style or handler`);
  }
});
