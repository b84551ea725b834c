// The left columns: views with their live counts, status tabs, search and the conversation
// rows. It renders what state.js holds and reports clicks; it fetches nothing itself.

import { $, avatar, fill, h } from "./dom.js";
import { contactName, initials, previewOf, shortAge } from "./format.js";
import { STATUSES, orderedIds } from "./state.js";

const COUNT_OF = { mine: "mine", unassigned: "unassigned", all: "open" };

export function createInboxView(root, { onView, onOpen, onSearch }) {
  const rows = $("[data-rows]", root);
  const empty = $("[data-list-empty]", root);
  const search = $("[data-search]", root);
  const teamsList = $("[data-teams]", root);
  let lastIds = [];

  root.addEventListener("click", (event) => {
    const view = event.target.closest("[data-view]");
    if (view) {
      event.preventDefault();
      onView({ kind: view.dataset.view, teamId: view.dataset.team || null });
      return;
    }
    const tab = event.target.closest("[data-status]");
    if (tab) {
      onView({ status: tab.dataset.status });
      return;
    }
    const row = event.target.closest("[data-row]");
    if (row) {
      event.preventDefault();
      onOpen(row.dataset.row);
    }
  });
  $("[data-search-form]", root).addEventListener("submit", (event) => {
    event.preventDefault();
    onSearch(search.value.trim());
  });
  search.addEventListener("search", () => onSearch(search.value.trim()));

  function renderTeams(teams, me) {
    const mineFirst = [...teams].sort((a, b) => Number(b.member_ids.includes(me)) - Number(a.member_ids.includes(me)) || a.name.localeCompare(b.name));
    fill(
      teamsList,
      mineFirst.map((team) =>
        h("li", {}, h("a", { href: `/app?view=team&team=${encodeURIComponent(team.id)}`, class: "view-link", dataset: { view: "team", team: team.id } }, h("span", { class: "view-icon view-icon-team", "aria-hidden": "true" }), h("span", { class: "view-name", text: team.name }), h("span", { class: "badge", dataset: { teamCount: team.id }, hidden: true }))),
      ),
    );
    $("[data-teams-title]", root).hidden = teams.length === 0;
  }

  function renderViews(inbox) {
    for (const link of root.querySelectorAll("[data-view]")) {
      const active = link.dataset.view === inbox.view.kind && (link.dataset.view !== "team" || link.dataset.team === inbox.view.teamId);
      link.classList.toggle("active", active);
      if (active) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    for (const badge of root.querySelectorAll("[data-count]")) {
      const key = COUNT_OF[badge.dataset.count];
      const value = inbox.counts ? inbox.counts[key] : null;
      badge.textContent = value === null || value === undefined ? "" : String(value);
      badge.hidden = !value;
    }
    for (const badge of root.querySelectorAll("[data-team-count]")) {
      const value = inbox.counts?.teams ? inbox.counts.teams[badge.dataset.teamCount] : null;
      badge.textContent = value ? String(value) : "";
      badge.hidden = !value;
    }
    for (const tab of root.querySelectorAll("[data-status]")) {
      const selected = tab.dataset.status === inbox.view.status;
      tab.setAttribute("aria-selected", String(selected));
      tab.classList.toggle("active", selected);
      const count = inbox.counts && ["pending", "snoozed"].includes(tab.dataset.status) ? inbox.counts[tab.dataset.status] : null;
      const badge = tab.querySelector(".tab-count");
      if (badge) badge.textContent = count ? String(count) : "";
    }
    if (document.activeElement !== search) search.value = inbox.view.q || "";
  }

  function row(conversation, inbox, members, selected) {
    const name = contactName(conversation.contact);
    const unread = inbox.unread[conversation.id] || 0;
    const preview = inbox.previews[conversation.id];
    const assignee = conversation.assignee_id ? members.get(conversation.assignee_id) : null;
    const previewText = preview ? previewOf(preview) : conversation.subject || "";
    const meta = [];
    if (conversation.owner === "bot") meta.push(h("span", { class: "chip chip-bot", text: "Bot" }));
    if (conversation.priority && conversation.priority !== "none") meta.push(h("span", { class: ["chip", `priority-${conversation.priority}`], text: conversation.priority }));
    if (inbox.view.status !== conversation.status || inbox.view.q) meta.push(h("span", { class: ["chip", `status-${conversation.status}`], text: conversation.status }));
    for (const label of conversation.labels.slice(0, 2)) meta.push(h("span", { class: "tag", text: label }));
    meta.push(h("span", { class: "row-assignee", text: assignee ? assignee.name : conversation.owner === "bot" ? "" : "Unassigned" }));
    return h(
      "li",
      {
        class: ["conv-row", unread && "unread", selected && "selected", inbox.current === conversation.id && "current"],
        role: "option",
        "aria-selected": String(selected),
        dataset: { row: conversation.id },
      },
      h(
        "a",
        { href: `/app/conversations/${encodeURIComponent(conversation.id)}`, class: "row-link", tabindex: "-1" },
        avatar(name, conversation.contact && conversation.contact.id, initials),
        h(
          "span",
          { class: "row-body" },
          h("span", { class: "row-top" }, h("span", { class: "row-name", text: name }), h("span", { class: "row-number", text: `#${conversation.number}` }), h("time", { class: "row-time", datetime: conversation.last_activity_at, text: shortAge(conversation.last_activity_at) })),
          h("span", { class: "row-preview-line" }, h("span", { class: "row-preview", text: previewText }), unread ? h("span", { class: "badge badge-accent row-unread", "aria-label": `${unreadLabel(unread)} unread`, text: unreadLabel(unread) }) : null),
          h("span", { class: "row-meta" }, meta),
        ),
      ),
    );
  }

  function render(inbox, members, selectedId) {
    renderViews(inbox);
    const ids = orderedIds(inbox);
    lastIds = ids;
    fill(rows, ids.map((id) => row(inbox.rows[id], inbox, members, id === selectedId)));
    empty.hidden = !inbox.loaded || ids.length > 0;
    if (!empty.hidden) {
      empty.textContent = inbox.view.q ? `Nothing matches “${inbox.view.q}”.` : `No ${inbox.view.status} conversations here.`;
    }
    const chosen = rows.querySelector(".selected");
    if (chosen && typeof chosen.scrollIntoView === "function") chosen.scrollIntoView({ block: "nearest" });
  }

  return {
    render,
    renderTeams,
    focusSearch() {
      search.focus();
      search.select();
    },
    get ids() {
      return lastIds;
    },
    STATUSES,
  };
}

// The server counts unread messages up to 100 per conversation (a longer backlog is "99+").
function unreadLabel(count) {
  return count > 99 ? "99+" : String(count);
}
