"""The one place every router is included."""

from fastapi import APIRouter

from helpline import __version__
from helpline.audit.api import router as audit_router
from helpline.auth.api import router as auth_router
from helpline.contacts.api import router as contacts_router
from helpline.conversations.api import router as conversations_router
from helpline.core.schemas import Schema
from helpline.tenancy.api import router as tenancy_router
from helpline.tenancy.platform_api import router as platform_router


class Health(Schema):
    status: str
    version: str


health_router = APIRouter(prefix="/api/v1", tags=["operations"])


@health_router.get("/health")
async def health() -> Health:
    """Liveness (public): the process is up and serving requests."""
    return Health(status="ok", version=__version__)


# Every router of the app; the isolation suite walks this tuple.
ROUTERS = (
    health_router,
    auth_router,
    tenancy_router,
    platform_router,
    audit_router,
    contacts_router,
    conversations_router,
)

api_router = APIRouter()
for router in ROUTERS:
    api_router.include_router(router)
