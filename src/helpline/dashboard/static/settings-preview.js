// Settings pages: the widget's live preview, and the copy buttons. Plain DOM: every value a
// person typed is set with textContent or as a CSS custom property, never parsed as HTML.
import { logoSrc, readableTextColor } from "/widget/v1/format.js";

const HEX = /^#[0-9a-fA-F]{6}$/;

function chosen(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : "";
}

/** The logo as the widget shows it: an https address only, in place of the avatar; an
 * address that loads no image says so under the field. */
function showLogo(preview) {
  const logo = preview.querySelector("[data-preview-logo]");
  const avatar = preview.querySelector("[data-preview-avatar]");
  const status = document.querySelector("[data-preview-logo-status]");
  const failed = Boolean(logo.dataset.failed);
  const shown = logo.hasAttribute("src") && !failed;
  logo.hidden = !shown;
  if (avatar) avatar.hidden = shown;
  if (status) status.hidden = !failed;
}

function mirrorLogo(form, preview) {
  const logo = preview.querySelector("[data-preview-logo]");
  if (!logo) return;
  const src = logoSrc(form.elements.namedItem("widget_logo_url").value.trim()) || "";
  if ((logo.getAttribute("src") || "") !== src) {
    delete logo.dataset.failed;
    if (src) logo.src = src;
    else logo.removeAttribute("src");
  }
  showLogo(preview);
}

function watchLogo(preview) {
  const logo = preview.querySelector("[data-preview-logo]");
  if (!logo) return;
  logo.referrerPolicy = "no-referrer";
  logo.addEventListener("error", () => {
    if (!logo.hasAttribute("src")) return;
    logo.dataset.failed = "1";
    showLogo(preview);
  });
}

/** Mirror the appearance form into the static mock of the launcher and panel. */
export function mirror(form, preview) {
  const name = form.elements.namedItem("widget_name").value.trim();
  const color = form.elements.namedItem("widget_color").value;
  const greeting = form.elements.namedItem("widget_greeting").value.trim();
  const title = preview.querySelector("[data-preview-title]");
  const bubble = preview.querySelector("[data-preview-greeting]");
  title.textContent = `Chat with ${name || preview.dataset.defaultName}`;
  bubble.textContent = greeting || preview.dataset.defaultGreeting;
  if (HEX.test(color)) {
    preview.style.setProperty("--preview-color", color);
    preview.style.setProperty("--preview-on-color", readableTextColor(color));
  }
  const hex = document.querySelector("[data-preview-hex]");
  if (hex) hex.textContent = color;
  preview.dataset.position = chosen(form, "widget_position") || "right";
  preview.dataset.theme = chosen(form, "widget_theme") || "auto";
  mirrorLogo(form, preview);
}

function startPreview() {
  const form = document.querySelector("[data-preview-form]");
  const preview = document.querySelector("[data-preview]");
  if (!form || !preview) return;
  watchLogo(preview);
  const update = () => mirror(form, preview);
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
  preview.classList.add("preview-live");
}

async function copy(button) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = "value" in source ? source.value : source.textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard access (an insecure origin, a refused permission): select it instead,
    // so that Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(source);
    if (typeof source.select === "function") source.select();
    else window.getSelection()?.addRange(range);
    button.textContent = "Press Ctrl+C";
    return;
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => {
    button.textContent = label;
  }, 1600);
}

function startCopyButtons() {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => copy(button));
  }
}

startPreview();
startCopyButtons();
