"""The widget's public configuration and its install snippet, built from workspace settings."""

from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.tenancy.models import Workspace
from helpline.tenancy.schemas import WorkspaceSettings
from helpline.visitors import service as visitors
from helpline.widget.schemas import WidgetConfig, WidgetSnippet

# The path of the loader; `v1` changes only with an incompatible widget (docs/widget.md).
SCRIPT_PATH = "/widget/v1/widget.js"


async def public_config(session: AsyncSession, public_key: str) -> WidgetConfig:
    """The look of the widget of the active workspace with this key; NotFound otherwise."""
    workspace = await visitors.widget_workspace(session, public_key)
    return config_of(workspace)


def config_of(workspace: Workspace) -> WidgetConfig:
    settings = WorkspaceSettings.model_validate(workspace.settings)
    return WidgetConfig(
        name=settings.widget_name or workspace.name,
        color=settings.widget_color.lower(),
        greeting=settings.widget_greeting,
        position=settings.widget_position,
        theme=settings.widget_theme,
        locale=settings.locale,
    )


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
