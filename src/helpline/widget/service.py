"""The widget's public configuration and its install snippet, built from workspace settings;
the attributes a visitor sets on themself."""

from html import escape
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import VisitorPrincipal
from helpline.contacts import service as contacts
from helpline.contacts.repository import ContactRepository
from helpline.core.errors import NotAuthenticated
from helpline.core.time import utc_now
from helpline.helpcentre import service as helpcentre
from helpline.knowledge.repository import ChunkRepository
from helpline.tenancy.models import Workspace
from helpline.tenancy.schemas import WorkspaceSettings
from helpline.visitors import service as visitors
from helpline.visitors.schemas import UNVERIFIED_ID_ATTRIBUTE
from helpline.widget.hours import opening
from helpline.widget.schemas import WidgetConfig, WidgetHours, WidgetSnippet

# The path of the entry websites paste: it never changes, so it is cached for minutes and
# imports the modules from a versioned folder (widget/routes.py); `v1` changes only with an
# incompatible widget (docs/widget.md).
SCRIPT_PATH = "/widget/v1/widget.js"
# Attributes Helpline itself keeps on a visitor: a visitor cannot write them.
RESERVED_ATTRIBUTES: Final = frozenset({UNVERIFIED_ID_ATTRIBUTE})


async def public_config(session: AsyncSession, public_key: str, public_url: str) -> WidgetConfig:
    """The look of the widget of the active workspace with this key; NotFound otherwise."""
    workspace = await visitors.widget_workspace(session, public_key)
    help_centre_url = ""
    if await ChunkRepository(session, workspace_id=workspace.id).any_published():
        help_centre_url = public_url.rstrip("/") + helpcentre.centre_of(workspace).path
    return config_of(workspace, help_centre_url=help_centre_url)


def config_of(workspace: Workspace, *, help_centre_url: str = "") -> WidgetConfig:
    settings = WorkspaceSettings.model_validate(workspace.settings)
    now = opening(settings.business_hours, settings.timezone, utc_now())
    return WidgetConfig(
        name=settings.widget_name or workspace.name,
        color=settings.widget_color.lower(),
        greeting=settings.widget_greeting,
        position=settings.widget_position,
        theme=settings.widget_theme,
        logo_url=settings.widget_logo_url,
        locale=settings.locale,
        prechat=settings.widget_prechat,
        hours=WidgetHours(
            enabled=settings.business_hours.enabled,
            open_now=now.open_now,
            next_open_at=now.next_open_at,
        ),
        offline_message=settings.offline_message,
        help_centre_url=help_centre_url,
        bot_name=settings.bot.name,
    )


async def set_visitor_attributes(
    session: AsyncSession, principal: VisitorPrincipal, attributes: dict[str, Any]
) -> None:
    """Merge `attributes` into the visitor's own contact (None deletes a key), under the
    contacts' rules; InvalidContact for a key Helpline keeps for itself."""
    reserved = sorted(RESERVED_ATTRIBUTES & set(attributes))
    if reserved:
        raise contacts.InvalidContact(
            f"The attribute {reserved[0]!r} is kept by Helpline itself: a visitor cannot set it."
        )
    repository = ContactRepository(session, workspace_id=principal.workspace_id)
    # Locked: the merge reads the attributes before writing them.
    contact = await repository.get_for_update(principal.contact_id)
    if contact is None:
        raise NotAuthenticated(visitors.SESSION_NOT_VALID)
    await contacts.update_contact(session, contact, changes={"attributes": attributes})


def snippet_of(public_url: str, workspace: Workspace) -> WidgetSnippet:
    """The one tag a website adds before `</body>`. A module script: deferred by nature, so it
    never blocks the host page's rendering."""
    script_url = public_url.rstrip("/") + SCRIPT_PATH
    tag = snippet_tag(script_url, workspace.public_key)
    return WidgetSnippet(snippet=tag, script_url=script_url, public_key=workspace.public_key)


def snippet_tag(script_url: str, public_key: str) -> str:
    return (
        f'<script type="module" src="{escape(script_url)}" '
        f'data-helpline-key="{escape(public_key)}" async></script>'
    )
