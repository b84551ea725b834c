"""The bot's settings over REST: every member reads them, owners and admins change them."""

from typing import Annotated

from fastapi import APIRouter, Depends

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import (
    ALL_ROLES,
    MANAGER_ROLES,
    ApiKeyPrincipal,
    MemberPrincipal,
    Scope,
)
from helpline.bot import service as bot
from helpline.bot.schemas import BotSettingsRead, BotSettingsUpdate
from helpline.core.deps import SessionDep
from helpline.core.errors import NotFound, PermissionDenied, responses
from helpline.tenancy import service as tenancy

router = APIRouter(prefix="/api/v1/bot", tags=["bot"])

Principal = MemberPrincipal | ApiKeyPrincipal
# The same guards as the workspace's other settings (tenancy/api.py).
BotReader = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.workspace_read))]
BotWriter = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.workspace_write))]


@router.get("/settings")
async def get_bot_settings(principal: BotReader, session: SessionDep) -> BotSettingsRead:
    """The bot's name, persona, messages, escalation rules and allowed actions."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    return bot.bot_settings(workspace)


@router.patch("/settings", responses=responses(NotFound, PermissionDenied))
async def update_bot_settings(
    body: BotSettingsUpdate, principal: BotWriter, session: SessionDep
) -> BotSettingsRead:
    """Change the bot's settings (owners and admins); only the fields sent change."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    return bot.update_bot_settings(session, principal, workspace, body)
