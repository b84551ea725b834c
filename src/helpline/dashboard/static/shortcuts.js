// Keyboard shortcuts of the inbox: which key does what, and never while typing in a field.

export const SHORTCUTS = [
  { keys: ["j"], action: "next", label: "Next conversation" },
  { keys: ["k"], action: "previous", label: "Previous conversation" },
  { keys: ["Enter", "o"], action: "open", label: "Open the selected conversation" },
  { keys: ["r"], action: "reply", label: "Reply" },
  { keys: ["n"], action: "note", label: "Write a private note" },
  { keys: ["a"], action: "assign-me", label: "Assign to me" },
  { keys: ["e"], action: "resolve", label: "Resolve" },
  { keys: ["s"], action: "snooze", label: "Snooze" },
  { keys: ["/"], action: "search", label: "Search" },
  { keys: ["?"], action: "help", label: "Show these shortcuts" },
];

const BY_KEY = new Map(SHORTCUTS.flatMap((s) => s.keys.map((key) => [key, s.action])));

/** Whether a key typed at `target` belongs to the field (or widget) it is typed in. */
export function isTypingTarget(target) {
  if (!target || typeof target !== "object") return false;
  if (target.isContentEditable) return true;
  const tag = String(target.tagName || "").toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag === "input") {
    const type = String(target.type || "text").toLowerCase();
    return !["button", "checkbox", "radio", "submit", "reset", "range", "color"].includes(type);
  }
  return false;
}

/** The action of a keydown event, or null (modifiers, fields, open dialogs, other keys). */
export function actionFor(event, { dialogOpen = false } = {}) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return null;
  if (dialogOpen || isTypingTarget(event.target)) return null;
  // Enter on a button or link is that control's own.
  if (event.key === "Enter" && ["button", "a", "summary"].includes(String(event.target?.tagName || "").toLowerCase())) return null;
  return BY_KEY.get(event.key) || null;
}
