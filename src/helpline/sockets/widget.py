"""/ws/widget: a visitor's live conversations.

The visitor authenticates with their visitor token and, from a browser, must be on one of the
workspace's widget origins, both before the socket is accepted. The socket receives the
visitor's own conversations only, in the visitor's narrower shapes: never notes, never
internal events (events.contact_keys, conversations.describe_visitor_messages).
"""

import uuid
from collections.abc import Coroutine, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket
from typing_extensions import override

from helpline.auth.principals import VisitorPrincipal
from helpline.conversations import events
from helpline.conversations import service as conversations
from helpline.conversations.access import access_visitor_conversation
from helpline.conversations.models import Conversation, Message
from helpline.conversations.schemas import VisitorConversationRead
from helpline.conversations.service.publishing import PublishedViews
from helpline.core.errors import AppError
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.realtime import protocol
from helpline.realtime.hub import Connection
from helpline.sockets import handshake
from helpline.sockets import session as socket_session
from helpline.sockets.conversation_peer import ConversationPeer
from helpline.sockets.send_batch import SendBatcher
from helpline.visitors import service as visitors
from helpline.visitors.origins import check_widget_origin


class VisitorPeer(ConversationPeer):
    __slots__ = ("principal",)
    sees_private = False

    def __init__(self, runtime: Runtime, sends: SendBatcher, principal: VisitorPrincipal) -> None:
        super().__init__(runtime, sends)
        self.principal = principal

    @property
    @override
    def actor(self) -> conversations.ContactActor:
        return conversations.ContactActor(
            workspace_id=self.principal.workspace_id, contact_id=self.principal.contact_id
        )

    @override
    async def access(
        self, session: AsyncSession, conversation_id: uuid.UUID, *, for_write: bool = False
    ) -> Conversation:
        return await access_visitor_conversation(
            session, self.principal, conversation_id, for_write=for_write
        )

    @override
    def sent_view(self, views: PublishedViews, message_id: uuid.UUID) -> Any:
        return views.for_visitor[message_id]

    @override
    async def describe(self, session: AsyncSession, messages: Sequence[Message]) -> list[Any]:
        return list(await conversations.describe_visitor_messages(session, messages))

    @override
    def message_frame(self, conversation_id: uuid.UUID, view: Any) -> str:
        return events.VisitorMessageCreated(conversation_id=conversation_id, message=view).encode()

    @override
    async def state(self, session: AsyncSession, conversation: Conversation) -> Any:
        return VisitorConversationRead.of(conversation)

    @override
    async def before_send(self, frame: protocol.Send) -> None:
        if frame.private:
            raise conversations.InvalidMessage("Visitors do not write private notes.")
        await visitors.enforce_message_limit(
            self.runtime.rate_limiter, self.runtime.settings, self.principal
        )

    def on_frame_sent(self, frame: str) -> None:
        pass

    def background(self, connection: Connection) -> list[Coroutine[Any, Any, None]]:  # noqa: ARG002
        # None: the visitor's session is re-checked with every other open widget socket's
        # at once (VisitorChecks), which closes this socket through Connection.revoke.
        return []


async def _authenticate(websocket: WebSocket, runtime: Runtime) -> VisitorPrincipal:
    """The visitor of the socket's token, on an allowed origin. Read-only, so handshakes never
    queue behind writers; the session is marked seen by VisitorChecks. (A function of its
    own: nothing it loaded stays referenced for the socket's lifetime.)"""
    token = handshake.token_of(websocket)
    async with unit_of_work(runtime.sessionmaker, read_only=True) as session:
        principal = await visitors.authenticate_visitor_token(session, token, touch=False)
        workspace = await visitors.visitor_workspace(session, principal)
    origin = handshake.origin_of(websocket)
    # Browsers always send an Origin; a client without one is not a web page.
    if origin is not None:
        check_widget_origin(workspace, origin)
    return principal


async def widget_socket(websocket: WebSocket) -> None:
    """The widget's WebSocket (see docs/realtime.md)."""
    runtime: Runtime = websocket.app.state.runtime
    try:
        principal = await _authenticate(websocket, runtime)
    except AppError as error:
        await handshake.deny(websocket, error)
        return
    await websocket.accept(subprotocol=handshake.chosen_subprotocol(websocket))
    connection = Connection(
        principal.workspace_id,
        events.contact_keys(principal.contact_id),
        limit=runtime.settings.ws_queue_size,
        kind="widget",
    )
    state = websocket.app.state
    peer = VisitorPeer(runtime, state.sends, principal)
    connection.answer(socket_session.ready_frame(runtime, connection))
    state.visitor_checks.watch(principal.visitor_session_id, connection)
    try:
        await socket_session.run(websocket, connection, peer)
    finally:
        state.visitor_checks.unwatch(principal.visitor_session_id, connection)
