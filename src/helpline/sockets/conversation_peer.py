"""What agents and visitors do alike on a socket: ping, resume, send, mark read, typing.

Each client frame runs in its own unit of work, goes through the same access function and
service as its REST twin, and is answered after the commit. A subclass says how a
conversation id is resolved for its principal, who acts, and how messages look to it.
"""

import abc
import asyncio
import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations import service as conversations
from helpline.conversations.models import Conversation, Message
from helpline.conversations.service import signals
from helpline.conversations.service.publishing import PublishedViews
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.realtime import protocol
from helpline.realtime.hub import Connection
from helpline.sockets import session as socket_session
from helpline.sockets.send_batch import SendBatcher

# Sends of one socket being written at once: the socket reads its next frame while earlier
# sends wait for their batch, up to this many (then it waits for an ack).
MAX_SENDS_IN_FLIGHT = 8


class ConversationPeer(abc.ABC):
    # One peer per open socket: no __dict__ (docs/benchmarks.md, "Idle connections").
    __slots__ = ("_in_flight", "runtime", "sends")

    # Whether this peer sees private notes and internal events (members do, visitors not).
    sees_private: bool

    def __init__(self, runtime: Runtime, sends: SendBatcher) -> None:
        self.runtime = runtime
        self.sends = sends
        self._in_flight = asyncio.Semaphore(MAX_SENDS_IN_FLIGHT)

    @property
    @abc.abstractmethod
    def actor(self) -> conversations.Actor: ...

    @abc.abstractmethod
    async def access(
        self, session: AsyncSession, conversation_id: uuid.UUID, *, for_write: bool = False
    ) -> Conversation:
        """The conversation, if this peer may see it (NotFound alike otherwise); `for_write`
        also locks it."""

    @abc.abstractmethod
    async def describe(self, session: AsyncSession, messages: Sequence[Message]) -> list[Any]:
        """The peer's view of messages it may see (REST's serializer)."""

    @abc.abstractmethod
    def sent_view(self, views: PublishedViews, message_id: uuid.UUID) -> Any:
        """The peer's view of a message it sent, from those its transaction published."""

    @abc.abstractmethod
    def message_frame(self, conversation_id: uuid.UUID, view: Any) -> str:
        """The encoded message.created frame of a view from describe()."""

    @abc.abstractmethod
    async def state(self, session: AsyncSession, conversation: Conversation) -> Any:
        """The peer's view of the conversation, for `resumed`."""

    async def before_send(self, frame: protocol.Send) -> None:  # noqa: B027 (optional hook)
        """Checks of the peer's own before a send (rate limits)."""

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
                    conversation = await self.access(session, frame.conversation_id)
                    await conversations.mark_read(session, self.actor, conversation, frame.seq)
            case protocol.TypingSignal():
                async with unit_of_work(self.runtime.sessionmaker) as session:
                    conversation = await self.access(session, frame.conversation_id)
                    signals.typing(
                        session,
                        self.actor,
                        conversation,
                        is_typing=frame.is_typing,
                        private=frame.private,
                    )

    async def _send(self, connection: Connection, frame: protocol.Send) -> None:
        await self.before_send(frame)
        await self._in_flight.acquire()
        # Written with the other sockets' sends of the moment, in one transaction; the ack
        # follows the commit (send_batch.py). Meanwhile the socket reads on: an agent's or an
        # integration's sends do not wait for each other's commits, and one conversation's
        # sends still commit in the order they came.
        written = self.sends.submit(
            frame.conversation_id,
            functools.partial(self._post, frame),
            functools.partial(self._acknowledge, frame),
        )
        written.add_done_callback(functools.partial(self._answer, connection, frame))

    def _answer(
        self, connection: Connection, frame: protocol.Send, written: asyncio.Future[str]
    ) -> None:
        self._in_flight.release()
        if written.cancelled():
            return
        error = written.exception()
        if error is None:
            connection.answer(written.result())
        elif isinstance(error, Exception):
            connection.answer(socket_session.failure_frame(frame, error))

    async def settled(self) -> None:
        for _ in range(MAX_SENDS_IN_FLIGHT):
            await self._in_flight.acquire()

    async def _post(self, frame: protocol.Send, session: AsyncSession) -> conversations.Posted:
        conversation = await self.access(session, frame.conversation_id, for_write=True)
        return await conversations.post_message(
            session,
            self.actor,
            conversation,
            body=frame.body,
            client_message_id=frame.client_message_id,
            private=frame.private,
            attachment_ids=frame.attachment_ids,
            mentions=frame.mentions,
            # The batch's messages are written together, when publishing flushes them.
            flush=False,
        )

    def _acknowledge(
        self, frame: protocol.Send, posted: conversations.Posted, views: PublishedViews
    ) -> str:
        view = self.sent_view(views, posted.message.id)
        return protocol.Ack(ref=frame.ref, duplicate=not posted.created, message=view).encode()

    async def _missed(self, conversation_id: uuid.UUID, last_seq: int) -> socket_session.Backlog:
        async with unit_of_work(self.runtime.sessionmaker, read_only=True) as session:
            conversation = await self.access(session, conversation_id)
            messages, more = await conversations.list_messages(
                session,
                conversation,
                after_seq=last_seq,
                before_seq=None,
                limit=self.runtime.settings.ws_resume_limit,
                include_private=self.sees_private,
            )
            views = await self.describe(session, messages)
            state = await self.state(session, conversation)
        frames = [self.message_frame(conversation.id, view) for view in views]
        # The last seq this peer may see: a visitor's seqs have gaps where notes and
        # internal events are.
        held = messages[-1].seq if messages else last_seq
        return socket_session.Backlog(conversation.id, frames, more, held, state)
