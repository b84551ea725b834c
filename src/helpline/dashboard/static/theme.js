// Light, dark, or the system's choice: remembered per browser. Loaded by every page.
const KEY = "helpline.theme";
const THEMES = ["auto", "light", "dark"];

export function applyTheme(theme) {
  const chosen = THEMES.includes(theme) ? theme : "auto";
  document.documentElement.dataset.theme = chosen;
  return chosen;
}

export function setTheme(theme) {
  const chosen = applyTheme(theme);
  try {
    localStorage.setItem(KEY, chosen);
  } catch {
    // Storage can be off (private mode): the choice lasts for this page only.
  }
  return chosen;
}

export function storedTheme() {
  try {
    return localStorage.getItem(KEY) || "auto";
  } catch {
    return "auto";
  }
}

applyTheme(storedTheme());
