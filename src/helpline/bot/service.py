"""The bot's settings, read and changed (REST and the dashboard's page both come here)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import Principal
from helpline.bot.schemas import LEGACY_FIELDS, BotSettingsRead, BotSettingsUpdate
from helpline.tenancy.models import Workspace
from helpline.tenancy.schemas import WorkspaceSettings


def bot_settings(workspace: Workspace) -> BotSettingsRead:
    config = WorkspaceSettings.model_validate(workspace.settings)
    flat: dict[str, Any] = config.bot.model_dump()
    for name, stored in LEGACY_FIELDS.items():
        flat[name] = getattr(config, stored)
    return BotSettingsRead.model_validate(flat)


def update_bot_settings(
    session: AsyncSession, actor: Principal, workspace: Workspace, update: BotSettingsUpdate
) -> BotSettingsRead:
    """Apply the fields sent; audited as `bot.settings_updated` with the names changed."""
    changes = update.model_dump(exclude_unset=True, exclude_none=True)
    settings = dict(workspace.settings)
    profile = dict(settings.get("bot") or {})
    for name, value in changes.items():
        if name in LEGACY_FIELDS:
            settings[LEGACY_FIELDS[name]] = value
        else:
            profile[name] = value
    settings["bot"] = profile
    # Validated whole before it is stored: what is kept is always a readable configuration.
    workspace.settings = WorkspaceSettings.model_validate(settings).model_dump(
        mode="json", include={*settings}
    )
    audit.record(
        session,
        actor,
        workspace_id=workspace.id,
        action="bot.settings_updated",
        target_type="workspace",
        target_id=workspace.id,
        data={"changed": sorted(changes)},
    )
    return bot_settings(workspace)
