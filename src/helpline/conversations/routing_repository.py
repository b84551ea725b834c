"""SQL for automatic assignment: the queue, each member's load, and who may take a
conversation (the rules: docs/assignment.md)."""

import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute

from helpline.conversations.models import Conversation, Owner, Status
from helpline.core.repository import TenantRepository
from helpline.tenancy.models import Availability, Membership, TeamMember

# What counts against a member's capacity; automatic assignment hands out the same statuses.
WORKING_STATUSES: Final = frozenset({Status.open, Status.pending})


class QueueRepository(TenantRepository[Conversation]):
    model = Conversation

    def _queue_order(self) -> tuple[ColumnElement[Any], InstrumentedAttribute[int]]:
        # Oldest waiting first: since the contact's first unanswered message, else since the
        # conversation began; the display number breaks ties stably.
        return (
            func.coalesce(Conversation.waiting_since, Conversation.created_at),
            Conversation.number,
        )

    async def queued(self) -> Sequence[Conversation]:
        """The queue: open conversations nobody (and no bot) has, oldest waiting first."""
        statement = (
            self.base_statement()
            .where(
                Conversation.status == Status.open,
                Conversation.assignee_id.is_(None),
                Conversation.owner != Owner.bot,
                Conversation.merged_into_id.is_(None),
            )
            .order_by(*self._queue_order())
        )
        return (await self.session.scalars(statement)).all()

    async def working_of(self, member_id: uuid.UUID) -> Sequence[Conversation]:
        """The member's conversations that count against their capacity, in queue order."""
        statement = (
            self.base_statement()
            .where(
                Conversation.assignee_id == member_id,
                Conversation.status.in_(WORKING_STATUSES),
            )
            .order_by(*self._queue_order())
        )
        return (await self.session.scalars(statement)).all()


class AssigneeRepository(TenantRepository[Membership]):
    model = Membership

    def _load(self) -> ColumnElement[int]:
        """How many working conversations the outer query's member has."""
        return (
            select(func.count())
            .select_from(Conversation)
            .where(
                Conversation.workspace_id == self.workspace_id,
                Conversation.assignee_id == Membership.id,
                Conversation.status.in_(WORKING_STATUSES),
            )
            .correlate(Membership)
            .scalar_subquery()
        )

    def _has_room(self) -> list[ColumnElement[bool]]:
        return [
            Membership.workspace_id == self.workspace_id,
            Membership.availability == Availability.online,
            # Capacity 0 opts a member out of automatic assignment altogether.
            Membership.capacity > 0,
            self._load() < Membership.capacity,
        ]

    async def candidate_ids(self, team_id: uuid.UUID | None) -> list[uuid.UUID]:
        """Members who may take a conversation of `team_id` (any member when None), in
        round-robin order: assigned longest ago first, never assigned before anyone."""
        statement = select(Membership.id).where(*self._has_room())
        if team_id is not None:
            statement = statement.where(
                exists().where(
                    TeamMember.team_id == team_id, TeamMember.membership_id == Membership.id
                )
            )
        statement = statement.order_by(
            Membership.last_assigned_at.asc().nulls_first(), Membership.id
        )
        return list((await self.session.scalars(statement)).all())

    async def anyone_has_room(self) -> bool:
        statement = select(Membership.id).where(*self._has_room()).limit(1)
        return (await self.session.execute(statement)).first() is not None

    async def load_of(self, member_id: uuid.UUID) -> int:
        statement = select(func.count()).where(
            Conversation.workspace_id == self.workspace_id,
            Conversation.assignee_id == member_id,
            Conversation.status.in_(WORKING_STATUSES),
        )
        return int((await self.session.execute(statement)).scalar_one())
