"""The widget's public configuration, and the install snippet for owners and admins."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from helpline.auth.dependencies import MemberAuth
from helpline.auth.principals import MANAGER_ROLES, MemberPrincipal
from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import NotFound, responses
from helpline.tenancy import service as tenancy
from helpline.widget import service as widget
from helpline.widget.schemas import WidgetConfig, WidgetSnippet

router = APIRouter(prefix="/api/v1", tags=["widget"])
Manager = Annotated[MemberPrincipal, Depends(MemberAuth(MANAGER_ROLES))]


def _public_url(settings: SettingsDep) -> str:
    return settings.public_url


# The server's public address, which the snippet points browsers to.
PublicUrl = Annotated[str, Depends(_public_url)]

# Short: a change of colour or greeting reaches visitors within a minute.
CONFIG_CACHE = "public, max-age=60"


@router.get("/widget/config/{public_key}", responses=responses(NotFound))
async def get_widget_config(
    public_key: str, session: SessionDep, response: Response
) -> WidgetConfig:
    """The widget's name, colour, greeting, launcher position and theme (public: the key is
    published in the website's page)."""
    config = await widget.public_config(session, public_key[:64])
    response.headers["Cache-Control"] = CONFIG_CACHE
    return config


@router.get("/workspace/widget-snippet")
async def get_widget_snippet(
    principal: Manager, session: SessionDep, public_url: PublicUrl
) -> WidgetSnippet:
    """The exact `<script>` tag that installs the widget on a website (owners and admins)."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    return widget.snippet_of(public_url, workspace)
