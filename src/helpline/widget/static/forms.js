// The widget's forms as pure functions: what the pre-chat and offline forms ask, whether the
// answers will do (each problem a localized sentence), and what to send
// (tests/widget/forms.test.mjs).

import { t } from "./i18n.js";

// Close to what the server accepts (it has the last word): one @, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_TEXT = 1000;

export function isEmail(text) {
  return EMAIL.test(String(text || "").trim());
}

/** {key: sentence} for each field whose answer will not do; empty when all is well. */
export function validate(fields, values, locale) {
  const errors = {};
  for (const field of fields) {
    const value = String(values[field.key] || "").trim();
    if (!value) {
      if (field.required) errors[field.key] = t(locale, "required", { label: field.label });
    } else if (field.kind === "email" && !isEmail(value)) {
      errors[field.key] = t(locale, "invalidEmail");
    } else if (value.length > MAX_TEXT) {
      errors[field.key] = t(locale, "formFailed");
    }
  }
  return errors;
}

/** The pre-chat answers as the API takes them: the name and email for PATCH /widget/me,
 * the other answers as contact attributes (empty answers are left out). */
export function prechatChanges(fields, values) {
  const profile = {};
  const attributes = {};
  for (const field of fields) {
    const value = String(values[field.key] || "").trim();
    if (!value) continue;
    if (field.kind === "name" || field.kind === "email") profile[field.kind] = value;
    else attributes[field.key] = value;
  }
  return { profile, attributes };
}

/** The offline form's fields, in the visitor's language: email required, a message. */
export function offlineFields(locale) {
  return [
    { key: "email", label: t(locale, "email"), kind: "email", required: true },
    { key: "name", label: t(locale, "name"), kind: "name", required: false },
    { key: "body", label: t(locale, "messageField"), kind: "long", required: true },
  ];
}

/** The pre-chat form's fields, with what is already known of the visitor filled in. */
export function prefill(fields, visitor) {
  const values = {};
  for (const field of fields) {
    if (field.kind === "name" && visitor?.name) values[field.key] = visitor.name;
    if (field.kind === "email" && visitor?.email) values[field.key] = visitor.email;
  }
  return values;
}

/** "tomorrow at 09:00"-like text for when the team is back, in the visitor's language. */
export function formatOpening(iso, locale, now = Date.now()) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return "";
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(date);
  const days = Math.round((startOfDay(date) - startOfDay(new Date(now))) / 86400000);
  if (days > 6) return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
  const day =
    days <= 1
      ? new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(days, "day")
      : new Intl.DateTimeFormat(locale, { weekday: "long" }).format(date);
  return `${day} ${time}`;
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}
