"""API key ids from clients become objects only here, inside the caller's workspace."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.models import ApiKey
from helpline.auth.principals import WorkspacePrincipal
from helpline.auth.repository import ApiKeyRepository
from helpline.core.errors import NotFound


async def access_api_key(
    session: AsyncSession, principal: WorkspacePrincipal, api_key_id: uuid.UUID
) -> ApiKey:
    api_key = await ApiKeyRepository(session, workspace_id=principal.workspace_id).get(api_key_id)
    if api_key is None:
        raise NotFound("API key not found.")
    return api_key
