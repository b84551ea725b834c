"""SQL for the audit log."""

from collections.abc import Sequence

from helpline.audit.models import AuditEvent
from helpline.core.pagination import PageParams, paginate
from helpline.core.repository import TenantRepository


class AuditRepository(TenantRepository[AuditEvent]):
    model = AuditEvent

    async def page(
        self, params: PageParams, *, action: str | None
    ) -> tuple[Sequence[AuditEvent], str | None]:
        statement = self.base_statement()
        if action:
            statement = statement.where(AuditEvent.action == action)
        return await paginate(
            self.session, statement, id_column=AuditEvent.id, params=params, newest_first=True
        )
