// The widget's stylesheet, inside its shadow root: the host page's CSS cannot reach it, and it
// cannot reach the page. `all: initial` stops inherited page styles (font, colour, direction).

export const CSS = `
:host { all: initial; }
.hl { all: initial; letter-spacing: normal; word-spacing: normal; text-transform: none;
  text-align: start; --brand: #2563eb; --on-brand: #fff; --bg: #fff; --fg: #111827; --muted: #4b5563;
  --bubble: #f3f4f6; --line: #e5e7eb; --danger: #b91c1c;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", sans-serif;
  color: var(--fg); position: fixed; bottom: 20px; z-index: 2147483000; }
.hl[data-position="right"] { right: 20px; }
.hl[data-position="left"] { left: 20px; }
.hl[data-theme="dark"] { --bg: #111827; --fg: #f9fafb; --muted: #d1d5db; --bubble: #1f2937;
  --line: #374151; --danger: #fca5a5; }
@media (prefers-color-scheme: dark) {
  .hl[data-theme="auto"] { --bg: #111827; --fg: #f9fafb; --muted: #d1d5db; --bubble: #1f2937;
    --line: #374151; --danger: #fca5a5; }
}
.launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer;
  background: var(--brand); color: var(--on-brand); box-shadow: 0 4px 14px rgba(0,0,0,.25);
  display: grid; place-items: center; position: relative; transition: transform .15s ease; }
.launcher:hover { transform: scale(1.05); }
.launcher svg { width: 26px; height: 26px; fill: currentColor; }
.launcher svg.stroke { fill: none; }
.launcher[aria-expanded="true"] .open-icon, .launcher[aria-expanded="false"] .close-icon { display: none; }
.badge { position: absolute; top: -4px; inset-inline-end: -4px; min-width: 20px; height: 20px;
  border-radius: 10px; background: #b91c1c; color: #fff; font-size: 12px; font-weight: 600;
  display: grid; place-items: center; padding: 0 5px; box-sizing: border-box; }
.panel { position: absolute; bottom: 72px; width: min(380px, calc(100vw - 40px));
  height: min(600px, calc(100vh - 120px)); background: var(--bg); color: var(--fg);
  border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.28); display: flex;
  flex-direction: column; overflow: hidden; animation: rise .18s ease-out; }
.hl[data-position="right"] .panel { right: 0; }
.hl[data-position="left"] .panel { left: 0; }
@keyframes rise { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }
.header { background: var(--brand); color: var(--on-brand); padding: 14px 12px 14px 16px; display: flex;
  align-items: center; gap: 6px; min-height: 36px; }
.icon-button svg { width: 20px; height: 20px; vertical-align: middle; }
svg.stroke { fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.hl[dir="rtl"] .back svg { transform: scaleX(-1); }
.screen { flex: 1; display: flex; flex-direction: column; overflow-y: auto; min-height: 0; }
.home, .prechat, .offline, .sent { padding: 20px 18px; gap: 12px; }
.hello { font-size: 20px; font-weight: 650; line-height: 1.3; margin: 4px 0 6px; }
.primary { border: 0; border-radius: 10px; padding: 11px 16px; background: var(--brand);
  color: var(--on-brand); font: inherit; font-weight: 600; cursor: pointer; }
.primary:disabled { opacity: .55; cursor: default; }
.section { font-size: 13px; font-weight: 600; color: var(--muted); margin: 14px 0 0;
  text-transform: uppercase; letter-spacing: .04em; }
.list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.item { width: 100%; text-align: start; border: 1px solid var(--line); border-radius: 12px;
  background: var(--bg); color: var(--fg); padding: 10px 12px; font: inherit; cursor: pointer;
  display: flex; flex-direction: column; gap: 2px; }
.item:hover { border-color: var(--brand); }
.item-top { display: flex; gap: 8px; justify-content: space-between; }
.item-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.item-time, .tag { font-size: 12px; color: var(--muted); }
.item-line { font-size: 14px; color: var(--muted); overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.item.unread .item-line { color: var(--fg); font-weight: 600; }
.sources { display: block; font-size: 12px; margin-top: 4px; opacity: .85; }
a.item { text-decoration: none; }
.item .wrap { white-space: normal; }
.help { display: flex; flex-direction: column; gap: 8px; }
.find { display: block; margin-top: 6px; padding: 0; border: 0; background: none; font: inherit;
  color: inherit; text-decoration: underline; cursor: pointer; }
.help-q { border: 1px solid var(--line); border-radius: 10px; padding: 9px 10px; font: inherit;
  color: var(--fg); background: var(--bg); }
.dot { align-self: flex-start; font-size: 11px; font-weight: 700; border-radius: 8px;
  padding: 1px 7px; background: var(--brand); color: var(--on-brand); }
.form { display: flex; flex-direction: column; gap: 12px; margin: 0; }
.field { display: flex; flex-direction: column; gap: 4px; }
.field label { font-size: 14px; font-weight: 600; }
.field input, .field textarea, .rating textarea { border: 1px solid var(--line); border-radius: 10px;
  padding: 9px 10px; font: inherit; color: var(--fg); background: var(--bg); resize: vertical; }
[aria-invalid="true"] { border-color: var(--danger) !important; }
.error { color: var(--danger); font-size: 13px; margin: 0; }
.intro { margin: 0; color: var(--fg); }
.muted { color: var(--muted); font-size: 14px; }
.away { font-size: 18px; margin: 0; }
.check { width: 48px; height: 48px; border-radius: 50%; background: var(--brand);
  color: var(--on-brand); display: grid; place-items: center; font-size: 26px; }
.rating { margin: 0 12px 8px; padding: 12px; border: 1px solid var(--line); border-radius: 12px;
  display: flex; flex-direction: column; gap: 8px; }
.rate-title, .rated { margin: 0; font-weight: 600; }
.stars { display: flex; gap: 4px; }
.stars button { border: 0; background: transparent; font-size: 28px; line-height: 1; cursor: pointer;
  color: var(--muted); padding: 2px; }
.stars button.on { color: #f59e0b; }
.stars button:disabled { cursor: default; }
.files { display: flex; flex-direction: column; gap: 4px; margin-top: 4px; }
.file { border: 1px solid currentColor; border-radius: 8px; background: transparent; color: inherit;
  font: inherit; font-size: 14px; padding: 4px 8px; cursor: pointer; text-align: start;
  overflow-wrap: anywhere; }
.size { opacity: .8; font-size: 12px; margin-inline-start: 6px; }
.uploads { list-style: none; margin: 0; padding: 0 12px; }
.upload { display: flex; align-items: center; gap: 8px; font-size: 13px; color: var(--muted);
  padding: 4px 0; }
.upload span { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.upload.failed { color: var(--danger); }
.upload progress { width: 90px; accent-color: var(--brand); }
.composer .attach { color: var(--muted); align-self: center; }
.logo { height: 28px; width: auto; max-width: 96px; object-fit: contain; border-radius: 6px;
  flex: none; margin-inline-start: 4px; }
.title { font-size: 16px; font-weight: 600; margin: 0; flex: 1; padding-inline-start: 4px; }
.icon-button { background: transparent; border: 0; color: inherit; cursor: pointer; width: 32px;
  height: 32px; border-radius: 6px; font-size: 20px; line-height: 1; }
.status { padding: 8px 16px; font-size: 13px; background: #fef3c7; color: #78350f; }
.log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px;
  list-style: none; margin: 0; }
.msg { max-width: 80%; padding: 8px 12px; border-radius: 14px; background: var(--bubble);
  white-space: pre-wrap; overflow-wrap: anywhere; align-self: flex-start; }
.msg.mine { align-self: flex-end; background: var(--brand); color: var(--on-brand); }
.msg.mine a { color: inherit; }
.msg a { color: inherit; text-decoration: underline; }
.msg.system { align-self: center; background: transparent; color: var(--muted); font-size: 13px;
  text-align: center; }
.meta { display: block; font-size: 11px; opacity: .85; margin-top: 2px; }
.msg.failed { outline: 2px solid var(--danger); }
.msg .retry { background: transparent; border: 0; color: inherit; text-decoration: underline;
  cursor: pointer; font: inherit; padding: 0; margin-inline-start: 6px; }
.typing { padding: 0 16px 6px; font-size: 13px; color: var(--muted); min-height: 18px; }
.composer { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid var(--line); }
.composer textarea { flex: 1; resize: none; border: 1px solid var(--line); border-radius: 10px;
  padding: 8px 10px; font: inherit; color: var(--fg); background: var(--bg); max-height: 120px; }
.send { border: 0; border-radius: 10px; padding: 0 14px; background: var(--brand);
  color: var(--on-brand); font: inherit; font-weight: 600; cursor: pointer; }
button:focus-visible, a:focus-visible { outline: 2px solid var(--fg); outline-offset: 2px; }
textarea:focus-visible, input:focus-visible { outline: 2px solid var(--fg); outline-offset: -1px; }
.header button:focus-visible, .msg.mine a:focus-visible { outline-color: var(--on-brand); }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
[hidden] { display: none !important; }
@media (prefers-reduced-motion: reduce) {
  .panel { animation: none; } .launcher { transition: none; }
}
`;
