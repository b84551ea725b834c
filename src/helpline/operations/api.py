"""/api/v1/health (liveness), /api/v1/ready (readiness) and /metrics (Prometheus).

None takes a credential of a person: probes and scrapers have none. Health and readiness say
nothing about any workspace. Metrics say nothing about any workspace either (no label holds a
workspace, an id or a raw path), yet they describe the whole service, so they are served to
loopback and trusted proxies only, or to whoever sends HELPLINE_METRICS_TOKEN.
"""

import hmac
import ipaddress
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from helpline import __version__
from helpline.auth.dependencies import bearer_token
from helpline.core.context import current_origin
from helpline.core.deps import RuntimeDep, SettingsDep
from helpline.core.errors import NotAuthenticated, PermissionDenied
from helpline.operations import service
from helpline.operations.schemas import Health, Readiness
from helpline.realtime.hub import Hub
from helpline.settings import Settings

router = APIRouter(tags=["operations"])


@router.get("/api/v1/health")
async def health(runtime: RuntimeDep) -> Health:
    """Liveness (public): the process is up and serving requests. "degraded" when the
    real-time broker (Redis) is unreachable: REST works, sockets catch up once it is back."""
    healthy = await runtime.broker.healthy()
    return Health(status="ok" if healthy else "degraded", version=__version__)


@router.get(
    "/api/v1/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database is unreachable."}},
)
async def ready(runtime: RuntimeDep) -> Readiness | JSONResponse:
    """Readiness (public): whether this node should receive traffic. 200 with "ok" or
    "degraded" (Redis down, jobs late: the service still works), 503 with "down" when the
    database does not answer."""
    readiness = await service.readiness(runtime)
    if readiness.status == "down":
        return JSONResponse(readiness.model_dump(mode="json"), status_code=503)
    return readiness


def _is_local(address: str, settings: Settings) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_loopback or address in settings.trusted_proxies


def allow_scraper(request: Request, settings: SettingsDep) -> None:
    """Loopback or a trusted proxy's own address (as the request context resolved it: a
    request a trusted proxy forwards for someone else counts as that someone), or the
    metrics token."""
    token = settings.metrics_token.get_secret_value()
    given = bearer_token(request)
    if token and given is not None and hmac.compare_digest(given.encode(), token.encode()):
        return
    if _is_local(current_origin().ip, settings):
        return
    if token:
        raise NotAuthenticated("Send the metrics token as a bearer token.")
    raise PermissionDenied(
        "Metrics are served to loopback and trusted proxies only; set HELPLINE_METRICS_TOKEN "
        "to scrape from elsewhere."
    )


Scraper = Annotated[None, Depends(allow_scraper)]


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text."}},
)
async def metrics(request: Request, runtime: RuntimeDep, _scraper: Scraper) -> Response:
    """This process's metrics in the Prometheus text format (each `helpline serve` process
    exposes its own)."""
    hub: Hub = request.app.state.hub
    return Response(await service.scrape(runtime, hub), media_type=CONTENT_TYPE_LATEST)
