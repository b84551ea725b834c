"""A stand-in for a customer's website: one page with the widget's snippet, served from its
own port so that it is another origin than Helpline, as on a real site. Used by
`helpline demo` and by the widget's browser tests. Development only: it serves one fixed page.
"""

import base64
import hashlib
import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final
from urllib.parse import urlsplit

from typing_extensions import override

DEMO_PAGE_PORT: Final = 8001

# The page's own CSS is deliberately hostile: the widget must look the same under it.
_STYLE: Final = """
  body { font: 17px/1.6 Georgia, serif; margin: 0; color: #1f2937; background: #fafaf9; }
  header { background: #14532d; color: #fff; padding: 24px 48px; }
  main { max-width: 720px; margin: 32px auto; padding: 0 24px; }
  button, textarea, li, ol, section { background: hotpink !important; font-size: 40px; }
  * { letter-spacing: 0.2em; }
"""
_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outdoor (Helpline demo page)</title>
<link rel="icon" href="data:,">
<style>{style}</style>
</head>
<body>
<header><h1>Acme Outdoor</h1><p>Tents, boots and good advice.</p></header>
<main>
  <h2>Welcome</h2>
  <p>This page stands in for a customer's website. It runs on another origin than Helpline,
  and its own styles are hostile on purpose: the chat button in the corner must not care.</p>
  <p>Open the chat, write a message, and answer it from Helpline's inbox (the dashboard's
  address and logins are printed by <code>make run</code>).</p>
</main>
{snippet}
</body>
</html>
"""


_SCRIPT_SRC: Final = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"')


def content_security_policy(snippet: str) -> str:
    """A strict policy, as careful websites have: scripts only from Helpline (where the
    snippet's script comes from), no inline script or handler, and the page's own stylesheet
    by its hash. Anything that tried to run script in the page would be refused and reported
    (a `securitypolicyviolation` event), which the browser tests listen for. Images may come
    from any https host, for the workspace's logo (docs/widget.md, Safety)."""
    found = _SCRIPT_SRC.search(snippet)
    if found is None:
        raise ValueError("The snippet has no <script src>: the page would have no widget.")
    helpline = urlsplit(html.unescape(found.group(1)))
    origin = f"{helpline.scheme}://{helpline.netloc}"
    sockets = f"{'wss' if helpline.scheme == 'https' else 'ws'}://{helpline.netloc}"
    style = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {origin} 'report-sample'",
            f"connect-src {origin} {sockets}",
            "img-src https: data:",
            f"style-src 'sha256-{style}'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def page_html(snippet: str) -> bytes:
    return _PAGE.format(snippet=snippet, style=_STYLE).encode()


class _Handler(BaseHTTPRequestHandler):
    body = b""
    policy = ""

    def do_GET(self) -> None:
        if self.path.split("?")[0] not in ("/", "/index.html"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", self.policy)
        self.end_headers()
        self.wfile.write(self.body)

    @override
    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: the demo prints its own address


def start_demo_page(host: str, port: int, snippet: str) -> ThreadingHTTPServer:
    """Serve the page on host:port in a daemon thread; `shutdown()` stops it."""
    attributes = {"body": page_html(snippet), "policy": content_security_policy(snippet)}
    handler = type("DemoPageHandler", (_Handler,), attributes)
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="demo-page", daemon=True).start()
    return server
