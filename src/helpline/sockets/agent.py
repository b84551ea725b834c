"""/ws/agent: a member's live inbox.

The member authenticates with their access token before the socket is accepted; from then
on their login session is re-checked every `ws_auth_recheck`, so logout, password change and
removal close the socket within seconds. The socket receives every event about the
conversations the member may see (events.member_keys), presence, and inbox counts.
"""

import asyncio
import uuid
from collections.abc import Coroutine, Sequence
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket
from typing_extensions import override

from helpline.auth import service as auth
from helpline.auth.principals import MemberPrincipal
from helpline.conversations import events
from helpline.conversations import service as conversations
from helpline.conversations.access import access_conversation
from helpline.conversations.models import Conversation, Message
from helpline.conversations.service import signals
from helpline.conversations.service.publishing import PublishedViews
from helpline.core.db import is_database_busy
from helpline.core.errors import AppError, PermissionDenied
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.realtime.hub import Connection, Hub
from helpline.realtime.presence import Presence
from helpline.sockets import handshake
from helpline.sockets import session as socket_session
from helpline.sockets.conversation_peer import ConversationPeer
from helpline.sockets.send_batch import SendBatcher
from helpline.tenancy import service as tenancy

# Counts are recomputed at most this often, however busy the inbox.
_COUNTS_INTERVAL_S = 0.5


async def _keys(runtime: Runtime, principal: MemberPrincipal) -> frozenset[str]:
    async with unit_of_work(runtime.sessionmaker, read_only=True) as session:
        team_ids = await tenancy.teams_of_member(
            session, principal.workspace_id, principal.membership_id
        )
    return events.member_keys(principal.role, principal.membership_id, team_ids)


class AgentPeer(ConversationPeer):
    __slots__ = ("_counts_due", "hub", "presence", "principal")
    sees_private = True

    def __init__(
        self,
        runtime: Runtime,
        sends: SendBatcher,
        hub: Hub,
        principal: MemberPrincipal,
        presence: Presence,
    ) -> None:
        super().__init__(runtime, sends)
        self.hub = hub
        self.principal = principal
        self.presence = presence
        self._counts_due = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------

    async def connected(self, connection: Connection) -> None:
        """Presence, then the ready frame: the first frame a client receives."""
        workspace, member = self.principal.workspace_id, self.principal.membership_id
        first = await self.presence.join(workspace, member, connection.id)
        async with unit_of_work(self.runtime.sessionmaker) as session:
            await conversations.member_connected(session, workspace, member)
            if first:
                signals.presence_changed(session, workspace, member, online=True, at=utc_now())
        online = sorted(await self.presence.online(workspace))
        connection.answer(socket_session.ready_frame(self.runtime, connection, online))
        self._counts_due.set()

    async def disconnected(self, connection: Connection) -> None:
        workspace, member = self.principal.workspace_id, self.principal.membership_id
        last = await self.presence.leave(workspace, member, connection.id)
        async with unit_of_work(self.runtime.sessionmaker) as session:
            await conversations.member_disconnected(session, workspace, member)
            if last:
                signals.presence_changed(session, workspace, member, online=False, at=utc_now())

    # --- ConversationPeer ---------------------------------------------------------------

    @property
    @override
    def actor(self) -> MemberPrincipal:
        return self.principal

    @override
    async def access(
        self, session: AsyncSession, conversation_id: uuid.UUID, *, for_write: bool = False
    ) -> Conversation:
        return await access_conversation(
            session, self.principal, conversation_id, for_write=for_write
        )

    @override
    def sent_view(self, views: PublishedViews, message_id: uuid.UUID) -> Any:
        return views.for_members[message_id]

    @override
    async def describe(self, session: AsyncSession, messages: Sequence[Message]) -> list[Any]:
        return list(await conversations.describe_messages(session, messages))

    @override
    def message_frame(self, conversation_id: uuid.UUID, view: Any) -> str:
        return events.MessageCreated(conversation_id=conversation_id, message=view).encode()

    @override
    async def state(self, session: AsyncSession, conversation: Conversation) -> Any:
        [state] = await conversations.describe(session, [conversation])
        return state

    # --- socket_session.Peer ------------------------------------------------------------

    def background(self, connection: Connection) -> list[Coroutine[Any, Any, None]]:
        return [
            self._counts(connection),
            socket_session.recheck_loop(self.runtime, connection, self.recheck, self.on_tick),
        ]

    async def recheck(self, connection: Connection) -> None:
        """Raise NotAuthenticated when the login session is no longer valid; follow a change
        of the member's teams or role."""
        async with unit_of_work(self.runtime.sessionmaker, read_only=True) as session:
            self.principal = await auth.recheck_member(session, self.principal)
        self.hub.rekey(connection, await _keys(self.runtime, self.principal))

    async def on_tick(self, connection: Connection) -> None:
        """Every heartbeat interval: presence, and the member's last-seen time."""
        workspace, member = self.principal.workspace_id, self.principal.membership_id
        await self.presence.refresh(workspace, member, connection.id)
        async with unit_of_work(self.runtime.sessionmaker) as session:
            await conversations.member_seen(session, workspace, member)

    def on_frame_sent(self, frame: str) -> None:
        # Any change to a conversation may change the member's counts.
        if frame.startswith('{"type":"conversation.'):
            self._counts_due.set()

    async def _counts(self, connection: Connection) -> None:
        while True:
            await self._counts_due.wait()
            self._counts_due.clear()
            try:
                async with unit_of_work(self.runtime.sessionmaker, read_only=True) as session:
                    counts = await signals.inbox_counts(session, self.principal)
            except OperationalError as error:
                if not is_database_busy(error):
                    raise
                self._counts_due.set()  # the database is busy: count again shortly
            else:
                await connection.reply(counts.encode())
            await asyncio.sleep(_COUNTS_INTERVAL_S)


async def agent_socket(websocket: WebSocket) -> None:
    """The agent's WebSocket (see docs/realtime.md)."""
    runtime: Runtime = websocket.app.state.runtime
    hub: Hub = websocket.app.state.hub
    try:
        handshake.check_same_origin(websocket, runtime.settings.public_url)
        token = handshake.token_of(websocket)
        async with unit_of_work(runtime.sessionmaker, read_only=True) as session:
            principal = await auth.authenticate_access_token(session, runtime.settings, token)
        if not isinstance(principal, MemberPrincipal):
            raise PermissionDenied("Platform staff have no inbox: log in to a workspace.")
        keys = await _keys(runtime, principal)
    except AppError as error:
        await handshake.deny(websocket, error)
        return
    await websocket.accept(subprotocol=handshake.chosen_subprotocol(websocket))
    connection = Connection(
        principal.workspace_id, keys, limit=runtime.settings.ws_queue_size, kind="agent"
    )
    state = websocket.app.state
    peer = AgentPeer(runtime, state.sends, hub, principal, state.presence)
    await peer.connected(connection)
    try:
        await socket_session.run(websocket, connection, peer)
    finally:
        await peer.disconnected(connection)
