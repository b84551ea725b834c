// The widget's screens besides the conversation: home (greeting, start, the visitor's
// conversations), the pre-chat and offline forms, "sent", and the rating card. Server text
// goes in with textContent only. ui.js imports this module when the visitor first opens the
// widget, so it does not weigh on the page before that (docs/widget.md, Size).

import { formatOpening, offlineFields, prechatChanges, prefill, validate } from "./forms.js";
import { t } from "./i18n.js";
import { el, formatTime, LINK_REL, safeHref } from "./format.js";

/** What a message says in one line of the list: its text, its files, or its event. */
export function preview(locale, message) {
  if (!message) return t(locale, "noMessages");
  if (message.event) return t(locale, `event_${message.event}`);
  const files = (message.attachments || []).map((a) => a.filename);
  return message.body || files.join(", ");
}

// --- home ---------------------------------------------------------------------------

export function renderHome(doc, box, state, handlers) {
  const { locale, config } = state;
  const hello = el(doc, "p", { class: "hello", dir: "auto" }, (config && config.greeting) || t(locale, "greeting"));
  const start = el(doc, "button", { class: "primary", type: "button" }, t(locale, "startConversation"));
  start.addEventListener("click", () => handlers.onStart());
  const help = config && config.help_centre_url ? helpSearch(doc, box, locale, config.help_centre_url, handlers) : null;
  // Everything but the search box is drawn afresh. The box itself is never taken out, not even
  // for a moment: that would take the focus, and the letters typed next, from the visitor.
  for (const child of [...box.children]) if (child !== help) child.remove();
  box.prepend(hello, start);
  if (help && help.parentNode !== box) box.append(help);
  if (!state.conversations.length) return start;
  box.append(el(doc, "h3", { class: "section" }, t(locale, "yourConversations")));
  const list = el(doc, "ul", { class: "list" });
  for (const summary of state.conversations) {
    const item = el(doc, "button", { class: `item${summary.unread ? " unread" : ""}`, type: "button" });
    const top = el(doc, "span", { class: "item-top" });
    top.append(
      el(doc, "span", { class: "item-title", dir: "auto" }, summary.subject || t(locale, "conversation")),
      el(doc, "span", { class: "item-time" }, formatTime(summary.last_activity_at, locale)),
    );
    const line = el(doc, "span", { class: "item-line", dir: "auto" }, preview(locale, summary.last_message));
    item.append(top, line);
    if (summary.unread) item.append(el(doc, "span", { class: "dot" }, t(locale, "newReply")));
    else if (summary.status === "resolved") item.append(el(doc, "span", { class: "tag" }, t(locale, "resolved")));
    item.addEventListener("click", () => handlers.onOpen(summary));
    const li = el(doc, "li");
    li.append(item);
    list.append(li);
  }
  box.append(list);
  return start;
}

// --- help centre search ----------------------------------------------------------------

const DEBOUNCE_MS = 250;
// The search box of each home screen, kept across redraws (a new reply redraws the list) so
// that what the visitor typed and found stays put.
const searches = new WeakMap();

/** What a search found, ready to show: articles with a safe address only, FAQ entries. */
export function helpResults(data) {
  if (!data) return null;
  const articles = (data.articles || [])
    .map((a) => ({ title: String(a.title || ""), snippet: String(a.snippet || ""), href: safeHref(a.url) }))
    .filter((a) => a.href && /^https?:/.test(a.href));
  const faqs = (data.faqs || []).map((f) => ({ question: String(f.question || ""), answer: String(f.answer || "") }));
  return { articles, faqs };
}

function helpSearch(doc, box, locale, centreUrl, handlers) {
  const kept = searches.get(box);
  if (kept && kept.locale === locale && kept.centreUrl === centreUrl) return kept.node;
  const node = el(doc, "section", { class: "help", "aria-labelledby": "hl-help" });
  const label = el(doc, "label", { id: "hl-help", for: "hl-help-q", class: "section" }, t(locale, "searchHelp"));
  const input = el(doc, "input", { id: "hl-help-q", type: "search", class: "help-q", maxlength: "200", autocomplete: "off" });
  input.placeholder = t(locale, "searchPlaceholder");
  const status = el(doc, "p", { class: "muted", role: "status", "aria-live": "polite" });
  const list = el(doc, "ul", { class: "list" });
  node.append(label, input, status, list);
  const home = safeHref(centreUrl);
  if (home) node.append(el(doc, "a", { class: "muted", href: home, target: "_blank", rel: LINK_REL }, t(locale, "browseHelp")));

  let timer = null;
  let asked = 0;
  async function search() {
    const query = input.value.trim();
    const ticket = ++asked;
    if (!query) {
      status.textContent = "";
      list.replaceChildren();
      return;
    }
    status.textContent = t(locale, "searching");
    const found = helpResults(await handlers.onSearchHelp(query));
    if (ticket !== asked) return; // A later search is under way: its answer is the one to show.
    list.replaceChildren(...(found ? helpItems(doc, found) : []));
    if (!found) status.textContent = t(locale, "searchFailed");
    else status.textContent = list.children.length ? "" : t(locale, "noAnswers");
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
  searches.set(box, { node, locale, centreUrl });
  return node;
}

function helpItems(doc, found) {
  const items = [];
  for (const article of found.articles) {
    const link = el(doc, "a", { class: "item", href: article.href, target: "_blank", rel: LINK_REL });
    link.append(
      el(doc, "span", { class: "item-title", dir: "auto" }, article.title),
      el(doc, "span", { class: "item-line wrap", dir: "auto" }, article.snippet),
    );
    items.push(link);
  }
  for (const faq of found.faqs) {
    const details = el(doc, "details", { class: "item" });
    details.append(el(doc, "summary", { class: "item-title wrap", dir: "auto" }, faq.question), el(doc, "p", { class: "item-line wrap", dir: "auto" }, faq.answer));
    items.push(details);
  }
  return items.map((item) => {
    const li = el(doc, "li");
    li.append(item);
    return li;
  });
}

// --- forms --------------------------------------------------------------------------

function fieldNode(doc, field, value, error, locale) {
  const id = `hl-f-${field.key}`;
  const wrap = el(doc, "div", { class: "field" });
  const suffix = field.required ? "" : ` (${t(locale, "optional")})`;
  const label = el(doc, "label", { for: id }, field.label + suffix);
  const long = field.kind === "long";
  const input = el(doc, long ? "textarea" : "input", { id, name: field.key, dir: "auto" });
  if (!long) input.setAttribute("type", field.kind === "email" ? "email" : "text");
  if (long) input.setAttribute("rows", "4");
  if (field.kind === "email") input.setAttribute("autocomplete", "email");
  if (field.kind === "name") input.setAttribute("autocomplete", "name");
  if (field.required) input.setAttribute("aria-required", "true");
  input.value = value || "";
  wrap.append(label, input);
  if (error) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${id}-error`);
    wrap.append(el(doc, "p", { class: "error", id: `${id}-error` }, error));
  }
  return wrap;
}

/** A form of `fields` in `box`: checked on submit (localized messages, focus on the first
 * problem), then `submit(values)`, which resolves to {ok, error}. */
export function renderForm(doc, box, { fields, values, locale, intro, submitLabel, submit }) {
  let errors = {};
  let failed = "";
  const form = el(doc, "form", { class: "form", novalidate: "" });
  function draw() {
    const nodes = [...intro, ...fields.map((f) => fieldNode(doc, f, values[f.key], errors[f.key], locale))];
    if (failed) nodes.push(el(doc, "p", { class: "error", role: "alert" }, failed));
    nodes.push(el(doc, "button", { class: "primary", type: "submit" }, submitLabel));
    form.replaceChildren(...nodes);
  }
  form.addEventListener("input", (event) => {
    values[event.target.name] = event.target.value;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors = validate(fields, values, locale);
    failed = "";
    const wrong = fields.find((f) => errors[f.key]);
    if (wrong) {
      draw();
      form.querySelector(`[name="${wrong.key}"]`)?.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const result = await submit(values);
    if (!result.ok) {
      failed = result.error || t(locale, "formFailed");
      draw();
    }
  });
  draw();
  box.replaceChildren(form);
  return form.querySelector("input, textarea");
}

export function renderPrechat(doc, box, state, handlers) {
  const { locale, config } = state;
  const fields = config.prechat.fields;
  return renderForm(doc, box, {
    fields,
    values: prefill(fields, state.visitor),
    locale,
    intro: [el(doc, "p", { class: "intro" }, t(locale, "prechatIntro"))],
    submitLabel: t(locale, "startChat"),
    submit: (values) => handlers.onPrechat(prechatChanges(fields, values)),
  });
}

export function renderOffline(doc, box, state, handlers) {
  const { locale, config } = state;
  const intro = [
    el(doc, "h3", { class: "away" }, t(locale, "awayTitle")),
    el(doc, "p", { class: "intro", dir: "auto" }, config.offline_message || t(locale, "awayBody")),
  ];
  const when = formatOpening(config.hours && config.hours.next_open_at, locale);
  if (when) intro.push(el(doc, "p", { class: "intro muted" }, t(locale, "backAt", { when })));
  return renderForm(doc, box, {
    fields: offlineFields(locale),
    values: { email: (state.visitor && state.visitor.email) || "", name: (state.visitor && state.visitor.name) || "" },
    locale,
    intro,
    submitLabel: t(locale, "sendMessage"),
    submit: (values) => handlers.onOffline(values),
  });
}

export function renderSent(doc, box, state, handlers) {
  const { locale } = state;
  const back = el(doc, "button", { class: "primary", type: "button" }, t(locale, "back"));
  back.addEventListener("click", () => handlers.onHome());
  box.replaceChildren(
    el(doc, "div", { class: "check", "aria-hidden": "true" }, "✓"),
    el(doc, "h3", { class: "away" }, t(locale, "sentTitle")),
    el(doc, "p", { class: "intro" }, t(locale, "sentBody", { email: state.sentTo || "" })),
    back,
  );
  return back;
}

// --- rating -------------------------------------------------------------------------

function stars(doc, locale, chosen, onPick) {
  const group = el(doc, "div", { class: "stars", role: "radiogroup", "aria-label": t(locale, "rateTitle") });
  for (let n = 1; n <= 5; n += 1) {
    const star = el(doc, "button", { type: "button", role: "radio", class: n <= chosen ? "on" : "" }, "★");
    star.setAttribute("aria-checked", String(n === chosen));
    star.setAttribute("aria-label", t(locale, "stars", { count: n }));
    if (onPick) star.addEventListener("click", () => onPick(n));
    else star.disabled = true;
    group.append(star);
  }
  return group;
}

// The card being filled in, per rating box: a new message or a change to the conversation
// calls renderRating again, and must not take back the stars chosen or the comment typed.
const ratingCards = new WeakMap();

/** The rating card under a resolved conversation: five stars and a comment, or thanks. */
export function renderRating(doc, box, state, handlers) {
  const { locale, conversation } = state;
  const listed = state.conversations.find((c) => c.id === conversation.id);
  const csat = conversation.csat || (listed && listed.csat);
  if (csat) {
    ratingCards.delete(box);
    box.replaceChildren(el(doc, "p", { class: "rated", role: "status" }, t(locale, "rated")), stars(doc, locale, csat.rating));
    return;
  }
  const kept = ratingCards.get(box);
  if (kept && kept.conversationId === conversation.id && kept.locale === locale) return;
  ratingCards.set(box, { conversationId: conversation.id, locale });
  let chosen = 0;
  const comment = el(doc, "textarea", { id: "hl-comment", rows: "2", maxlength: "1000", dir: "auto" });
  const send = el(doc, "button", { class: "primary", type: "button" }, t(locale, "sendRating"));
  const error = el(doc, "p", { class: "error", role: "alert" });
  const draw = () => {
    const group = stars(doc, locale, chosen, (n) => {
      chosen = n;
      draw();
      box.querySelector(`[aria-label="${t(locale, "stars", { count: n })}"]`)?.focus();
    });
    send.disabled = !chosen;
    box.replaceChildren(
      el(doc, "p", { class: "rate-title" }, t(locale, "rateTitle")),
      group,
      el(doc, "label", { class: "sr-only", for: "hl-comment" }, t(locale, "comment")),
      comment,
      send,
      error,
    );
    comment.setAttribute("placeholder", t(locale, "comment"));
  };
  send.addEventListener("click", async () => {
    send.disabled = true;
    const result = await handlers.onRate(conversation.id, chosen, comment.value);
    if (!result.ok) {
      error.textContent = result.error || t(locale, "formFailed");
      send.disabled = false;
    }
  });
  draw();
}
