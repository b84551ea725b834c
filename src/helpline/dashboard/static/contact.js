// The right column: who the customer is (identity, attributes, where they are writing from)
// and their previous conversations.

import { avatar, fill, h, renderText } from "./dom.js";
import { contactName, describeBrowser, fullTime, initials, shortAge } from "./format.js";

const BROWSER_FIELDS = [
  ["page_url", "Page"],
  ["page_title", "Page title"],
  ["referrer", "Came from"],
  ["language", "Language"],
  ["timezone", "Time zone"],
];

function field(label, value, { link = false } = {}) {
  if (value === null || value === undefined || value === "") return null;
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return h("div", { class: "field-row" }, h("dt", { text: label }), h("dd", {}, link ? renderText(text) : text));
}

export function createContactView(root, { onOpen }) {
  function render(contact, previous, currentId) {
    if (!contact) {
      fill(root);
      root.hidden = true;
      return;
    }
    root.hidden = false;
    const name = contactName(contact);
    const browser = contact.browser || {};
    const attributes = Object.entries(contact.attributes || {});
    const others = (previous || []).filter((c) => c.id !== currentId);
    fill(
      root,
      h("section", { class: "contact-card" },
        h("div", { class: "contact-head" }, avatar(name, contact.id, initials), h("div", {}, h("h2", { class: "contact-name", text: name }), contact.email ? h("p", { class: "muted contact-email", text: contact.email }) : null)),
        h("dl", { class: "fields" },
          field("Email", contact.email),
          field("Phone", contact.phone),
          field("External id", contact.external_id),
          field("First seen", contact.first_seen_at && fullTime(contact.first_seen_at)),
          field("Last seen", contact.last_seen_at && fullTime(contact.last_seen_at)),
        ),
      ),
      attributes.length ? h("section", { class: "contact-section" }, h("h3", { text: "Attributes" }), h("dl", { class: "fields" }, attributes.map(([key, value]) => field(key, value)))) : null,
      h("section", { class: "contact-section" },
        h("h3", { text: "Page and browser" }),
        h("dl", { class: "fields" }, BROWSER_FIELDS.map(([key, label]) => field(label, browser[key], { link: key === "page_url" || key === "referrer" })), field("Browser", describeBrowser(browser.user_agent))),
        Object.keys(browser).length ? null : h("p", { class: "muted", text: "Nothing known yet." }),
      ),
      h("section", { class: "contact-section" },
        h("h3", { text: "Previous conversations" }),
        others.length
          ? h("ul", { class: "previous" }, others.map((c) => h("li", {}, h("a", { href: `/app/conversations/${encodeURIComponent(c.id)}`, dataset: { previous: c.id }, onclick: (event) => { event.preventDefault(); onOpen(c.id); } }, h("span", { class: "previous-top" }, h("span", { text: `#${c.number}` }), h("span", { class: ["chip", `status-${c.status}`], text: c.status }), h("time", { class: "muted", datetime: c.last_activity_at, text: shortAge(c.last_activity_at) })), h("span", { class: "previous-subject", text: c.subject || "No subject" })))))
          : h("p", { class: "muted", text: "None." }),
      ),
    );
  }
  return { render };
}
