"""A bot answer on its way: `message.streaming` frames carrying the text as the model writes it.

The frames are ephemeral: nothing is stored, and a client that misses them loses nothing,
since the answer is then posted as a normal message (`message.created`), which replaces the
streaming bubble. So they are published at once (`publish_now`, there is no transaction to
wait for), at most every STREAM_INTERVAL_S, each carrying the whole text so far (a lost frame
is made good by the next one). Rules:

- The text goes through the same `inert()` as the posted answer, and only up to the last
  complete word and before any link, image or tag still open, so that `inert()` sees whole
  constructs: a visitor never sees a live link, an image, or half of a markdown target.
- The audience is the message's own (`events.streaming_audience`): the agents who see the
  conversation and its contact, of the conversation's workspace, decided when the turn began.
- A text that repeats the bot's instructions (`prompts.echoes_rules`: a prompt dump) stops
  the stream at once, discarded: what showed is at most the start of one line of the rules,
  and the answer is not posted either (agent.py hands off as `not_supported`).
- The stream ends with one frame with `done: true`: with `message_id` once the answer is
  committed (published with it, after the commit), or `discarded: true` before a hand-off
  (published before the hand-off's messages). Nothing is sent for a turn that streamed
  nothing (the offline model answers at once).
"""

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.bot.prompts import echoes_rules
from helpline.bot.text import inert
from helpline.conversations import events
from helpline.conversations.models import Conversation
from helpline.realtime.publish import publish_now, publish_on_commit

# Often enough to look live, rarely enough to cost little: a model writes ~50 tokens a
# second, so this sends a frame for every few tokens.
STREAM_INTERVAL_S: Final = 0.08
# Something that could still become a link, an image or a tag: an opening without its end.
_OPEN_TAIL: Final = re.compile(r"!?\[[^\]]*\Z|!?\[[^\]]*\]\([^)]*\Z|<[^>]*\Z")


def showable(raw: str) -> str:
    """What of a partial answer can be shown, rendered inert."""
    # The last word may be half written (a URL, a citation, a word): wait for the next space,
    # unless the model is done (then the whole answer is posted anyway).
    cut = max(raw.rfind(" "), raw.rfind("\n"))
    words = raw[:cut] if cut >= 0 else ""
    return inert(_OPEN_TAIL.sub("", words))


@dataclass
class AnswerStream:
    """The stream of one bot turn. `update` is the LLM client's `on_text`; `discard` and
    `publish_end` close it. Publishes through `session` (the job's unit of work, which holds
    the broker) without using its transaction."""

    session: AsyncSession
    workspace_id: uuid.UUID
    conversation_id: uuid.UUID
    # The answer's client_message_id ("bot:<the contact's message id>"): a retried turn
    # streams under the same id, and agents can match the stream to the posted message.
    stream_id: str
    audience: list[str]
    interval_s: float = STREAM_INTERVAL_S
    # Whether a frame went out (then the stream must be ended for the clients).
    started: bool = False
    closed: bool = False
    _shown: str = ""
    _latest: str = ""
    _sent_at: float = float("-inf")
    _timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls, session: AsyncSession, conversation: Conversation, stream_id: str
    ) -> "AnswerStream":
        return cls(
            session=session,
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            stream_id=stream_id,
            audience=events.streaming_audience(conversation),
        )

    def update(self, raw: str) -> None:
        """The model's text so far: sent now, or when the interval since the last frame is
        over (the latest text then, so the bubble never lags a pause in the model)."""
        if self.closed:
            return
        if echoes_rules(raw):
            self.discard()
            return
        self._latest = raw
        loop = asyncio.get_running_loop()
        wait = self._sent_at + self.interval_s - loop.time()
        if wait <= 0:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(wait, self._flush)

    def discard(self) -> None:
        """The turn hands off: clients drop the bubble. Published at once, so it arrives
        before the hand-off's messages, which are published after their commit."""
        if self._close():
            self._publish(self._frame(text="", discarded=True), now=True)

    def publish_end(self, message_id: uuid.UUID, text: str) -> None:
        """The answer is posted as `message_id`: published with it after the commit (and
        dropped with it on a rollback, when the job's retry streams again)."""
        if self._close():
            self._publish(self._frame(text=text, message_id=message_id), now=False)

    def _close(self) -> bool:
        """Stop streaming; whether clients were told anything (and so must hear the end)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        already, self.closed = self.closed, True
        return self.started and not already

    def _flush(self) -> None:
        self._timer = None
        if self.closed:
            return
        self._sent_at = asyncio.get_running_loop().time()
        text = showable(self._latest)
        if not text or text == self._shown:
            return
        self._shown = text
        self.started = True
        self._publish(self._frame(text=text), now=True)

    def _frame(
        self, *, text: str, discarded: bool = False, message_id: uuid.UUID | None = None
    ) -> events.MessageStreaming:
        return events.MessageStreaming(
            conversation_id=self.conversation_id,
            stream_id=self.stream_id,
            text=text,
            done=discarded or message_id is not None,
            discarded=discarded,
            message_id=message_id,
        )

    def _publish(self, frame: events.MessageStreaming, *, now: bool) -> None:
        if now:
            publish_now(self.session, self.workspace_id, self.audience, frame.encode())
        else:
            publish_on_commit(self.session, self.workspace_id, self.audience, frame.encode())
