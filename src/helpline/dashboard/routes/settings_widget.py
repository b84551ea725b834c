"""The chat widget's settings (owners and admins): its appearance with a live preview and the
install snippet (widget/api.py's services), and identity verification with its secret
(visitors/api.py's services). A secret is only ever in the answer to the POST that asked for
it, never in a URL."""

from typing import Annotated, Final

from fastapi import APIRouter, Form, Request, Response

from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import Manager, ManagerWrite
from helpline.dashboard.pages import PageRoute, allow_https_images
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    current_settings,
    refuse,
    save_workspace,
    saved,
    settings_page,
    validated,
)
from helpline.tenancy import service as tenancy
from helpline.tenancy.schemas import WorkspaceUpdate
from helpline.visitors import service as visitors
from helpline.widget import service as widget

router = APIRouter(route_class=PageRoute, include_in_schema=False)

APPEARANCE: Final = "/app/settings/widget"
IDENTITY: Final = "/app/settings/identity"
FIELD_LABELS: Final = {
    "widget_name": "The widget's name",
    "widget_color": "The colour",
    "widget_greeting": "The greeting",
    "widget_position": "The position",
    "widget_theme": "The theme",
    "widget_logo_url": "The logo's address",
}
Checkbox = Annotated[str | None, Form(max_length=10)]


async def _appearance(
    request: Request,
    session: SessionDep,
    viewer: Manager,
    public_url: str,
    refusal: Refusal | None = None,
) -> Response:
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    # The preview shows the logo from its own host, whichever https host that is.
    allow_https_images(request)
    context = {
        "settings": await current_settings(session, viewer),
        "workspace": workspace,
        "snippet": widget.snippet_of(public_url, workspace),
    }
    return await settings_page(
        request, session, viewer, "settings/widget.html", context, active="widget", refusal=refusal
    )


@router.get(APPEARANCE)
async def appearance_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: Manager
) -> Response:
    return await _appearance(request, session, viewer, settings.public_url)


@router.post(APPEARANCE)
async def save_appearance(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ManagerWrite,
    widget_name: Text = "",
    widget_color: Text = "",
    widget_greeting: Text = "",
    widget_position: Text = "",
    widget_theme: Text = "",
    widget_logo_url: Text = "",
) -> Response:
    typed = {
        "widget_name": widget_name,
        "widget_color": widget_color,
        "widget_greeting": widget_greeting,
        "widget_position": widget_position,
        "widget_theme": widget_theme,
        "widget_logo_url": widget_logo_url,
    }
    try:
        chosen = {
            "widget_name": widget_name,
            "widget_color": widget_color or "#2563eb",
            "widget_greeting": widget_greeting,
            "widget_position": widget_position or "right",
            "widget_theme": widget_theme or "auto",
            "widget_logo_url": widget_logo_url,
        }
        update = validated(WorkspaceUpdate, {"settings": chosen}, FIELD_LABELS)
        await save_workspace(session, viewer, update)
    except AppError as error:
        refusal = await refuse(session, error, "appearance", typed)
        return await _appearance(request, session, viewer, settings.public_url, refusal)
    return saved(APPEARANCE)


async def _identity(
    request: Request,
    session: SessionDep,
    viewer: Manager,
    *,
    secret: str | None = None,
    rotated: bool = False,
    refusal: Refusal | None = None,
) -> Response:
    context = {
        "settings": await current_settings(session, viewer),
        "secret": secret,
        "rotated": rotated,
    }
    return await settings_page(
        request,
        session,
        viewer,
        "settings/identity.html",
        context,
        active="identity",
        refusal=refusal,
    )


@router.get(IDENTITY)
async def identity_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _identity(request, session, viewer)


@router.post(IDENTITY)
async def save_identity(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    identity_verification: Checkbox = None,
) -> Response:
    typed = {"identity_verification": identity_verification is not None}
    try:
        update = validated(WorkspaceUpdate, {"settings": typed}, FIELD_LABELS)
        await save_workspace(session, viewer, update)
    except AppError as error:
        refusal = await refuse(session, error, "identity", typed)
        return await _identity(request, session, viewer, refusal=refusal)
    return saved(IDENTITY)


@router.post(IDENTITY + "/reveal")
async def reveal_secret(request: Request, session: SessionDep, viewer: ManagerWrite) -> Response:
    """Show the secret in this answer only (audited, as GET /api/v1/workspace/identity-secret)."""
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    secret = await visitors.reveal_identity_secret(session, viewer.principal, workspace)
    return await _identity(request, session, viewer, secret=secret)


@router.get(IDENTITY + "/rotate")
async def confirm_rotation(request: Request, session: SessionDep, viewer: Manager) -> Response:
    context = {
        "heading": "Rotate the identity secret",
        "question": "Replace the identity secret with a new one?",
        "consequence": (
            "Hashes made with the current secret stop verifying at once: update your "
            "website's server with the new secret straight away. Visitors already identified "
            "keep their sessions."
        ),
        "action": IDENTITY + "/rotate",
        "button": "Rotate the secret",
        "back": IDENTITY,
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="identity"
    )


@router.post(IDENTITY + "/rotate")
async def rotate_secret(request: Request, session: SessionDep, viewer: ManagerWrite) -> Response:
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    secret = await visitors.rotate_identity_secret(session, viewer.principal, workspace)
    return await _identity(request, session, viewer, secret=secret, rotated=True)
