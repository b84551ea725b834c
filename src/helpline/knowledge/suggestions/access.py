"""Suggestion ids from clients become objects only here, inside the caller's workspace."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import WorkspacePrincipal
from helpline.core.errors import NotFound
from helpline.knowledge.suggestions.models import FaqSuggestion
from helpline.knowledge.suggestions.repository import SuggestionRepository


async def access_suggestion(
    session: AsyncSession, principal: WorkspacePrincipal, suggestion_id: uuid.UUID
) -> FaqSuggestion:
    """The suggestion, or NotFound whether it is missing or another workspace's."""
    repository = SuggestionRepository(session, workspace_id=principal.workspace_id)
    suggestion = await repository.get(suggestion_id)
    if suggestion is None:
        raise NotFound("Suggestion not found.")
    return suggestion
