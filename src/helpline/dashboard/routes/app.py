"""The inbox: one page for every view and conversation; its scripts render it live.

`/app` and `/app/conversations/{id}` serve the same shell. The second checks first that the
conversation is one the member may see, so a link to anything else (another workspace's, a
team's they are not in) is a 404 page like a missing one. The scripts then call the REST API
and `/ws/agent` with an access token from `POST /app/token`.
"""

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from helpline.auth import service as auth
from helpline.conversations.access import access_conversation
from helpline.core.deps import SessionDep, SettingsDep
from helpline.dashboard.guards import Member, MemberWrite, Viewer
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _shell(request: Request, viewer: Viewer, conversation_id: uuid.UUID | None) -> Response:
    context: dict[str, Any] = {
        "viewer": viewer,
        "role": viewer.principal.role.value,
        "csrf": viewer.csrf,
        "conversation_id": str(conversation_id) if conversation_id else "",
    }
    return render(request, "app/inbox.html", context)


@router.get("/app")
async def inbox(request: Request, viewer: Member) -> Response:
    return _shell(request, viewer, None)


@router.get("/app/conversations/{conversation_id}")
async def conversation(
    request: Request, viewer: Member, session: SessionDep, conversation_id: uuid.UUID
) -> Response:
    found = await access_conversation(session, viewer.principal, conversation_id)
    return _shell(request, viewer, found.id)


@router.post("/app/token")
async def access_token(viewer: MemberWrite, settings: SettingsDep) -> Response:
    """A short-lived access token for the page's scripts (the cookie stays HttpOnly)."""
    token, expires_at = auth.fresh_access_token(settings, viewer.principal)
    return JSONResponse({"access_token": token, "expires_at": expires_at.isoformat()})
