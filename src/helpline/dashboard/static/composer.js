// The composer: Enter sends, Shift+Enter breaks the line; Reply or Private note; canned
// responses after "/"; @mentions of members in notes; files with upload progress. It hands
// a finished message to `onSend` and says when the agent types (`onTyping`).

import { $, fill, h } from "./dom.js";
import { fileSize } from "./format.js";
import { completionAt, mentionedIds } from "./state.js";

export function createComposer(root, { onSend, onTyping, searchCanned, members, upload }) {
  const text = $("[data-composer-text]", root);
  const menu = $("[data-composer-menu]", root);
  const filesList = $("[data-composer-files]", root);
  const fileInput = $("[data-composer-file]", root);
  const hint = $("[data-composer-hint]", root);
  let mode = "reply";
  let picked = new Map(); // member id -> name, chosen from the @ menu
  let files = []; // {key, name, size, progress, attachment, error}
  let choices = [];
  let active = 0;
  let completion = null;
  let lookup = 0;
  let disabled = false;

  function setMode(next) {
    mode = next;
    root.classList.toggle("note-mode", mode === "note");
    for (const tab of root.querySelectorAll("[data-mode]")) tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
    text.placeholder = mode === "note" ? "Write a private note: only your team sees it. @ to mention someone." : "Reply to the customer…  / for canned responses";
    hint.textContent = mode === "note" ? "Private note · Enter to add, Shift+Enter for a new line" : "Enter to send · Shift+Enter for a new line";
    closeMenu();
  }

  function closeMenu() {
    menu.hidden = true;
    text.setAttribute("aria-expanded", "false");
    choices = [];
    completion = null;
    text.removeAttribute("aria-activedescendant");
  }

  function showMenu(items, render) {
    choices = items;
    active = 0;
    if (!items.length) {
      menu.hidden = true;
      return;
    }
    fill(menu, items.map((item, index) => h("div", { id: `composer-choice-${index}`, class: ["menu-item", index === active && "active"], role: "option", dataset: { index }, onmousedown: (event) => { event.preventDefault(); choose(index); } }, render(item))));
    menu.hidden = false;
    text.setAttribute("aria-expanded", "true");
    text.setAttribute("aria-activedescendant", "composer-choice-0");
  }

  function highlight(step) {
    active = (active + step + choices.length) % choices.length;
    menu.querySelectorAll(".menu-item").forEach((el, index) => el.classList.toggle("active", index === active));
    text.setAttribute("aria-activedescendant", `composer-choice-${active}`);
  }

  function replaceCompletion(insert) {
    const caret = text.selectionStart;
    const before = text.value.slice(0, completion.start);
    const after = text.value.slice(caret);
    text.value = before + insert + after;
    const at = (before + insert).length;
    text.setSelectionRange(at, at);
  }

  function choose(index) {
    const item = choices[index];
    if (!item || !completion) return;
    if (completion.kind === "canned") replaceCompletion(item.body);
    else {
      picked.set(item.id, item.name);
      replaceCompletion(`@${item.name} `);
    }
    closeMenu();
    text.focus();
  }

  async function complete() {
    const found = completionAt(text.value, text.selectionStart, { note: mode === "note" });
    if (!found) return closeMenu();
    completion = found;
    const ticket = ++lookup;
    if (found.kind === "canned") {
      let items = [];
      try {
        items = await searchCanned(found.query);
      } catch {
        items = [];
      }
      if (ticket !== lookup || !completion) return;
      showMenu(items.slice(0, 8), (item) => [h("span", { class: "menu-shortcut", text: `/${item.shortcut}` }), h("span", { class: "menu-title", text: item.title }), h("span", { class: "menu-body muted", text: item.body })]);
    } else {
      const query = found.query.toLowerCase();
      const items = [...members().values()].filter((m) => m.name.toLowerCase().includes(query) || m.email.toLowerCase().startsWith(query)).slice(0, 8);
      showMenu(items, (m) => [h("span", { class: "menu-title", text: m.name }), h("span", { class: "menu-body muted", text: m.email })]);
    }
  }

  let cannedTimer = null;
  text.addEventListener("input", () => {
    onTyping(text.value.trim().length > 0, mode === "note");
    if (cannedTimer) clearTimeout(cannedTimer);
    // A short pause before asking the server, so a fast typist makes one request.
    cannedTimer = setTimeout(complete, text.value.startsWith("/") ? 120 : 0);
  });
  text.addEventListener("blur", () => {
    onTyping(false, mode === "note");
    setTimeout(closeMenu, 150);
  });
  text.addEventListener("keydown", (event) => {
    if (!menu.hidden && choices.length) {
      if (event.key === "ArrowDown") return event.preventDefault(), highlight(1);
      if (event.key === "ArrowUp") return event.preventDefault(), highlight(-1);
      if (event.key === "Enter" || event.key === "Tab") return event.preventDefault(), choose(active);
      if (event.key === "Escape") return event.preventDefault(), closeMenu();
    }
    if (event.key === "Escape") {
      text.blur();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  root.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  root.addEventListener("click", (event) => {
    const tab = event.target.closest("[data-mode]");
    if (tab) {
      setMode(tab.dataset.mode);
      text.focus();
    }
  });

  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files) startUpload(file);
    fileInput.value = "";
  });
  root.addEventListener("dragover", (event) => event.preventDefault());
  root.addEventListener("drop", (event) => {
    event.preventDefault();
    for (const file of event.dataTransfer.files) startUpload(file);
  });
  text.addEventListener("paste", (event) => {
    for (const file of event.clipboardData?.files || []) startUpload(file);
  });

  function startUpload(file) {
    const entry = { key: `${Date.now()}-${Math.random()}`, name: file.name, size: file.size, progress: 0, attachment: null, error: null };
    files = [...files, entry];
    renderFiles();
    upload(file, (fraction) => {
      entry.progress = fraction;
      renderFiles();
    })
      .then((attachment) => {
        entry.attachment = attachment;
        entry.progress = 1;
      })
      .catch((error) => {
        entry.error = error.message;
      })
      .finally(renderFiles);
  }

  function renderFiles() {
    fill(
      filesList,
      files.map((entry) => {
        const bar = h("span", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(entry.progress * 100)) }, h("span", { class: "progress-fill" }));
        bar.firstChild.style.width = `${Math.round(entry.progress * 100)}%`;
        return h(
          "li",
          { class: ["file-chip", entry.error && "failed", entry.attachment && "done"] },
          h("span", { class: "file-chip-name", text: entry.name }),
          h("span", { class: "muted", text: entry.error || fileSize(entry.size) }),
          entry.attachment || entry.error ? null : bar,
          h("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${entry.name}`, text: "×", onclick: () => { files = files.filter((f) => f !== entry); renderFiles(); } }),
        );
      }),
    );
  }

  function submit() {
    if (disabled) return;
    if (files.some((f) => !f.attachment && !f.error)) {
      hint.textContent = "Wait for the files to finish uploading.";
      return;
    }
    const body = text.value.trim();
    const ready = files.filter((f) => f.attachment).map((f) => f.attachment);
    if (!body && !ready.length) return;
    const note = mode === "note";
    onSend({ body, private: note, attachments: ready, mentions: note ? mentionedIds(body, picked) : [] });
    text.value = "";
    files = [];
    picked = new Map();
    renderFiles();
    closeMenu();
    onTyping(false, note);
  }

  setMode("reply");
  return {
    focus(nextMode) {
      if (nextMode) setMode(nextMode);
      text.focus();
    },
    /** A suggested reply, after what the agent already wrote: to edit, never sent by itself. */
    draft(body) {
      setMode("reply");
      text.value = text.value.trim() ? `${text.value.trimEnd()}\n\n${body}` : body;
      text.focus();
      text.setSelectionRange(text.value.length, text.value.length);
    },
    reset() {
      text.value = "";
      files = [];
      picked = new Map();
      renderFiles();
      setMode("reply");
    },
    setDisabled(value, reason = "") {
      disabled = value;
      text.disabled = value;
      root.classList.toggle("disabled", value);
      if (value) hint.textContent = reason;
      else setMode(mode);
    },
    get mode() {
      return mode;
    },
  };
}
