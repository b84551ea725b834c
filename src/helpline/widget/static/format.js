// Text from the server, made safe to show. Message bodies are plain text: they become text
// nodes, and the web addresses in them become links only when they are http, https or mailto.
// Nothing here (or anywhere in the widget) parses server text as HTML.

const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
const LINK = /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"»)\]]+$/;
export const LINK_REL = "noopener noreferrer";

/** A URL safe to put in `href`, or null: only http(s) and mailto, never `javascript:`,
 * `data:` or anything else a browser would run or render. */
export function safeHref(raw) {
  if (typeof raw !== "string") return null;
  const text = raw.trim();
  const candidate = /^www\./i.test(text) ? `https://${text}` : text;
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (!SAFE_SCHEMES.has(url.protocol)) return null;
  if (url.protocol !== "mailto:" && !url.hostname) return null;
  return url.href;
}

/** The logo's address for an <img>, or null: https only, as the server checks too, so that a
 * page on https never shows mixed content and no other scheme ever reaches `src`. */
export function logoSrc(raw) {
  if (typeof raw !== "string" || !raw) return null;
  let url;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  return url.protocol === "https:" && url.hostname && !url.username && !url.password ? url.href : null;
}

function trimTrailing(match) {
  // "see https://x.example/a)." -> the link ends before ")." unless the ")" closes a "(".
  let end = match.length;
  const tail = TRAILING.exec(match);
  if (tail) {
    end = tail.index;
    const opened = (match.slice(0, end).match(/\(/g) || []).length;
    const closed = (match.slice(0, end).match(/\)/g) || []).length;
    if (opened > closed && match[end] === ")") end += 1;
  }
  return match.slice(0, end);
}

/** `text` as segments: {type: "text", text} and {type: "link", text, href}; the segments'
 * texts joined give back `text` exactly. */
export function tokenize(text) {
  const source = typeof text === "string" ? text : "";
  const segments = [];
  let last = 0;
  for (const found of source.matchAll(LINK)) {
    const match = trimTrailing(found[0]);
    const href = safeHref(match);
    if (!href || !match) continue;
    if (found.index > last) segments.push({ type: "text", text: source.slice(last, found.index) });
    segments.push({ type: "link", text: match, href });
    last = found.index + match.length;
  }
  if (last < source.length) segments.push({ type: "text", text: source.slice(last) });
  return segments;
}

/** `text` as DOM nodes made with `doc` (text nodes and safe links), in a fragment. */
export function renderText(doc, text) {
  const fragment = doc.createDocumentFragment();
  for (const segment of tokenize(text)) {
    if (segment.type === "link") {
      const link = doc.createElement("a");
      link.setAttribute("href", segment.href);
      link.setAttribute("rel", LINK_REL);
      link.setAttribute("target", "_blank");
      link.textContent = segment.text;
      fragment.appendChild(link);
    } else {
      fragment.appendChild(doc.createTextNode(segment.text));
    }
  }
  return fragment;
}

/** A colour as {r, g, b} (0-255) from "#rrggbb", or null. */
export function parseHex(hex) {
  const match = /^#([0-9a-f]{6})$/i.exec(String(hex || ""));
  if (!match) return null;
  const value = parseInt(match[1], 16);
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

function luminance({ r, g, b }) {
  const channel = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** The WCAG contrast ratio of two "#rrggbb" colours (1 to 21). */
export function contrastRatio(a, b) {
  const [la, lb] = [luminance(parseHex(a)), luminance(parseHex(b))].sort((x, y) => y - x);
  return (la + 0.05) / (lb + 0.05);
}

export const LIGHT_TEXT = "#ffffff";
// Pure black: with white, one of the two always reaches 4.58:1 on any background.
export const DARK_TEXT = "#000000";

/** The text colour, white or near-black, with the better contrast on `background`. */
export function readableTextColor(background) {
  if (!parseHex(background)) return LIGHT_TEXT;
  return contrastRatio(background, LIGHT_TEXT) >= contrastRatio(background, DARK_TEXT)
    ? LIGHT_TEXT
    : DARK_TEXT;
}

/** "14:05" in the visitor's language, or "" for a missing or invalid time. */
export function formatTime(iso, locale) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(date);
}

/** An element made with `doc`: attributes set one by one, and text (never HTML) inside. */
export function el(doc, tag, attributes = {}, text) {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
