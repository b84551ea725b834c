"""SQL for canned responses. Every statement is filtered by the workspace."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, or_

from helpline.canned.models import CannedResponse
from helpline.core.repository import TenantRepository


class CannedResponseRepository(TenantRepository[CannedResponse]):
    model = CannedResponse

    async def get_by_shortcut(self, shortcut: str) -> CannedResponse | None:
        statement = self.base_statement().where(CannedResponse.shortcut == shortcut)
        return (await self.session.scalars(statement)).first()

    async def page(
        self, *, after: str | None, limit: int, q: str | None
    ) -> tuple[Sequence[CannedResponse], bool]:
        """Up to `limit` responses by shortcut, those after the shortcut `after` if given,
        and whether more follow. Shortcuts are unique in a workspace, so they alone order
        the pages."""
        statement: Select[CannedResponse] = self.base_statement()
        if q:
            statement = statement.where(_matches(q))
        if after is not None:
            statement = statement.where(CannedResponse.shortcut > after)
        statement = statement.order_by(CannedResponse.shortcut).limit(limit + 1)
        rows = (await self.session.scalars(statement)).all()
        return rows[:limit], len(rows) > limit


def _matches(q: str) -> ColumnElement[bool]:
    # Shortcuts are stored lowercase, so lowering the search is enough to ignore case there.
    return or_(
        CannedResponse.shortcut.startswith(q.lower(), autoescape=True),
        CannedResponse.title.icontains(q, autoescape=True),
    )
