"""Recording and reading the audit log of administrative actions."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit.models import AuditEvent
from helpline.audit.repository import AuditRepository
from helpline.auth.principals import ApiKeyPrincipal, Principal
from helpline.core.context import current_origin
from helpline.core.pagination import PageParams


def record(
    session: AsyncSession,
    actor: Principal | None,
    *,
    workspace_id: uuid.UUID,
    action: str,
    target_type: str,
    target_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction: it exists only if the action commits.

    `actor` None means the system itself (the CLI, a job). Never put secrets in `data`.
    """
    origin = current_origin()
    if actor is None:
        actor_type, actor_id, label = "system", None, "system"
    elif isinstance(actor, ApiKeyPrincipal):
        actor_type, actor_id, label = actor.kind, actor.api_key_id, actor.label
    else:
        actor_type, actor_id, label = actor.kind, actor.user_id, actor.label
    event = AuditEvent(
        workspace_id=workspace_id,
        actor_type=actor_type,
        actor_id=actor_id,
        actor_label=label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=data or {},
        ip=origin.ip,
        user_agent=origin.user_agent,
        request_id=origin.request_id,
    )
    session.add(event)
    return event


async def list_events(
    session: AsyncSession, workspace_id: uuid.UUID, params: PageParams, *, action: str | None
) -> tuple[Sequence[AuditEvent], str | None]:
    return await AuditRepository(session, workspace_id=workspace_id).page(params, action=action)
