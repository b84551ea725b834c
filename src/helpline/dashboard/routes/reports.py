"""The reports pages, under `/app/reports/…`, for those who run the team (owners, admins,
supervisors), from the same service as the REST reports (reports/api.py)."""

from datetime import timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response

from helpline.core.deps import SessionDep
from helpline.core.time import utc_now
from helpline.dashboard.guards import Supervisor
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import settings_page
from helpline.reports import service as reports

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BOT_REPORT: Final = "/app/reports/bot"
PERIODS: Final = (7, 30, 90, 365)
# Any other number of days in the address falls back to the default rather than failing.
Days = Annotated[int, Query(ge=1, le=365)]


@router.get(BOT_REPORT)
async def bot_report_page(
    request: Request, session: SessionDep, viewer: Supervisor, days: Days = 30
) -> Response:
    until = utc_now()
    report = await reports.bot_report(
        session, viewer.principal.workspace_id, until - timedelta(days=days), until
    )
    context = {"report": report, "days": days, "periods": PERIODS}
    return await settings_page(
        request, session, viewer, "reports/bot.html", context, active="bot-report"
    )
