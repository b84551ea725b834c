"""SQL for suggested FAQ entries. Every statement is filtered by the workspace."""

import uuid
from collections.abc import Sequence

from helpline.core.pagination import PageParams, paginate
from helpline.core.repository import TenantRepository
from helpline.knowledge.suggestions.models import FaqSuggestion, SuggestionStatus


class SuggestionRepository(TenantRepository[FaqSuggestion]):
    model = FaqSuggestion

    async def for_conversation(self, conversation_id: uuid.UUID) -> FaqSuggestion | None:
        statement = self.base_statement().where(FaqSuggestion.conversation_id == conversation_id)
        return (await self.session.scalars(statement)).first()

    async def page(
        self, params: PageParams, status: SuggestionStatus | None
    ) -> tuple[Sequence[FaqSuggestion], str | None]:
        statement = self.base_statement()
        if status is not None:
            statement = statement.where(FaqSuggestion.status == status)
        return await paginate(self.session, statement, id_column=FaqSuggestion.id, params=params)
