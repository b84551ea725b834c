"""/ws/widget: a visitor's live conversations.

The visitor authenticates with their visitor token and, from a browser, must be on one of the
workspace's widget origins, both before the socket is accepted. The socket receives the
visitor's own conversations only, in the visitor's narrower shapes: never notes, never
internal events (events.contact_keys, VisitorMessageRead).
"""

import functools
import uuid

from starlette.websockets import WebSocket

from helpline.auth.principals import VisitorPrincipal
from helpline.conversations import events
from helpline.conversations import service as conversations
from helpline.conversations.access import access_visitor_conversation
from helpline.conversations.schemas import VisitorConversationRead, VisitorMessageRead
from helpline.conversations.service import signals
from helpline.core.errors import AppError
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.realtime import protocol
from helpline.realtime.hub import Connection, Hub
from helpline.sockets import handshake
from helpline.sockets import session as socket_session
from helpline.visitors import service as visitors
from helpline.visitors.origins import check_widget_origin


class VisitorPeer:
    def __init__(self, runtime: Runtime, principal: VisitorPrincipal, token: str) -> None:
        self.runtime = runtime
        self.principal = principal
        self._token = token

    @property
    def actor(self) -> conversations.ContactActor:
        return conversations.ContactActor(
            workspace_id=self.principal.workspace_id, contact_id=self.principal.contact_id
        )

    def ready(self, connection: Connection) -> str:
        settings = self.runtime.settings
        return protocol.Ready(
            connection_id=connection.id,
            heartbeat_interval_s=settings.ws_heartbeat_interval.total_seconds(),
            max_lifetime_s=settings.ws_max_lifetime.total_seconds(),
            server_time=utc_now(),
        ).encode()

    async def handle(self, frame: protocol.AnyClientFrame, connection: Connection) -> None:
        match frame:
            case protocol.Ping():
                await connection.reply(protocol.Pong(ref=frame.ref).encode())
            case protocol.Resume():
                for conversation_id, last_seq in frame.conversations.items():
                    missed = functools.partial(self._missed, conversation_id, last_seq)
                    await socket_session.resume(connection, frame.ref, conversation_id, missed)
            case protocol.Send():
                await self._send(connection, frame)
            case protocol.MarkRead():
                async with unit_of_work(self.runtime.sessionmaker) as session:
                    conversation = await access_visitor_conversation(
                        session, self.principal, frame.conversation_id
                    )
                    await conversations.mark_read(session, self.actor, conversation, frame.seq)
            case protocol.TypingSignal():
                async with unit_of_work(self.runtime.sessionmaker) as session:
                    conversation = await access_visitor_conversation(
                        session, self.principal, frame.conversation_id
                    )
                    signals.typing(
                        session, self.actor, conversation, is_typing=frame.is_typing, private=False
                    )

    async def _send(self, connection: Connection, frame: protocol.Send) -> None:
        if frame.private:
            raise conversations.InvalidMessage("Visitors do not write private notes.")
        await visitors.enforce_message_limit(
            self.runtime.rate_limiter, self.runtime.settings, self.principal
        )
        async with unit_of_work(self.runtime.sessionmaker) as session:
            conversation = await access_visitor_conversation(
                session, self.principal, frame.conversation_id
            )
            posted = await conversations.post_message(
                session,
                self.actor,
                conversation,
                body=frame.body,
                client_message_id=frame.client_message_id,
            )
        # Out of the unit of work: committed. Only now may the client count on it.
        view = VisitorMessageRead.of(posted.message)
        ack = protocol.Ack(ref=frame.ref, duplicate=not posted.created, message=view)
        await connection.reply(ack.encode())

    async def _missed(self, conversation_id: uuid.UUID, last_seq: int) -> socket_session.Backlog:
        async with unit_of_work(self.runtime.sessionmaker) as session:
            conversation = await access_visitor_conversation(
                session, self.principal, conversation_id
            )
            messages, more = await conversations.list_messages(
                session,
                conversation,
                after_seq=last_seq,
                before_seq=None,
                limit=self.runtime.settings.ws_resume_limit,
                include_private=False,
            )
        frames = [
            events.VisitorMessageCreated(
                conversation_id=conversation.id, message=VisitorMessageRead.of(message)
            ).encode()
            for message in messages
        ]
        # The visitor's last seq is that of the last message they may see: their seqs have
        # gaps where notes and internal events are.
        last_seq = messages[-1].seq if messages else last_seq
        state = VisitorConversationRead.of(conversation)
        return socket_session.Backlog(conversation.id, frames, more, last_seq, state)

    async def recheck(self, connection: Connection) -> None:  # noqa: ARG002 (the Peer protocol)
        async with unit_of_work(self.runtime.sessionmaker) as session:
            self.principal = await visitors.authenticate_visitor_token(session, self._token)

    async def on_tick(self, connection: Connection) -> None:
        pass

    def on_frame_sent(self, frame: str) -> None:
        pass

    async def background(self, connection: Connection) -> None:
        pass


async def widget_socket(websocket: WebSocket) -> None:
    """The widget's WebSocket (see docs/realtime.md)."""
    runtime: Runtime = websocket.app.state.runtime
    hub: Hub = websocket.app.state.hub
    try:
        token = handshake.token_of(websocket)
        async with unit_of_work(runtime.sessionmaker) as session:
            principal = await visitors.authenticate_visitor_token(session, token)
            workspace = await visitors.visitor_workspace(session, principal)
        origin = handshake.origin_of(websocket)
        # Browsers always send an Origin; a client without one is not a web page.
        if origin is not None:
            check_widget_origin(workspace, origin)
    except AppError as error:
        await handshake.deny(websocket, error)
        return
    await websocket.accept(subprotocol=handshake.chosen_subprotocol(websocket))
    connection = Connection(
        principal.workspace_id,
        events.contact_keys(principal.contact_id),
        limit=runtime.settings.ws_queue_size,
    )
    peer = VisitorPeer(runtime, principal, token)
    connection.queue.put_nowait(peer.ready(connection))
    await socket_session.run(websocket, runtime, hub, connection, peer)
