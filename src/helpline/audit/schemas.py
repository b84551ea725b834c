"""Response shape of the audit log."""

import uuid
from datetime import datetime
from typing import Any

from helpline.core.schemas import IDSchema


class AuditEventRead(IDSchema):
    created_at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    actor_label: str
    action: str
    target_type: str
    target_id: uuid.UUID | None
    data: dict[str, Any]
    ip: str
    user_agent: str
    request_id: str
