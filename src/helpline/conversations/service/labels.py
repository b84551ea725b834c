"""Labels: a small, normalised set of tags per conversation, replaced as a whole."""

import re
from collections.abc import Iterable
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations.models import Conversation, SystemEvent
from helpline.conversations.repository import LabelRepository
from helpline.conversations.service.common import Actor, InvalidLabels, check_not_merged, lock
from helpline.conversations.service.timeline import post_system

MAX_LABELS: Final = 20
MAX_LABEL_CHARS: Final = 50
_LABEL: Final = re.compile(rf"[a-z0-9_\- ]{{1,{MAX_LABEL_CHARS}}}")


def normalize_label(raw: str) -> str:
    """Lowercase, with runs of spaces collapsed: "  VIP  Customer " -> "vip customer"."""
    return " ".join(raw.split()).lower()


def normalize_labels(raw: Iterable[str]) -> list[str]:
    labels: list[str] = []
    for value in raw:
        label = normalize_label(value)
        if not _LABEL.fullmatch(label):
            raise InvalidLabels(
                f"{value[:60]!r} is not a valid label: use 1 to {MAX_LABEL_CHARS} letters a-z, "
                "digits, spaces, hyphens or underscores."
            )
        if label not in labels:
            labels.append(label)
    if len(labels) > MAX_LABELS:
        raise InvalidLabels(f"A conversation has at most {MAX_LABELS} labels, not {len(labels)}.")
    return labels


async def set_labels(
    session: AsyncSession, actor: Actor, conversation: Conversation, labels: Iterable[str]
) -> list[str]:
    """Replace the conversation's labels; returns them sorted. A change is recorded in the
    timeline with what was added and removed."""
    wanted = normalize_labels(labels)
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    repository = LabelRepository(session, workspace_id=conversation.workspace_id)
    current = await repository.of(conversation.id)
    added = sorted(set(wanted) - set(current))
    removed = sorted(set(current) - set(wanted))
    if added or removed:
        if removed:
            await repository.remove(conversation.id, removed)
        repository.add_all(conversation.id, added)
        post_system(
            session,
            conversation,
            actor,
            SystemEvent.labels_changed,
            {"added": added, "removed": removed},
        )
        await session.flush()
    return sorted(wanted)
