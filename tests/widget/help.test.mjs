// The help screen's results: only what is safe to show reaches the page.

import assert from "node:assert/strict";
import { test } from "node:test";

import { helpResults } from "../../src/helpline/widget/static/screens.js";

test("articles keep only http(s) addresses and every field becomes text", () => {
  const found = helpResults({
    articles: [
      { title: "Returns", snippet: "Within 30 days.", url: "https://help.example/help/shop/articles/returns" },
      { title: "Evil", snippet: "x", url: "javascript:alert(1)" },
      { title: "Mail", snippet: "x", url: "mailto:a@example.com" },
      { title: "Data", snippet: "x", url: "data:text/html,<script>alert(1)</script>" },
      { title: 42, snippet: null, url: "http://help.example/a" },
    ],
    faqs: [{ question: "<img src=x onerror=alert(1)>", answer: 7 }],
  });

  assert.deepEqual(found.articles, [
    { title: "Returns", snippet: "Within 30 days.", href: "https://help.example/help/shop/articles/returns" },
    { title: "42", snippet: "", href: "http://help.example/a" },
  ]);
  assert.deepEqual(found.faqs, [{ question: "<img src=x onerror=alert(1)>", answer: "7" }]);
});

test("a failed search is null, an empty one is empty", () => {
  assert.equal(helpResults(null), null);
  assert.deepEqual(helpResults({}), { articles: [], faqs: [] });
});
