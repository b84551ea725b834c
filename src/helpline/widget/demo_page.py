"""A stand-in for a customer's website: one page with the widget's snippet, served from its
own port so that it is another origin than Helpline, as on a real site. Used by
`helpline demo` and by the widget's browser tests. Development only: it serves one fixed page.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from typing_extensions import override

DEMO_PAGE_PORT: Final = 8001

# The page's own CSS is deliberately hostile: the widget must look the same under it.
_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outdoor (Helpline demo page)</title>
<link rel="icon" href="data:,">
<style>
  body {{ font: 17px/1.6 Georgia, serif; margin: 0; color: #1f2937; background: #fafaf9; }}
  header {{ background: #14532d; color: #fff; padding: 24px 48px; }}
  main {{ max-width: 720px; margin: 32px auto; padding: 0 24px; }}
  button, textarea, li, ol, section {{ background: hotpink !important; font-size: 40px; }}
  * {{ letter-spacing: 0.2em; }}
</style>
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


def page_html(snippet: str) -> bytes:
    return _PAGE.format(snippet=snippet).encode()


class _Handler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path.split("?")[0] not in ("/", "/index.html"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(self.body)

    @override
    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: the demo prints its own address


def start_demo_page(host: str, port: int, snippet: str) -> ThreadingHTTPServer:
    """Serve the page on host:port in a daemon thread; `shutdown()` stops it."""
    handler = type("DemoPageHandler", (_Handler,), {"body": page_html(snippet)})
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="demo-page", daemon=True).start()
    return server
