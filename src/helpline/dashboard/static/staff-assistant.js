// The staff assistant: "Ask the assistant" in the inbox header opens a dialog where a member
// asks a question; the answer comes from the tools their role is offered (the knowledge base
// for everyone, the workspace's figures for owners and admins, decided by the server) and
// shows below the question as text, with its sources. Server text goes in as text only.

import { openDialog } from "./dialogs.js";
import { fill, h } from "./dom.js";

const MAX_QUESTION = 1000;
const TOOL_WORDS = { search_knowledge: "the knowledge base", workspace_figures: "the workspace's figures" };
const KIND_WORDS = { faq: "FAQ entry", article: "article" };

function answerNodes(result) {
  const used = [...new Set(result.tools_used)].map((name) => TOOL_WORDS[name] || name);
  const how = result.written_by === "model" ? "Written by the language model" : "Found without a language model";
  const nodes = [h("p", { class: "staff-answer-text", text: result.answer })];
  if (result.sources.length) {
    nodes.push(
      h("h3", { class: "staff-answer-heading", text: "Sources" }),
      h("ul", { class: "staff-sources" }, result.sources.map((s) => h("li", { text: `${s.title} (${KIND_WORDS[s.source_kind] || s.source_kind})` }))),
    );
  }
  nodes.push(h("p", { class: "muted staff-answer-how", text: used.length ? `${how}, from ${used.join(" and ")}.` : `${how}.` }));
  return nodes;
}

export function createStaffAssistant({ api, failed }) {
  function open() {
    const question = h("textarea", { id: "staff-question", name: "question", rows: 3, maxlength: MAX_QUESTION, required: true, "aria-describedby": "staff-question-hint", dataset: { staffQuestion: "" } });
    const answer = h("div", { class: "staff-answer", role: "region", "aria-label": "The assistant's answer", "aria-live": "polite", hidden: true, dataset: { staffAnswer: "" } });
    const body = h(
      "div",
      { class: "staff-assistant" },
      h("label", { for: "staff-question", text: "Your question" }),
      question,
      h("p", { id: "staff-question-hint", class: "muted", text: "Enter asks, Shift+Enter starts a new line. The assistant searches the knowledge base; owners and admins can also ask for the workspace's figures." }),
      answer,
    );
    const ask = async (form, submitter) => {
      const text = question.value.trim();
      if (!text) throw new Error("Write a question first.");
      const button = submitter || form.querySelector("button[type=submit]");
      button.disabled = true;
      answer.setAttribute("aria-busy", "true");
      answer.hidden = false;
      fill(answer, h("p", { class: "muted", text: "Looking it up…" }));
      try {
        fill(answer, answerNodes(await api.post("/api/v1/assistant", { question: text })));
      } catch (error) {
        answer.hidden = true;
        if (error?.sessionEnded) failed(error);
        throw error;
      } finally {
        button.disabled = false;
        answer.removeAttribute("aria-busy");
      }
      // The dialog stays open: the answer is read in it, and another question can follow.
      return false;
    };
    const dialog = openDialog("Ask the assistant", body, { submitLabel: "Ask", onSubmit: ask });
    question.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        dialog.querySelector("form").requestSubmit();
      }
    });
  }
  return { open };
}
