// One modal dialog, filled for each use: the help list, labels, snooze, merge, assign.

import { $, fill, h } from "./dom.js";

/** Shows `body` in the page's dialog; `onSubmit(form)` runs on the primary button and
 * closes the dialog when it resolves true. Returns the dialog element. */
export function openDialog(title, body, { submitLabel = null, onSubmit = null } = {}) {
  const dialog = $("[data-dialog]");
  const error = h("p", { class: "alert alert-error", role: "alert", hidden: true });
  const buttons = [h("button", { type: "button", class: "button", text: submitLabel ? "Cancel" : "Close", onclick: () => dialog.close() })];
  if (submitLabel) buttons.push(h("button", { type: "submit", class: "button button-primary", text: submitLabel }));
  const form = h("form", { class: "dialog-form", method: "dialog" }, h("h2", { text: title }), error, body, h("div", { class: "dialog-buttons" }, buttons));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!onSubmit) return dialog.close();
    error.hidden = true;
    try {
      if (await onSubmit(form, event.submitter)) dialog.close();
    } catch (failed) {
      error.textContent = failed.message;
      error.hidden = false;
    }
  });
  fill(dialog, form);
  dialog.showModal();
  const first = form.querySelector("input, select, textarea, [data-autofocus]");
  if (first) first.focus();
  return dialog;
}

export function dialogOpen() {
  const dialog = $("[data-dialog]");
  return Boolean(dialog && dialog.open);
}
