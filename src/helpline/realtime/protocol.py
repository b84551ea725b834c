"""The WebSocket protocol's own frames and close codes; docs/realtime.md is the catalogue.

Rules of the contract:
- Every frame is one JSON object with a `type`. Unknown client frame types get an `error`
  frame, never a silent drop; clients must ignore server frame types they do not know.
- A client frame may carry `ref`, a string of the client's choosing; the answer to it (`ack`,
  `pong`, `error`) carries the same `ref`.
- Delivery is at least once: a client deduplicates messages by id and orders them by `seq`.
- `ack` is sent only after the message is committed to the database.
- A connection closed with RESYNC (or a `resync_required` frame) means events may have been
  missed: the client reconnects and resumes from the last seq it holds, or refetches over
  REST. The server keeps no per-client buffer.
"""

import uuid
from datetime import datetime
from enum import IntEnum
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

PROTOCOL: Final = "helpline.v1"
# Browsers cannot set headers on a WebSocket: the token travels as a second subprotocol,
# "bearer.<token>" (never in the URL, which ends up in logs).
BEARER_PREFIX: Final = "bearer."
MAX_FRAME_BYTES: Final = 64 * 1024
MAX_RESUME_CONVERSATIONS: Final = 200


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    # The server is stopping (a restart or a deploy): reconnect after a short random delay,
    # to another node if there is one, and resume. RFC 6455's "Service Restart", which is
    # also what uvicorn sends to a socket still open when its own shutdown runs.
    SERVICE_RESTART = 1012
    # Events may have been missed (the client fell behind, or the server lost its broker):
    # reconnect and resume.
    RESYNC = 4000
    # The login session or visitor token is no longer valid: authenticate again.
    UNAUTHORIZED = 4001
    # The connection reached its maximum lifetime: reconnect at once and resume.
    RECONNECT = 4002
    # Too many invalid frames.
    PROTOCOL_ERROR = 4003


# --- client → server ---------------------------------------------------------------------


class ClientFrame(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ref: str | None = Field(default=None, max_length=64)


class Ping(ClientFrame):
    type: Literal["ping"]


class Resume(ClientFrame):
    """For each conversation, the last seq the client holds (0: none)."""

    type: Literal["resume"]
    conversations: dict[uuid.UUID, Annotated[int, Field(ge=0)]] = Field(
        max_length=MAX_RESUME_CONVERSATIONS
    )


class Send(ClientFrame):
    type: Literal["send"]
    conversation_id: uuid.UUID
    # May be empty when the message carries attachments (uploaded first over REST).
    body: str = Field(default="", max_length=10_000)
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    # Required here: a client that reconnects cannot know whether its send was committed,
    # and resending with the same id is how it finds out without duplicating.
    client_message_id: str = Field(min_length=1, max_length=64)
    private: bool = False
    # Members a private note mentions (member ids): see service/mentions.py.
    mentions: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class MarkRead(ClientFrame):
    type: Literal["read"]
    conversation_id: uuid.UUID
    seq: int = Field(ge=0)


class TypingSignal(ClientFrame):
    type: Literal["typing"]
    conversation_id: uuid.UUID
    is_typing: bool
    private: bool = False


AnyClientFrame = Annotated[
    Ping | Resume | Send | MarkRead | TypingSignal, Field(discriminator="type")
]
client_frame = TypeAdapter[AnyClientFrame](AnyClientFrame)


# --- server → client (transport; domain events live in each domain's events.py) ---------


class ServerFrame(BaseModel):
    def encode(self) -> str:
        return self.model_dump_json()


class Ready(ServerFrame):
    type: Literal["ready"] = "ready"
    connection_id: str
    protocol: str = PROTOCOL
    heartbeat_interval_s: float
    # Reconnect before then; the server closes with RECONNECT at the end.
    max_lifetime_s: float
    server_time: datetime
    # Agents: who of the workspace is connected right now. Visitors: empty.
    online_member_ids: list[uuid.UUID] = []


class Heartbeat(ServerFrame):
    type: Literal["heartbeat"] = "heartbeat"
    server_time: datetime


class Pong(ServerFrame):
    type: Literal["pong"] = "pong"
    ref: str | None


class Ack(ServerFrame):
    """The message is committed. `duplicate`: it had been sent before with this
    client_message_id, and this is the original."""

    type: Literal["ack"] = "ack"
    ref: str | None
    duplicate: bool
    message: Any


class ErrorFrame(ServerFrame):
    type: Literal["error"] = "error"
    ref: str | None
    # The same codes as the REST API's "error" field (NotFound, Conflict, ...).
    error: str
    detail: str
    status: int
    # Seconds to wait before retrying (rate limits, a busy database).
    retry_after_s: int | None = None


class Resumed(ServerFrame):
    """Everything after the client's seq in this conversation was sent before this frame."""

    type: Literal["resumed"] = "resumed"
    conversation_id: uuid.UUID
    last_seq: int
    conversation: Any


class ResyncRequired(ServerFrame):
    """The server cannot fill the gap over the socket: refetch this conversation over REST
    (`GET .../messages?after_seq=`)."""

    type: Literal["resync_required"] = "resync_required"
    conversation_id: uuid.UUID
    reason: str
