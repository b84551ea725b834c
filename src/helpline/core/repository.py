"""Repositories: every SQL statement of a domain lives in its repository.

`TenantRepository` is built with a workspace id and filters every statement by it, so a
query written through it cannot reach another workspace's rows by construction.
"""

import uuid
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import override

M = TypeVar("M", bound=Any)


class Repository(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def base_statement(self) -> Select[M]:
        return select(self.model)

    async def get(self, id_: uuid.UUID) -> M | None:
        statement = self.base_statement().where(self.model.id == id_)
        found: M | None = (await self.session.scalars(statement)).first()
        return found

    def add(self, obj: M) -> M:
        self.session.add(obj)
        return obj

    async def delete(self, obj: M) -> None:
        await self.session.delete(obj)


class TenantRepository(Repository[M]):
    def __init__(self, session: AsyncSession, *, workspace_id: uuid.UUID) -> None:
        super().__init__(session)
        self.workspace_id = workspace_id

    @override
    def base_statement(self) -> Select[M]:
        return select(self.model).where(self.model.workspace_id == self.workspace_id)
