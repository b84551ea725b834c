// Rules about the widget's source as a whole: our own modules only, and no API that turns a
// string into HTML or code (RELIABILITY.md, Isolation 9).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const STATIC = new URL("../../src/helpline/widget/static/", import.meta.url).pathname;
const files = readdirSync(STATIC).filter((name) => name.endsWith(".js"));
const source = (name) => readFileSync(join(STATIC, name), "utf8");

test("no API that parses a string as HTML or runs it as code", () => {
  const banned = /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|createContextualFragment|setHTMLUnsafe|\.srcdoc\b/;
  for (const name of files) {
    const lines = source(name).split("\n");
    lines.forEach((line, index) => {
      assert.ok(!banned.test(line), `${name}:${index + 1}: ${line.trim()}`);
    });
  }
});

test("every import is one of our own modules, by a relative path", () => {
  for (const name of files) {
    for (const [, target] of source(name).matchAll(/^\s*(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
      assert.match(target, /^\.\/[a-z0-9-]+\.js$/, `${name} imports ${target}`);
      assert.ok(files.includes(target.slice(2)), `${name} imports missing ${target}`);
    }
    // Loaded when the widget first opens (ui.js): our own modules only, by a literal path.
    for (const [, target] of source(name).matchAll(/\bimport\(([^)]*)\)/g)) {
      assert.match(target, /^"\.\/[a-z0-9-]+\.js"$/, `${name}: dynamic import of ${target}`);
      assert.ok(files.includes(target.slice(3, -1)), `${name} imports missing ${target}`);
    }
  }
});
