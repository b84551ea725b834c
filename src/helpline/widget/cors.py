"""Cross-origin access to the widget's REST routes, and to nothing else.

The widget runs on the workspace's own website, a different origin from Helpline, so the
browser asks before each call with a credential header. The answer is open (`*`): these routes
take the visitor token in `Authorization`, never a cookie, so a foreign page gains nothing it
could not do without a browser; session creation checks the Origin against the workspace's
widget origins by itself. Every other route keeps the browser's same-origin default.
"""

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WIDGET_API_PREFIX: Final = "/api/v1/widget/"
ALLOW_HEADERS: Final = "Authorization, Content-Type"
ALLOW_METHODS: Final = "GET, POST, PATCH"
PREFLIGHT_MAX_AGE_S: Final = "600"


class WidgetCORSMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(WIDGET_API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await _preflight(send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", b"Retry-After"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _preflight(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE_S.encode()),
                (b"vary", b"Origin"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
