"""Reports over REST: the bot's figures, for those who run the team and for API keys."""

from datetime import timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.core.deps import SessionDep
from helpline.core.errors import BadRequest, responses
from helpline.core.time import utc_now
from helpline.reports import service as reports
from helpline.reports.schemas import BotReport
from helpline.tenancy.models import Role

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

# Those who run the team read its figures; agents do not (dashboard/guards.py, Supervisor).
READER_ROLES: Final = frozenset({Role.owner, Role.admin, Role.supervisor})
Reader = Annotated[
    MemberPrincipal | ApiKeyPrincipal, Depends(WorkspaceAuth(READER_ROLES, Scope.reports_read))
]
Days = Annotated[int, Query(ge=1, le=365, description="The period: the last `days` days.")]


@router.get("/bot", responses=responses(BadRequest))
async def get_bot_report(principal: Reader, session: SessionDep, days: Days = 30) -> BotReport:
    """The bot over the last `days` days (1 to 365, default 30): conversations it started,
    resolved alone, handed to people (and why), and the questions it could not answer."""
    until = utc_now()
    return await reports.bot_report(
        session, principal.workspace_id, until - timedelta(days=days), until
    )
