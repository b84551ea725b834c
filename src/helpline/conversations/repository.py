"""SQL for conversations, messages, labels, read cursors and the per-workspace numbering.

Team visibility is one SQL clause, `visible_to(viewer)`, shared by single lookups (access.py)
and every list, so what an agent can open and what it can list never disagree."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.contacts.models import Contact
from helpline.conversations.models import (
    VISITOR_SYSTEM_EVENTS,
    Attachment,
    Conversation,
    ConversationCounter,
    ConversationLabel,
    Message,
    ReadCursor,
    SenderKind,
    Status,
)
from helpline.core.pagination import PageParams, paginate
from helpline.core.repository import TenantRepository
from helpline.tenancy.models import TeamMember


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    status: Status | None = None
    # A member id, or "unassigned".
    assignee: uuid.UUID | Literal["unassigned"] | None = None
    team_id: uuid.UUID | None = None
    label: str | None = None
    # Matched as a substring, case-insensitively, in the subject, the contact's name and email,
    # and message bodies. TODO(#3): full-text search once the volume needs it.
    text: str | None = None


def visible_to(viewer: uuid.UUID | None) -> ColumnElement[bool]:
    """Conversations the member `viewer` may see through team visibility: those in no team,
    those assigned to them, and those of a team they belong to. None sees everything."""
    if viewer is None:
        return true()
    return or_(
        Conversation.team_id.is_(None),
        Conversation.assignee_id == viewer,
        Conversation.team_id.in_(
            select(TeamMember.team_id).where(TeamMember.membership_id == viewer)
        ),
    )


def _insert_ignoring_conflict(
    session: AsyncSession, model: type[Any], values: dict[str, Any], keys: list[str]
) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: creates a row on first use without racing another
    transaction doing the same (the loser waits for the winner, then inserts nothing)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)


class ConversationRepository(TenantRepository[Conversation]):
    model = Conversation

    def visible(self, viewer: uuid.UUID | None) -> Select[Conversation]:
        return self.base_statement().where(visible_to(viewer))

    async def get_visible(
        self, conversation_id: uuid.UUID, viewer: uuid.UUID | None, *, lock: bool
    ) -> Conversation | None:
        statement = self.visible(viewer).where(Conversation.id == conversation_id)
        return await self._first(statement, conversation_id, lock=lock)

    async def lock(self, conversation: Conversation) -> Conversation:
        """Take the row lock and reload the row: every read-modify-write of a conversation
        (its seq above all) starts here. On SQLite the transaction already holds the write
        lock (BEGIN IMMEDIATE, core/db.py); the reload still matters there. A row this
        transaction already loaded under its lock (an access check `for_write`) is current
        and stays so: it is not read again."""
        if conversation.id in _locked_ids(self.session):
            return conversation
        statement = self.base_statement().where(Conversation.id == conversation.id)
        locked = await self._first(statement, conversation.id, lock=True)
        if locked is None:
            raise LookupError(f"Conversation {conversation.id} is gone.")
        return locked

    async def _first(
        self, statement: Select[Conversation], conversation_id: uuid.UUID, *, lock: bool
    ) -> Conversation | None:
        if not lock or conversation_id in _locked_ids(self.session):
            # Already locked by this transaction (a batch posting twice to it): the query
            # still decides access, and returns the loaded row as this transaction changed it,
            # unflushed changes included. Reloading it (populate_existing) would drop them:
            # a last_seq bumped in memory would be lost, and the next seq handed out twice.
            return (await self.session.scalars(statement)).first()
        found = (await self.session.scalars(_locked(statement))).first()
        if found is not None:
            # Asked only now: the query began the transaction if none had.
            _locked_ids(self.session).add(found.id)
        return found

    async def next_number(self) -> int:
        """The next display number of the workspace. The counter row stays locked by the
        UPDATE until commit, so concurrent creations queue and numbers never repeat."""
        await self.session.execute(
            _insert_ignoring_conflict(
                self.session,
                ConversationCounter,
                {"workspace_id": self.workspace_id, "last_number": 0},
                ["workspace_id"],
            )
        )
        statement = (
            update(ConversationCounter)
            .where(ConversationCounter.workspace_id == self.workspace_id)
            .values(last_number=ConversationCounter.last_number + 1)
            .returning(ConversationCounter.last_number)
            .execution_options(synchronize_session=False)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def page(
        self, viewer: uuid.UUID | None, filters: ConversationFilter, params: PageParams
    ) -> tuple[Sequence[Conversation], str | None]:
        statement = self.visible(viewer).where(*self._conditions(filters))
        return await paginate(
            self.session, statement, id_column=Conversation.id, params=params, newest_first=True
        )

    async def get_of_contact(
        self, conversation_id: uuid.UUID, contact_id: uuid.UUID, *, lock: bool
    ) -> Conversation | None:
        """The conversation if it is `contact_id`'s (a visitor sees only their own)."""
        statement = self.base_statement().where(
            Conversation.id == conversation_id, Conversation.contact_id == contact_id
        )
        return await self._first(statement, conversation_id, lock=lock)

    async def page_of_contact(
        self, contact_id: uuid.UUID, params: PageParams
    ) -> tuple[Sequence[Conversation], str | None]:
        statement = self.base_statement().where(Conversation.contact_id == contact_id)
        return await paginate(
            self.session, statement, id_column=Conversation.id, params=params, newest_first=True
        )

    async def for_contact(
        self, contact_id: uuid.UUID, viewer: uuid.UUID | None, params: PageParams
    ) -> tuple[Sequence[Conversation], str | None]:
        statement = self.visible(viewer).where(Conversation.contact_id == contact_id)
        return await paginate(
            self.session, statement, id_column=Conversation.id, params=params, newest_first=True
        )

    async def inbox_counts(
        self, viewer: uuid.UUID | None, me: uuid.UUID | None
    ) -> list[tuple[Status, bool, bool, uuid.UUID | None, int]]:
        """(status, unassigned, assigned to `me`, team, count) over what `viewer` sees,
        merged conversations left out: one grouped query for every number of the inbox."""
        unassigned = Conversation.assignee_id.is_(None)
        mine = Conversation.assignee_id == me if me is not None else false()
        statement = (
            select(Conversation.status, unassigned, mine, Conversation.team_id, func.count())
            .where(
                Conversation.workspace_id == self.workspace_id,
                Conversation.merged_into_id.is_(None),
                visible_to(viewer),
            )
            .group_by(Conversation.status, unassigned, mine, Conversation.team_id)
        )
        rows = (await self.session.execute(statement)).all()
        return [(Status(status), bool(u), bool(m), team, int(n)) for status, u, m, team, n in rows]

    def _conditions(self, filters: ConversationFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(Conversation.status == filters.status)
        if filters.assignee == "unassigned":
            conditions.append(Conversation.assignee_id.is_(None))
        elif filters.assignee is not None:
            conditions.append(Conversation.assignee_id == filters.assignee)
        if filters.team_id is not None:
            conditions.append(Conversation.team_id == filters.team_id)
        if filters.label is not None:
            conditions.append(self._has_label(filters.label))
        if filters.text:
            conditions.append(self._matches(filters.text))
        return conditions

    def _has_label(self, label: str) -> ColumnElement[bool]:
        return exists().where(
            ConversationLabel.conversation_id == Conversation.id, ConversationLabel.label == label
        )

    def _matches(self, text: str) -> ColumnElement[bool]:
        contacts = select(Contact.id).where(
            Contact.workspace_id == self.workspace_id,
            or_(
                Contact.name.icontains(text, autoescape=True),
                Contact.email.icontains(text, autoescape=True),
            ),
        )
        return or_(
            Conversation.subject.icontains(text, autoescape=True),
            Conversation.contact_id.in_(contacts),
            exists().where(
                Message.conversation_id == Conversation.id,
                Message.body.icontains(text, autoescape=True),
            ),
        )

    async def contacts_of(self, conversations: Iterable[Conversation]) -> dict[uuid.UUID, Contact]:
        ids = {c.contact_id for c in conversations}
        statement = select(Contact).where(
            Contact.workspace_id == self.workspace_id, Contact.id.in_(ids)
        )
        return {contact.id: contact for contact in await self.session.scalars(statement)}

    async def labels_of(self, conversation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        statement = (
            select(ConversationLabel.conversation_id, ConversationLabel.label)
            .where(
                ConversationLabel.workspace_id == self.workspace_id,
                ConversationLabel.conversation_id.in_(conversation_ids),
            )
            .order_by(ConversationLabel.label)
        )
        labels: dict[uuid.UUID, list[str]] = {id_: [] for id_ in conversation_ids}
        for conversation_id, label in (await self.session.execute(statement)).all():
            labels[conversation_id].append(label)
        return labels


def visible_to_contact() -> ColumnElement[bool]:
    """Messages the conversation's contact sees: no private notes, and of the system
    messages only VISITOR_SYSTEM_EVENTS (the same rule as VisitorMessageRead.visible)."""
    return Message.private.is_(False) & or_(
        Message.sender_kind != SenderKind.system,
        Message.event.in_([event.value for event in VISITOR_SYSTEM_EVENTS]),
    )


# The conversations whose row lock the session's current transaction holds.
_LOCKED_KEY: Final = "helpline.conversations.locked"


def _locked_ids(session: AsyncSession) -> set[uuid.UUID]:
    transaction = session.sync_session.get_transaction()
    held: tuple[Any, set[uuid.UUID]] | None = session.info.get(_LOCKED_KEY)
    if held is None or held[0] is not transaction:
        # A new transaction holds no lock yet, whatever the last one on this session held;
        # before the first statement there is no transaction, and nothing to remember.
        held = (transaction, set())
        if transaction is not None:
            session.info[_LOCKED_KEY] = held
    return held[1]


def _locked(statement: Select[Conversation]) -> Select[Conversation]:
    # FOR NO KEY UPDATE: messages and labels inserted meanwhile only take KEY SHARE on the
    # row (their foreign key), so they are not blocked by it. populate_existing refreshes an
    # already loaded object with what the lock returned (callers lock before changing it).
    return statement.with_for_update(key_share=True, of=Conversation).execution_options(
        populate_existing=True
    )


# Unread messages are counted up to this many per conversation (MessageRepository.unread_counts).
UNREAD_COUNT_CAP: Final = 100


class MessageRepository(TenantRepository[Message]):
    model = Message

    async def by_client_id(self, conversation_id: uuid.UUID, client_id: str) -> Message | None:
        statement = self.base_statement().where(
            Message.conversation_id == conversation_id, Message.client_message_id == client_id
        )
        return (await self.session.scalars(statement)).first()

    async def history(
        self,
        conversation_id: uuid.UUID,
        *,
        after_seq: int | None,
        before_seq: int | None,
        limit: int,
        include_private: bool = True,
    ) -> tuple[list[Message], bool]:
        """Up to `limit` messages in ascending seq and whether more lie beyond: after
        `after_seq`, else the newest (before `before_seq` if given). Without
        `include_private`, what only the workspace sees is left out in SQL (visible_to_contact),
        so pages stay full and `has_more` exact."""
        statement = self.base_statement().where(Message.conversation_id == conversation_id)
        if not include_private:
            statement = statement.where(visible_to_contact())
        if before_seq is not None:
            statement = statement.where(Message.seq < before_seq)
        forwards = after_seq is not None
        if forwards:
            statement = statement.where(Message.seq > after_seq)
        order = Message.seq.asc() if forwards else Message.seq.desc()
        rows = list((await self.session.scalars(statement.order_by(order).limit(limit + 1))).all())
        has_more = len(rows) > limit
        rows = rows[:limit]
        return (rows if forwards else rows[::-1]), has_more

    async def newest_said(self, conversation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Message]:
        """The newest message someone wrote (not a system event; notes included) of each
        conversation: what a member's list shows under it."""
        return await self._newest(conversation_ids, Message.sender_kind != SenderKind.system)

    async def unread_counts(
        self, conversations: Sequence[Conversation], member_id: uuid.UUID
    ) -> dict[uuid.UUID, int]:
        """How many messages others wrote after the member's read position, per conversation
        (absent: none), counted among its newest UNREAD_COUNT_CAP messages only: a backlog of
        a million costs what one of a hundred does, and shows as the cap ("99+")."""
        cursor = (
            select(ReadCursor.last_read_seq)
            .where(
                ReadCursor.conversation_id == Message.conversation_id,
                ReadCursor.member_id == member_id,
            )
            .correlate(Message)
            .scalar_subquery()
        )
        # One index range per conversation, (conversation_id, seq), of at most the cap.
        recent = or_(
            *(
                (Message.conversation_id == c.id) & (Message.seq > c.last_seq - UNREAD_COUNT_CAP)
                for c in conversations
            )
        )
        statement = (
            select(Message.conversation_id, func.count())
            .where(
                Message.workspace_id == self.workspace_id,
                recent,
                Message.sender_kind != SenderKind.system,
                or_(Message.sender_member_id.is_(None), Message.sender_member_id != member_id),
                Message.seq > func.coalesce(cursor, 0),
            )
            .group_by(Message.conversation_id)
        )
        rows = (await self.session.execute(statement)).all()
        return {conversation_id: int(count) for conversation_id, count in rows}

    async def newest_visible(
        self, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Message]:
        """The newest message the contact sees (visible_to_contact) of each conversation."""
        return await self._newest(conversation_ids, visible_to_contact())

    async def _newest(
        self, conversation_ids: Sequence[uuid.UUID], condition: ColumnElement[bool]
    ) -> dict[uuid.UUID, Message]:
        """Each conversation's newest message meeting `condition`, found by walking its
        (conversation_id, seq) index back from the end: however long the conversation, this
        reads the few rows at its end (a max() over the condition would read them all)."""
        newest_seq = (
            select(Message.seq)
            .where(
                Message.workspace_id == self.workspace_id,
                Message.conversation_id == Conversation.id,
                condition,
            )
            .order_by(Message.seq.desc())
            .limit(1)
            .correlate(Conversation)
            .scalar_subquery()
        )
        newest = (
            select(Conversation.id.label("conversation_id"), newest_seq.label("seq"))
            .where(
                Conversation.workspace_id == self.workspace_id,
                Conversation.id.in_(conversation_ids),
            )
            .subquery()
        )
        statement = self.base_statement().join(
            newest,
            (Message.conversation_id == newest.c.conversation_id) & (Message.seq == newest.c.seq),
        )
        return {m.conversation_id: m for m in (await self.session.scalars(statement)).all()}


class LabelRepository(TenantRepository[ConversationLabel]):
    model = ConversationLabel

    async def of(self, conversation_id: uuid.UUID) -> list[str]:
        statement = (
            select(ConversationLabel.label)
            .where(
                ConversationLabel.workspace_id == self.workspace_id,
                ConversationLabel.conversation_id == conversation_id,
            )
            .order_by(ConversationLabel.label)
        )
        return list((await self.session.scalars(statement)).all())

    async def remove(self, conversation_id: uuid.UUID, labels: Iterable[str]) -> None:
        await self.session.execute(
            delete(ConversationLabel).where(
                ConversationLabel.workspace_id == self.workspace_id,
                ConversationLabel.conversation_id == conversation_id,
                ConversationLabel.label.in_(list(labels)),
            )
        )

    def add_all(self, conversation_id: uuid.UUID, labels: Iterable[str]) -> None:
        for label in labels:
            self.add(
                ConversationLabel(
                    workspace_id=self.workspace_id, conversation_id=conversation_id, label=label
                )
            )


class ReadCursorRepository(TenantRepository[ReadCursor]):
    model = ReadCursor

    async def advance(
        self,
        conversation_id: uuid.UUID,
        *,
        member_id: uuid.UUID | None = None,
        contact_id: uuid.UUID | None = None,
        seq: int,
    ) -> int:
        """Move the reader's cursor to `seq` unless it is already further; returns where it
        is. Race-free without locking the conversation: create-if-missing, then one UPDATE."""
        reader = ReadCursor.member_id if member_id is not None else ReadCursor.contact_id
        reader_id = member_id if member_id is not None else contact_id
        await self.session.execute(
            _insert_ignoring_conflict(
                self.session,
                ReadCursor,
                {
                    "workspace_id": self.workspace_id,
                    "conversation_id": conversation_id,
                    reader.key: reader_id,
                    "last_read_seq": 0,
                },
                ["conversation_id", reader.key],
            )
        )
        statement = (
            update(ReadCursor)
            .where(
                ReadCursor.workspace_id == self.workspace_id,
                ReadCursor.conversation_id == conversation_id,
                reader == reader_id,
            )
            .values(
                last_read_seq=case(
                    (ReadCursor.last_read_seq < seq, seq), else_=ReadCursor.last_read_seq
                )
            )
            .returning(ReadCursor.last_read_seq)
            .execution_options(synchronize_session=False)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def of_contact(
        self, contact_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """How far the contact has read each of these conversations (absent: nothing read)."""
        statement = self.base_statement().where(
            ReadCursor.contact_id == contact_id, ReadCursor.conversation_id.in_(conversation_ids)
        )
        return {c.conversation_id: c.last_read_seq for c in await self.session.scalars(statement)}


class AttachmentRepository(TenantRepository[Attachment]):
    model = Attachment

    async def get_visible(
        self, attachment_id: uuid.UUID, viewer: uuid.UUID | None
    ) -> Attachment | None:
        """The attachment, if its conversation is visible to `viewer` (see visible_to)."""
        statement = (
            self.base_statement()
            .join(Conversation, Conversation.id == Attachment.conversation_id)
            .where(Attachment.id == attachment_id, visible_to(viewer))
        )
        return (await self.session.scalars(statement)).first()

    async def get_for_contact(
        self, attachment_id: uuid.UUID, contact_id: uuid.UUID
    ) -> tuple[Attachment, Message | None] | None:
        """The attachment with the message carrying it (None: not sent yet), if it belongs
        to one of the contact's conversations."""
        statement = (
            select(Attachment, Message)
            .join(Conversation, Conversation.id == Attachment.conversation_id)
            .outerjoin(Message, Message.id == Attachment.message_id)
            .where(
                Attachment.workspace_id == self.workspace_id,
                Attachment.id == attachment_id,
                Conversation.contact_id == contact_id,
            )
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def unsent(
        self, conversation_id: uuid.UUID, attachment_ids: Sequence[uuid.UUID]
    ) -> list[Attachment]:
        """Uploads of the conversation among `attachment_ids` that no message carries yet,
        locked until the message that takes them commits."""
        statement = (
            self.base_statement()
            .where(
                Attachment.id.in_(attachment_ids),
                Attachment.conversation_id == conversation_id,
                Attachment.message_id.is_(None),
            )
            .with_for_update()
        )
        return list((await self.session.scalars(statement)).all())

    async def of_messages(self, message_ids: Sequence[uuid.UUID]) -> list[Attachment]:
        statement = (
            self.base_statement()
            .where(Attachment.message_id.in_(message_ids))
            .order_by(Attachment.created_at, Attachment.id)
        )
        return list((await self.session.scalars(statement)).all())
