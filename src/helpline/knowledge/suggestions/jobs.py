"""The job that mines a resolved conversation, and asking for it. Apart from the service so
that the conversations service, which asks, does not import what the job reads with."""

import uuid
from typing import Final

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.jobs import queue

SUGGEST_FAQ_JOB: Final = "knowledge.suggest_faq"


class SuggestFaqArgs(BaseModel):
    workspace_id: uuid.UUID
    conversation_id: uuid.UUID


def request_suggestion(
    session: AsyncSession, workspace_id: uuid.UUID, conversation_id: uuid.UUID
) -> None:
    """After the caller's commit, look at the conversation for a FAQ entry to suggest."""
    args = SuggestFaqArgs(workspace_id=workspace_id, conversation_id=conversation_id)
    queue.enqueue(session, SUGGEST_FAQ_JOB, args, workspace_id=workspace_id)
