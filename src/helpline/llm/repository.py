"""Every SQL statement of the LLM configuration."""

from sqlalchemy import select

from helpline.core.repository import TenantRepository
from helpline.llm.models import LLMConfig


class LLMConfigRepository(TenantRepository[LLMConfig]):
    model = LLMConfig

    async def current(self) -> LLMConfig | None:
        """The workspace's configuration (one at most), or None: the platform's default."""
        statement = select(LLMConfig).where(LLMConfig.workspace_id == self.workspace_id)
        found: LLMConfig | None = (await self.session.scalars(statement)).first()
        return found
