// Agent assist in the conversation view. "Suggest a reply" asks the API for a reply drafted
// from the knowledge base and puts it in the composer, to edit and send (nothing is sent by
// itself), with its sources listed under it; "Summary" shows a summary of the conversation
// in the side panel. Server text goes in as text only (dom.js h()).

import { openDialog } from "./dialogs.js";
import { $, fill, h } from "./dom.js";

export function createAssist({ api, draft, failed }) {
  const suggestButton = $("[data-assist-suggest]");
  const summaryButton = $("[data-assist-summarise]");
  const sources = $("[data-assist-sources]");
  const side = $("[data-side]");
  const panel = $("[data-assist-summary]");
  let conversationId = null;
  // Which conversation the sources and the summary on screen belong to.
  let shownFor = null;
  let summaryShown = false;
  let contactOnSide = false;

  const path = (id, what) => `/api/v1/conversations/${encodeURIComponent(id)}/${what}`;

  async function busyWhile(button, label, work) {
    const idle = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = label;
    try {
      await work();
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = idle;
    }
  }

  function showSources(suggestion) {
    const list = suggestion.sources.map((source, index) =>
      h("li", {}, h("button", { type: "button", class: "link-button", dataset: { source: source.source_id }, onclick: () => openSource(source, index + 1) }, `[${index + 1}] ${source.title}`)),
    );
    fill(
      sources,
      suggestion.body
        ? [h("span", { class: "assist-label", text: "Suggested from:" }), h("ul", { class: "assist-source-list" }, list)]
        : h("span", { class: "assist-none", text: `No suggestion: ${suggestion.detail}` }),
    );
    sources.hidden = false;
  }

  function openSource(source, number) {
    const kind = source.source_kind === "faq" ? "FAQ entry" : "Article";
    openDialog(`[${number}] ${source.title}`, h("div", { class: "stack" }, h("p", { class: "muted", text: `${kind}: the passage the suggestion was drafted from.` }), h("blockquote", { class: "assist-excerpt", text: source.excerpt })));
  }

  function suggest() {
    const id = conversationId;
    if (!id) return;
    return busyWhile(suggestButton, "Suggesting…", async () => {
      const suggestion = await api.post(path(id, "suggested-reply"));
      if (conversationId !== id) return;
      shownFor = id;
      if (suggestion.body) draft(suggestion.body);
      showSources(suggestion);
    });
  }

  function summarise() {
    const id = conversationId;
    if (!id) return;
    return busyWhile(summaryButton, "Summarising…", async () => {
      const summary = await api.post(path(id, "summary"));
      if (conversationId !== id) return;
      shownFor = id;
      const body = summary.points.length
        ? h("dl", { class: "fields assist-points" }, summary.points.map((point) => h("div", { class: "field-row" }, h("dt", { text: point.label }), h("dd", { text: point.text }))))
        : h("p", { class: "assist-summary-text", text: summary.text });
      const by = summary.written_by === "model" ? "Written by the language model" : "Quoted from the conversation";
      fill(
        panel,
        h("div", { class: "assist-summary-head" }, h("h3", { id: "assist-summary-title", text: "Summary" }), h("button", { type: "button", class: "button button-small", "aria-label": "Hide the summary", text: "Hide", onclick: hideSummary })),
        body,
        h("p", { class: "muted assist-summary-by", text: `${by} · ${summary.messages_read} messages read` }),
      );
      panel.hidden = false;
      summaryShown = true;
      side.hidden = false;
    });
  }

  function hideSummary() {
    summaryShown = false;
    panel.hidden = true;
    fill(panel);
    side.hidden = !contactOnSide;
    summaryButton.focus();
  }

  /** Called on every render of the page: a new conversation clears what was shown. */
  function render(id, { contactShown, merged = false }) {
    conversationId = id;
    if (shownFor && shownFor !== id) {
      shownFor = null;
      summaryShown = false;
      fill(sources);
      sources.hidden = true;
      fill(panel);
      panel.hidden = true;
    }
    suggestButton.hidden = summaryButton.hidden = !id;
    // A merged conversation takes no replies (the composer is disabled too).
    if (!suggestButton.hasAttribute("aria-busy")) suggestButton.disabled = merged;
    contactOnSide = contactShown;
    side.hidden = !contactShown && !summaryShown;
  }

  /** The composer sent its message: the sources were the draft's, now gone. */
  function sent() {
    fill(sources);
    sources.hidden = true;
  }

  suggestButton.addEventListener("click", suggest);
  summaryButton.addEventListener("click", summarise);
  return { render, sent, suggest, summarise };
}
