// What the agent does to a conversation from its actions bar or a shortcut: REST calls, and
// the dialogs for labels, snooze and merge. Each answer is applied at once (the socket's
// frames follow and change nothing more).

import { openDialog } from "./dialogs.js";
import { fill, h, toast } from "./dom.js";
import { contactName, parseLabels, parseLocalDateTime, snoozePresets } from "./format.js";

export function createActions({ api, current, applyConversation, me }) {
  const path = (suffix = "") => `/api/v1/conversations/${encodeURIComponent(current().id)}${suffix}`;

  async function run(call, done) {
    if (!current()) return;
    try {
      const conversation = await call();
      if (conversation && conversation.id) applyConversation(conversation);
      if (done) toast(done);
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
  }

  function editLabels() {
    if (!current()) return;
    const input = h("input", { type: "text", name: "labels", value: current().labels.join(", "), placeholder: "billing, vip" });
    openDialog("Labels", h("label", { class: "field" }, "Labels, separated by commas", input), {
      submitLabel: "Save labels",
      onSubmit: async () => {
        applyConversation(await api.put(path("/labels"), { labels: parseLabels(input.value) }));
        return true;
      },
    });
  }

  function snooze() {
    const conversation = current();
    if (!conversation || conversation.status === "resolved") return;
    const until = async (date) => {
      applyConversation(await api.post(path("/snooze"), { until: date.toISOString() }));
      toast("Snoozed.");
      return true;
    };
    const presets = snoozePresets(new Date()).map((preset) =>
      h("button", { type: "button", class: "button snooze-preset", dataset: { preset: preset.key }, text: preset.label, onclick: async () => {
        try {
          await until(preset.until);
          dialog.close();
        } catch (error) {
          toast(error.message, { kind: "error" });
        }
      } }),
    );
    const picker = h("input", { type: "datetime-local", name: "until", "aria-label": "Snooze until" });
    const dialog = openDialog("Snooze until…", h("div", { class: "stack" }, h("div", { class: "snooze-presets" }, presets), h("label", { class: "field" }, "Or pick a date and time", picker)), {
      submitLabel: "Snooze",
      onSubmit: async () => {
        const date = parseLocalDateTime(picker.value);
        if (!date || date <= new Date()) throw new Error("Pick a date and time in the future.");
        return until(date);
      },
    });
  }

  function merge(inbox) {
    const source = current();
    if (!source) return;
    let target = null;
    const query = h("input", { type: "search", name: "target", "aria-label": "Conversation number or search", placeholder: "#1042, a name, an email…" });
    const results = h("ul", { class: "merge-results", role: "listbox" });
    const show = (items) => {
      const candidates = items.filter((c) => c.id !== source.id && !c.merged_into_id);
      fill(results, candidates.length ? candidates.map((c) => h("li", {}, h("button", { type: "button", class: "merge-choice", dataset: { target: c.id }, onclick: (event) => {
        target = c;
        results.querySelectorAll(".merge-choice").forEach((b) => b.classList.toggle("active", b === event.currentTarget));
      } }, h("strong", { text: `#${c.number}` }), h("span", { text: contactName(c.contact) }), h("span", { class: "muted", text: c.subject || "" })))) : h("li", { class: "muted", text: "No conversation found." }));
    };
    let ticket = 0;
    query.addEventListener("input", async () => {
      const text = query.value.trim().replace(/^#/, "");
      const mine = ++ticket;
      if (!text) return fill(results);
      const local = Object.values(inbox().rows).filter((c) => String(c.number) === text);
      let found = [];
      try {
        found = /^\d+$/.test(text) ? [] : (await api.get(`/api/v1/conversations?q=${encodeURIComponent(text)}&limit=10`)).items;
      } catch {
        found = [];
      }
      if (mine === ticket) show([...local, ...found.filter((c) => !local.some((l) => l.id === c.id))]);
    });
    openDialog(`Merge #${source.number} into…`, h("div", { class: "stack" }, h("p", { class: "muted", text: "This conversation will be resolved and become read-only; the conversation you pick carries on." }), query, results), {
      submitLabel: "Merge",
      onSubmit: async () => {
        if (!target) throw new Error("Pick the conversation to merge into.");
        applyConversation(await api.post(path("/merge"), { into_conversation_id: target.id }));
        toast(`Merged into #${target.number}.`);
        return true;
      },
    });
  }

  return {
    assignMe: () => run(() => api.post(path("/assign"), { member_id: me() }), "Assigned to you."),
    takeOver: () => run(() => api.post(path("/claim")), "You took over from the bot."),
    assign: (memberId) => run(() => api.post(path("/assign"), { member_id: memberId })),
    setTeam: (teamId) => run(() => api.post(path("/team"), { team_id: teamId })),
    setPriority: (priority) => run(() => api.patch(path(), { priority })),
    resolve: () => run(() => api.patch(path(), { status: "resolved" }), "Resolved."),
    reopen: () => run(() => api.patch(path(), { status: "open" }), "Reopened."),
    editLabels,
    snooze,
    merge,
  };
}
