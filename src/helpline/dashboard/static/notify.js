// Optional alerts for a new visitor message in a conversation assigned to me, or a mention:
// a browser notification and a short sound. Both are switched on by a click (browsers only
// grant permission, and only play sound, after a gesture), and remembered per browser.

const KEY = "helpline.notify";

export function createNotifier(button) {
  let enabled = false;
  let audio = null;
  try {
    enabled = localStorage.getItem(KEY) === "on";
  } catch {
    enabled = false;
  }

  function show() {
    button.setAttribute("aria-pressed", String(enabled));
    button.title = enabled ? "Alerts are on: click to turn them off" : "Turn on alerts for new messages";
    button.classList.toggle("active", enabled);
  }

  button.addEventListener("click", async () => {
    enabled = !enabled;
    if (enabled) {
      audio = audio || new AudioContext();
      if ("Notification" in window && Notification.permission === "default") await Notification.requestPermission();
    }
    try {
      localStorage.setItem(KEY, enabled ? "on" : "off");
    } catch {
      // Private mode: remembered for this page only.
    }
    show();
  });
  show();

  function beep() {
    if (!audio || audio.state !== "running") return;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.25);
  }

  return {
    /** Alerts, unless off or the agent is looking at that conversation already. */
    alert(title, body, { onClick } = {}) {
      if (!enabled) return;
      beep();
      if (!("Notification" in window) || Notification.permission !== "granted") return;
      const note = new Notification(title, { body: body.slice(0, 140), tag: title });
      note.onclick = () => {
        window.focus();
        if (onClick) onClick();
        note.close();
      };
    },
  };
}
