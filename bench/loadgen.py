"""The chat load generator, the same for Helpline and for the bare relay.

V visitors, each in its own conversation, and A agents hold real WebSockets (the `websockets`
asyncio client, compression off). A scheduler sends visitor messages at a fixed total rate,
round-robin over the visitors, each with a unique client_message_id. Every agent receives every
visitor message (owners and admins see all conversations); the agent in charge of a
conversation (its index modulo A) replies to each message at once.

Latency is measured from the moment a message was *due* to be sent (open loop: a late
generator cannot hide a slow server) to the moment an agent's reader has it, which for Helpline
means it was persisted and fanned out in between. Every delivery to every agent is a sample.
"""

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.common import percentile

OPEN_TIMEOUT_S = 60.0
# A message not acked and delivered this long after its step ended is counted as lost.
DRAIN_TIMEOUT_S = 10.0
REPLY_PREFIX = "Thanks, we are looking into it. "
BODY = "Hello, I have a question about my order, could someone help me please?"


@dataclass(frozen=True)
class Endpoint:
    """Where one socket connects and with which credential (a relay takes the conversation
    id where Helpline takes a token)."""

    url: str
    token: str
    origin: str | None = None


@dataclass
class StepResult:
    rate: int
    duration_s: float
    sent: int
    acked: int
    delivered: int
    replies_acked: int
    replies_delivered: int
    lost: int
    duplicates: int
    errors: int
    error_kinds: dict[str, int]
    p50_ms: float
    p99_ms: float
    max_ms: float
    reply_p99_ms: float
    server_cpu_s: float = 0.0
    # PostgreSQL's processes, when the database is PostgreSQL.
    db_cpu_s: float = 0.0
    peak_rss_mib: float = 0.0
    generator_cpu_s: float = 0.0
    send_lag_max_ms: float = 0.0

    @property
    def persisted_per_s(self) -> float:
        """Messages acked (visitor messages and replies) per second of the step."""
        return (self.acked + self.replies_acked) / self.duration_s

    @property
    def delivered_per_s(self) -> float:
        """Messages that reached every recipient, per second of the step."""
        return (self.delivered + self.replies_delivered) / self.duration_s

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and self.errors == 0


@dataclass
class _Sent:
    due: float
    conversation: int
    acked: bool = False
    agents_seen: int = 0
    # Which agents had it (bit i: agent i): a second delivery to one agent is a duplicate.
    agent_mask: int = 0


@dataclass
class _Reply:
    sent_at: float
    acked: bool = False
    delivered_at: float = 0.0


@dataclass
class _StepState:
    sent: dict[str, _Sent] = field(default_factory=dict)
    replies: dict[str, _Reply] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    duplicates: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    all_done: asyncio.Event = field(default_factory=asyncio.Event)
    outstanding: int = 0


class ChatLoad:
    def __init__(
        self,
        visitors: Sequence[Endpoint],
        conversations: Sequence[str],
        agents: Sequence[Endpoint],
        *,
        replies: bool = True,
    ) -> None:
        self.visitor_endpoints = visitors
        self.conversations = list(conversations)
        self.conversation_index = {c: i for i, c in enumerate(self.conversations)}
        self.agent_endpoints = agents
        self.replies = replies
        self.visitor_ws: list[ClientConnection] = []
        self.agent_ws: list[ClientConnection] = []
        self.state = _StepState()
        self.step_no = 0
        # Every client_message_id acked over the whole run: checked against the database.
        self.acked_ids: set[str] = set()
        self.reply_ids: set[str] = set()
        self.closed_unexpectedly: list[int | None] = []
        self._readers: list[asyncio.Task[None]] = []

    # --- connections ------------------------------------------------------------------

    async def connect(self) -> None:
        self.agent_ws = list(await _open_all(self.agent_endpoints, 8))
        self.visitor_ws = list(await _open_all(self.visitor_endpoints, 32))
        for i, ws in enumerate(self.agent_ws):
            self._readers.append(asyncio.create_task(self._agent_reader(i, ws)))
        for ws in self.visitor_ws:
            self._readers.append(asyncio.create_task(self._visitor_reader(ws)))
        # Let connection-time events (inbox counts, assignments) pass before measuring.
        await asyncio.sleep(1.0)

    async def close(self) -> None:
        for ws in [*self.visitor_ws, *self.agent_ws]:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 5)
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)

    # --- readers ----------------------------------------------------------------------

    async def _agent_reader(self, index: int, ws: ClientConnection) -> None:
        agents = len(self.agent_ws)
        try:
            async for text in ws:
                now = time.perf_counter()
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "message.created":
                    message = frame["message"]
                    if message.get("sender_kind") == "contact":
                        await self._agent_received(index, agents, ws, message, now)
                elif kind == "ack":
                    reply = self.state.replies.get(frame["message"].get("client_message_id"))
                    if reply is not None and not reply.acked:
                        reply.acked = True
                        self.reply_ids.add(frame["message"]["client_message_id"])
                        self._settled()
                elif kind == "error":
                    self.state.errors[f"agent:{frame.get('error')}"] += 1
        except ConnectionClosed:
            self.closed_unexpectedly.append(ws.close_code)

    async def _agent_received(
        self, index: int, agents: int, ws: ClientConnection, message: dict[str, Any], now: float
    ) -> None:
        cmid = message.get("client_message_id")
        sent = self.state.sent.get(cmid) if cmid else None
        if sent is None:
            return
        bit = 1 << index
        if sent.agent_mask & bit:
            self.state.duplicates += 1
            return
        sent.agent_mask |= bit
        sent.agents_seen += 1
        self.state.latencies.append(now - sent.due)
        if sent.agents_seen == agents and sent.acked:
            self._settled()
        if self.replies and sent.conversation % agents == index:
            reply_id = f"r{cmid}"
            self.state.replies[reply_id] = _Reply(time.perf_counter())
            await ws.send(
                json.dumps(
                    {
                        "type": "send",
                        "conversation_id": message["conversation_id"],
                        # Visitors are not shown the client ids of others' messages: the
                        # reply names the one it answers in its body.
                        "body": f"{REPLY_PREFIX}{reply_id}",
                        "client_message_id": reply_id,
                    }
                )
            )

    async def _visitor_reader(self, ws: ClientConnection) -> None:
        try:
            async for text in ws:
                now = time.perf_counter()
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "ack":
                    cmid = frame["message"].get("client_message_id")
                    sent = self.state.sent.get(cmid)
                    if sent is not None and not sent.acked:
                        sent.acked = True
                        self.acked_ids.add(cmid)
                        if sent.agents_seen >= len(self.agent_ws):
                            self._settled()
                elif kind == "message.created" and frame["message"]["sender_kind"] == "agent":
                    body = frame["message"].get("body", "")
                    reply = self.state.replies.get(body.removeprefix(REPLY_PREFIX))
                    if reply is not None:
                        if reply.delivered_at:
                            self.state.duplicates += 1
                        else:
                            reply.delivered_at = now
                            self._settled()
                elif kind == "error":
                    self.state.errors[f"visitor:{frame.get('error')}"] += 1
        except ConnectionClosed:
            self.closed_unexpectedly.append(ws.close_code)

    def _settled(self) -> None:
        self.state.outstanding -= 1
        if self.state.outstanding <= 0:
            self.state.all_done.set()

    # --- one step ---------------------------------------------------------------------

    async def step(self, rate: int, duration_s: float) -> StepResult:
        self.step_no += 1
        self.state = state = _StepState()
        total = max(1, int(rate * duration_s))
        visitors = len(self.visitor_ws)
        cpu0 = time.process_time()
        start = time.perf_counter()
        lag_max = 0.0
        n = 0
        while n < total:
            now = time.perf_counter()
            due_count = min(total, int((now - start) * rate) + 1)
            while n < due_count:
                due = start + n / rate
                lag_max = max(lag_max, now - due)
                v = n % visitors
                cmid = f"s{self.step_no}-{n}"
                state.sent[cmid] = _Sent(due, v)
                # A message settles once acked and seen by every agent, and its reply once
                # acked to its agent and delivered to the visitor: units counted down by the
                # readers. (With two nodes the visitor often has the reply before the agent
                # has its ack: the step must wait for both.)
                state.outstanding += 3 if self.replies else 1
                await self.visitor_ws[v].send(
                    json.dumps(
                        {
                            "type": "send",
                            "conversation_id": self.conversations[v],
                            "body": BODY,
                            "client_message_id": cmid,
                        }
                    )
                )
                n += 1
            next_due = start + n / rate
            await asyncio.sleep(max(0.0, next_due - time.perf_counter()))
        send_end = time.perf_counter()
        deadline = send_end + DRAIN_TIMEOUT_S
        while state.outstanding > 0 and (left := deadline - time.perf_counter()) > 0:
            state.all_done.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.all_done.wait(), left)
        return self._result(rate, max(send_end - start, 1e-9), cpu0, lag_max)

    def _result(self, rate: int, duration: float, cpu0: float, lag_max: float) -> StepResult:
        state = self.state
        agents = len(self.agent_ws)
        acked = sum(1 for s in state.sent.values() if s.acked)
        delivered = sum(1 for s in state.sent.values() if s.agents_seen >= agents)
        lost = sum(1 for s in state.sent.values() if not s.acked or s.agents_seen < agents)
        replies_acked = sum(1 for r in state.replies.values() if r.acked)
        replies_delivered = sum(1 for r in state.replies.values() if r.delivered_at)
        if self.replies:
            # Every visitor message is owed one reply, acked and delivered to the visitor.
            lost += len(state.sent) - min(replies_acked, replies_delivered)
        latencies = sorted(state.latencies)
        reply_latencies = sorted(
            r.delivered_at - r.sent_at for r in state.replies.values() if r.delivered_at
        )
        return StepResult(
            rate=rate,
            duration_s=duration,
            sent=len(state.sent),
            acked=acked,
            delivered=delivered,
            replies_acked=replies_acked,
            replies_delivered=replies_delivered,
            lost=lost,
            duplicates=state.duplicates,
            errors=sum(state.errors.values()),
            error_kinds=dict(state.errors),
            p50_ms=percentile(latencies, 50) * 1000,
            p99_ms=percentile(latencies, 99) * 1000,
            max_ms=(latencies[-1] * 1000) if latencies else float("nan"),
            reply_p99_ms=percentile(reply_latencies, 99) * 1000,
            generator_cpu_s=time.process_time() - cpu0,
            send_lag_max_ms=lag_max * 1000,
        )


async def _open_all(endpoints: Sequence[Endpoint], concurrency: int) -> list[ClientConnection]:
    opened: list[ClientConnection | None] = [None] * len(endpoints)
    todo = iter(range(len(endpoints)))

    async def worker() -> None:
        for i in todo:
            opened[i] = await open_socket(endpoints[i])

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(endpoints))):
            group.create_task(worker())
    return [ws for ws in opened if ws is not None]


async def open_socket(
    endpoint: Endpoint, *, local_addr: tuple[str, int] | None = None
) -> ClientConnection:
    """Connect as Helpline's clients do and wait for the `ready` frame."""
    extra: dict[str, Any] = {"local_addr": local_addr} if local_addr else {}
    ws = await connect(
        endpoint.url,
        subprotocols=["helpline.v1", f"bearer.{endpoint.token}"],  # type: ignore[list-item]
        additional_headers={"Origin": endpoint.origin} if endpoint.origin else None,
        compression=None,
        open_timeout=OPEN_TIMEOUT_S,
        ping_interval=None,
        max_size=2**20,
        **extra,
    )
    first = json.loads(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT_S))
    if first.get("type") != "ready":
        raise RuntimeError(f"expected a ready frame, got {first}")
    return ws
