"""Canned response ids from clients become objects only here, inside the caller's workspace."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import WorkspacePrincipal
from helpline.canned.models import CannedResponse
from helpline.canned.repository import CannedResponseRepository
from helpline.core.errors import NotFound


async def access_canned_response(
    session: AsyncSession, principal: WorkspacePrincipal, canned_response_id: uuid.UUID
) -> CannedResponse:
    """The canned response, or NotFound whether it is missing or another workspace's."""
    repository = CannedResponseRepository(session, workspace_id=principal.workspace_id)
    canned_response = await repository.get(canned_response_id)
    if canned_response is None:
        raise NotFound("Canned response not found.")
    return canned_response
