"""The widget's public configuration, and the install snippet for owners and admins."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from helpline.auth.dependencies import MemberAuth, Visitor
from helpline.auth.principals import MANAGER_ROLES, MemberPrincipal
from helpline.contacts import service as contacts
from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import NotAuthenticated, NotFound, responses
from helpline.tenancy import service as tenancy
from helpline.widget import service as widget
from helpline.widget.schemas import VisitorAttributesUpdate, WidgetConfig, WidgetSnippet

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
    public_key: str, session: SessionDep, response: Response, public_url: PublicUrl
) -> WidgetConfig:
    """The widget's look, pre-chat form and business hours, with whether the team is open now
    and the help centre's address when it has anything published (public: the key is
    published in the website's page)."""
    config = await widget.public_config(session, public_key[:64], public_url)
    response.headers["Cache-Control"] = CONFIG_CACHE
    return config


@router.get("/workspace/widget-snippet")
async def get_widget_snippet(
    principal: Manager, session: SessionDep, public_url: PublicUrl
) -> WidgetSnippet:
    """The exact `<script>` tag that installs the widget on a website (owners and admins)."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    return widget.snippet_of(public_url, workspace)


@router.patch(
    "/widget/me/attributes",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(NotAuthenticated, contacts.InvalidContact),
)
async def set_my_attributes(
    body: VisitorAttributesUpdate, principal: Visitor, session: SessionDep
) -> Response:
    """Set attributes on yourself (pre-chat answers, `Helpline.setAttributes`); they are
    merged into what you had, and a null value deletes one."""
    await widget.set_visitor_attributes(session, principal, body.attributes)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
