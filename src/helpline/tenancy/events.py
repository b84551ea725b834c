"""Real-time events about the members of a workspace, and who receives them.

Every member's socket holds the EVERY_MEMBER key (conversations/events.member_keys); visitors
never do: availability and presence are the workspace's internal business.
"""

import uuid
from typing import Final, Literal

from pydantic import BaseModel

from helpline.tenancy.models import Availability

EVERY_MEMBER: Final = "members"


class AvailabilityChanged(BaseModel):
    type: Literal["availability"] = "availability"
    member_id: uuid.UUID
    availability: Availability

    def encode(self) -> str:
        return self.model_dump_json()
