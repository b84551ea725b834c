"""The settings pages, under `/app/settings/…`: one router per area (settings_*.py), and the
index, which opens the first page the person's role may see."""

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from helpline.dashboard.guards import Member
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import first_page_for
from helpline.dashboard.routes.settings_bot import router as bot_router
from helpline.dashboard.routes.settings_bot_model import router as bot_model_router
from helpline.dashboard.routes.settings_canned import router as canned_router
from helpline.dashboard.routes.settings_developers import router as developers_router
from helpline.dashboard.routes.settings_knowledge import KNOWLEDGE_ROUTERS
from helpline.dashboard.routes.settings_knowledge_import import (
    router as knowledge_import_router,
)
from helpline.dashboard.routes.settings_members import router as members_router
from helpline.dashboard.routes.settings_profile import router as profile_router
from helpline.dashboard.routes.settings_suggestions import router as suggestions_router
from helpline.dashboard.routes.settings_teams import router as teams_router
from helpline.dashboard.routes.settings_widget import router as widget_router
from helpline.dashboard.routes.settings_workspace import router as workspace_router

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/app/settings")
async def settings_index(viewer: Member) -> Response:
    return RedirectResponse(first_page_for(viewer.principal.role), status_code=303)


SETTINGS_ROUTERS = (
    router,
    workspace_router,
    members_router,
    teams_router,
    widget_router,
    canned_router,
    bot_router,
    bot_model_router,
    # Before the knowledge editor's routes: its paths share the /app/settings/knowledge prefix.
    suggestions_router,
    *KNOWLEDGE_ROUTERS,
    knowledge_import_router,
    developers_router,
    profile_router,
)
