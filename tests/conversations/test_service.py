"""Service branches the REST API cannot reach yet: the contact writing (the visitor API comes
later), guards against objects of another workspace, and the service's own validation (the
WebSocket, bot and CLI will call it without the REST schemas in front)."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import MemberPrincipal
from helpline.conversations import service as conversations
from helpline.conversations.access import access_conversation
from helpline.conversations.models import Channel, Conversation, SenderKind, Status
from helpline.core.errors import NotFound, PermissionDenied
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.tenancy.access import access_member, access_team
from helpline.tenancy.models import Role
from tests.conversations.support import (
    conversation_row,
    cursors_of,
    member_principal,
    messages_of,
    service_session,
)
from tests.fixtures.world import Tenant, World


def _contact_of(tenant: Tenant) -> conversations.ContactActor:
    return conversations.ContactActor(
        workspace_id=tenant.workspace.id, contact_id=tenant.contact.id
    )


async def _admin(runtime: Runtime, tenant: Tenant) -> MemberPrincipal:
    return await member_principal(runtime, tenant.member(Role.admin))


async def _conversation(
    session: AsyncSession, principal: MemberPrincipal, tenant: Tenant
) -> Conversation:
    return await access_conversation(session, principal, tenant.conversation.id)


class TestContactMessages:
    async def test_the_contact_waits_from_their_first_unanswered_message(
        self, runtime: Runtime, world: World
    ) -> None:
        admin = await _admin(runtime, world.a)
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            await conversations.post_message(session, admin, conversation, body="Answer")
            first = await conversations.post_message(
                session, _contact_of(world.a), conversation, body="Thanks, one more thing"
            )
            await conversations.post_message(
                session, _contact_of(world.a), conversation, body="Hello?"
            )

        row = await conversation_row(runtime, world.a.conversation.id)
        assert row.waiting_since == first.message.created_at
        assert (first.message.sender_kind, first.message.sender_contact_id) == (
            SenderKind.contact,
            world.a.contact.id,
        )
        assert row.last_seq == 4

    @pytest.mark.parametrize("status", [Status.resolved, Status.pending, Status.snoozed])
    async def test_a_contact_message_reopens(
        self, runtime: Runtime, world: World, status: Status
    ) -> None:
        admin = await _admin(runtime, world.a)
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            if status == Status.snoozed:
                await conversations.snooze(
                    session, admin, conversation, until=utc_now() + timedelta(hours=1)
                )
            else:
                await conversations.set_status(session, admin, conversation, status)
            posted = await conversations.post_message(
                session, _contact_of(world.a), conversation, body="It happened again"
            )

        row = await conversation_row(runtime, world.a.conversation.id)
        assert (row.status, row.snoozed_until, row.resolved_at) == (Status.open, None, None)
        *_, reopened, message = await messages_of(runtime, world.a.conversation.id)
        assert (reopened.event, reopened.data) == (
            "reopened",
            {"previous_status": status.value, "reason": "contact_replied"},
        )
        assert reopened.sender_contact_id == world.a.contact.id
        assert message.id == posted.message.id

    async def test_an_open_conversation_is_not_reopened(
        self, runtime: Runtime, world: World
    ) -> None:
        admin = await _admin(runtime, world.a)
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            await conversations.post_message(
                session, _contact_of(world.a), conversation, body="More details"
            )

        assert [m.event for m in await messages_of(runtime, world.a.conversation.id)] == [
            None,
            None,
        ]

    async def test_a_contact_writes_only_in_their_own_conversations_and_no_notes(
        self, runtime: Runtime, world: World
    ) -> None:
        admin = await _admin(runtime, world.a)
        stranger = conversations.ContactActor(
            workspace_id=world.a.workspace.id, contact_id=world.b.contact.id
        )
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            with pytest.raises(NotFound):
                await conversations.post_message(session, stranger, conversation, body="Hi")
            with pytest.raises(PermissionDenied):
                await conversations.post_message(
                    session, _contact_of(world.a), conversation, body="Hi", private=True
                )
            with pytest.raises(NotFound):
                await conversations.mark_read(session, stranger, conversation, 1)

        assert len(await messages_of(runtime, world.a.conversation.id)) == 1

    async def test_a_contact_cannot_fetch_a_note_by_guessing_its_client_id(
        self, runtime: Runtime, world: World
    ) -> None:
        admin = await _admin(runtime, world.a)
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            await conversations.add_note(
                session, admin, conversation, body="VIP, refund freely", client_message_id="n1"
            )
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            with pytest.raises(conversations.ClientMessageIdReused):
                await conversations.post_message(
                    session, _contact_of(world.a), conversation, body="Hi", client_message_id="n1"
                )
            # The author's own retry still gets the note back.
            retry = await conversations.post_message(
                session, admin, conversation, body="VIP", client_message_id="n1", private=True
            )

        assert (retry.created, retry.message.body) == (False, "VIP, refund freely")

    async def test_a_contact_starts_a_conversation(self, runtime: Runtime, world: World) -> None:
        async with service_session(runtime) as session:
            started = await conversations.start_conversation(
                session,
                _contact_of(world.a),
                world.a.contact,
                channel=Channel.email,
                subject="Order 1234",
                body="Where is it?",
            )
            with pytest.raises(NotFound):
                await conversations.start_conversation(
                    session,
                    _contact_of(world.b),
                    world.a.contact,
                    channel=Channel.widget,
                    subject="",
                    body=None,
                )

        row = await conversation_row(runtime, started.id)
        [message] = await messages_of(runtime, started.id)
        assert message.sender_kind == SenderKind.contact
        assert row.waiting_since == message.created_at
        assert (row.number, row.channel) == (2, Channel.email)

    async def test_the_contact_has_a_read_cursor(self, runtime: Runtime, world: World) -> None:
        admin = await _admin(runtime, world.a)
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            position = await conversations.mark_read(session, _contact_of(world.a), conversation, 1)

        [cursor] = await cursors_of(runtime, world.a.conversation.id)
        assert (position, cursor.contact_id, cursor.member_id) == (1, world.a.contact.id, None)


class TestOtherWorkspacesObjects:
    """Access functions resolve ids in the caller's workspace; the services check again."""

    async def test_nothing_crosses_workspaces(self, runtime: Runtime, world: World) -> None:
        admin_a, admin_b = await _admin(runtime, world.a), await _admin(runtime, world.b)
        async with service_session(runtime) as session:
            ours = await _conversation(session, admin_a, world.a)
            theirs = await _conversation(session, admin_b, world.b)
            member, _ = await access_member(
                session, admin_b, world.b.member(Role.agent).membership.id
            )
            team = await access_team(session, admin_b, world.b.team.id)
            with pytest.raises(NotFound, match="Conversation"):
                await conversations.merge(session, admin_a, ours, theirs)
            with pytest.raises(NotFound, match="Member"):
                await conversations.assign(session, admin_a, ours, member)
            with pytest.raises(NotFound, match="Team"):
                await conversations.set_team(session, admin_a, ours, team)

        row = await conversation_row(runtime, world.a.conversation.id)
        assert (row.merged_into_id, row.assignee_id, row.team_id) == (None, None, None)


class TestServiceValidation:
    async def test_invalid_inputs(self, runtime: Runtime, world: World) -> None:
        admin = await _admin(runtime, world.a)
        naive = (utc_now() + timedelta(hours=1)).replace(tzinfo=None)
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            with pytest.raises(conversations.InvalidMessage):
                await conversations.post_message(session, admin, conversation, body="x" * 10_001)
            with pytest.raises(conversations.InvalidMessage):
                await conversations.post_message(
                    session, admin, conversation, body="Hi", client_message_id="c" * 65
                )
            with pytest.raises(conversations.InvalidSubject):
                await conversations.set_subject(session, admin, conversation, "s" * 301)
            with pytest.raises(conversations.InvalidSnooze):
                await conversations.set_status(session, admin, conversation, Status.snoozed)
            with pytest.raises(conversations.InvalidSnooze):
                await conversations.snooze(session, admin, conversation, until=naive)
            with pytest.raises(conversations.InvalidLabels):
                await conversations.set_labels(session, admin, conversation, ["ok", "n/o"])

        assert len(await messages_of(runtime, world.a.conversation.id)) == 1

    async def test_a_note_is_private(self, runtime: Runtime, world: World) -> None:
        admin = await _admin(runtime, world.a)
        async with service_session(runtime) as session:
            conversation = await _conversation(session, admin, world.a)
            posted = await conversations.add_note(session, admin, conversation, body="FYI")

        assert (posted.created, posted.message.private) == (True, True)

    async def test_describing_nothing_queries_nothing(self, runtime: Runtime) -> None:
        async with service_session(runtime) as session:
            assert await conversations.describe(session, []) == []
