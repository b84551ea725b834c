"""The web application: built once, by `create_app(settings)`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from redis.asyncio import Redis
from starlette.types import Receive, Scope, Send
from typing_extensions import override

from helpline import __version__
from helpline.api import api_router
from helpline.core.error_handlers import install_error_handlers
from helpline.core.middleware import RequestContext, RequestContextMiddleware
from helpline.core.runtime import create_runtime
from helpline.dashboard.routes import PAGE_ROUTERS
from helpline.jobs.worker import Worker
from helpline.realtime.hub import Hub
from helpline.realtime.presence import create_presence
from helpline.settings import Settings
from helpline.sockets import api as socket_routes
from helpline.sockets.heartbeats import Heartbeats
from helpline.sockets.send_batch import SendBatcher
from helpline.sockets.visitor_checks import VisitorChecks
from helpline.widget.cors import WidgetCORSMiddleware
from helpline.widget.routes import router as widget_files_router

log = structlog.get_logger(__name__)


class HelplineApp(FastAPI):
    """FastAPI, but for WebSockets: one to our socket endpoints goes straight to it, before
    the middleware, with its request context bound (sockets/api.py says why)."""

    request_context: RequestContext

    @override
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] in socket_routes.ENDPOINTS:
            scope["app"] = self
            self.request_context.bind(scope)
            await socket_routes.serve(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings) -> HelplineApp:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = create_runtime(settings)
        app.state.runtime = runtime
        app.state.hub = Hub(runtime.broker)
        app.state.sends = SendBatcher(runtime)
        app.state.visitor_checks = VisitorChecks(runtime)
        app.state.heartbeats = Heartbeats(settings)
        await app.state.hub.start()
        presence_redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        app.state.presence = create_presence(
            presence_redis, ttl_s=3 * settings.ws_heartbeat_interval.total_seconds()
        )
        worker = Worker(runtime) if settings.run_jobs_in_web else None
        if worker is not None:
            worker.start()
        app.state.heartbeats.start()
        log.info("helpline_started", version=__version__, jobs_in_web=worker is not None)
        try:
            yield
        finally:
            await app.state.heartbeats.stop()
            if worker is not None:
                await worker.stop()
            if presence_redis is not None:
                await presence_redis.aclose()
            await runtime.close()

    app = HelplineApp(
        title="Helpline",
        version=__version__,
        description="The Helpline REST API. Errors share one shape: "
        '`{"error": "<Code>", "detail": "<sentence>"}`.',
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.request_context = RequestContext(settings.trusted_proxies)
    app.add_middleware(RequestContextMiddleware, context=app.request_context)
    app.add_middleware(WidgetCORSMiddleware)
    app.include_router(api_router)
    # The widget's script files: public static code, not an API route (widget/routes.py).
    app.include_router(widget_files_router)
    # The dashboard: pages, not API routes (tests/dashboard/test_page_sweep.py attacks them).
    for router in PAGE_ROUTERS:
        app.include_router(router)
    return app
