"""Property: whatever interleaving of posts, retries, notes, disconnects and resumes happens,
nothing is lost, nothing is doubled, and REST and the sockets tell the same story
(RELIABILITY.md, Delivery 1 to 4).

What the protocol promises, and so what is asserted (src/helpline/realtime/protocol.py):
- An accepted message (REST 2xx, socket `ack`) is committed: it is in the REST history, once.
- A retry with the same client_message_id by the same author, over either transport, answers
  with the original message (REST 200, `duplicate: true`); nobody else may reuse the id (409).
- Seqs of a conversation run 1..N without gaps; the visitor sees the same seqs minus notes
  and internal system events.
- Real-time delivery is at least once, deduplicated by message id: a client that resumes
  from the last seq it holds (or refetches over REST after `resync_required`) ends up with
  exactly the REST history it may see, in seq order, with identical payloads. Within one
  connection a message arrives once, plus once more if it was in the backlog of that
  connection's resume (live and resumed), plus once per retry of its client id (a retry
  publishes the original again, service/messages.py, in case its first event was lost with
  the node that committed it); never more.
- A visitor never receives a private note.

Design. One live server (uvicorn in the test's event loop, as tests/fixtures/live.py does) for
the whole test; the Hypothesis state machine runs in a worker thread and hands every rule's
work to that loop as a coroutine (`Harness.run`), so all of the machine's state is only ever
touched by the loop's thread. Each example starts its own conversation (the visitor writes
in through the widget), so examples need no database reset between them; the tables are
emptied after the test as usual. Actors: the owner and an agent on /ws/agent, the visitor on
/ws/widget, each also posting over REST. Socket sends are not awaited and REST posts run as
background tasks, so posts, retries, notes and reconnects genuinely overlap on the server;
`settle` waits for every answer. The server's resume limit is lowered to RESUME_LIMIT so that
long absences end in `resync_required` and the REST refetch path is exercised too.

Budget: MACHINE_SETTINGS below (12 examples of up to 30 steps, one server for all of them)
keep the test near 20 s per database, on SQLite and on PostgreSQL alike; most of it is real
round trips. Raise max_examples locally to search harder; failures replay from .hypothesis.
"""

import asyncio
import itertools
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from hypothesis import HealthCheck, event, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from typing_extensions import override
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from helpline.core.runtime import Runtime
from helpline.realtime.protocol import CloseCode
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.fixtures.live import FRAME_TIMEOUT_S, LiveServer, Observer, live_server, subprotocols
from tests.fixtures.world import World

T = TypeVar("T")

MACHINE_SETTINGS = hypothesis_settings(
    max_examples=12,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Tiny, so that a client away for one message resumes it and one away for more gets
# resync_required and refetches over REST: both ways of catching up are exercised.
RESUME_LIMIT = 1
# Everything the machine waits for (a frame, a REST answer, convergence) comes within this.
WAIT_S = FRAME_TIMEOUT_S

AGENT_MESSAGES = "/api/v1/conversations/{}/messages"
VISITOR_MESSAGES = "/api/v1/widget/conversations/{}/messages"
ACTORS = ("owner", "agent", "visitor")
# Close codes by which the server tells a client to come back and resume: the machine treats
# them like a disconnect. Any other close the client did not ask for is a bug.
RECONNECT_CODES = {CloseCode.RESYNC, CloseCode.RECONNECT}
MEMBERS = ("owner", "agent")


@dataclass
class Link:
    """One connection of an actor, and what it has received."""

    observer: Observer
    # The seq this connection resumed after, or None when it did not resume (REST refetch).
    resumed_after: int | None = None
    # ref -> client id: sends not answered yet.
    pending: dict[str, str] = field(default_factory=dict)
    # Frames already folded into the actor's state.
    seen: int = 0
    open: bool = True


@dataclass
class Actor:
    name: str
    token: str
    is_visitor: bool
    links: list[Link] = field(default_factory=list)
    # Every message of the conversation the actor holds (socket frames and REST refetches),
    # by id: what the client's deduplication keeps.
    held: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def link(self) -> Link | None:
        return self.links[-1] if self.links and self.links[-1].open else None

    @property
    def cursor(self) -> int:
        """The last seq the client holds: what it resumes after (docs: visitors' seqs have
        gaps, so this is the highest seq received, not the highest contiguous one)."""
        return max((m["seq"] for m in self.held.values()), default=0)

    @property
    def messages_path(self) -> str:
        return VISITOR_MESSAGES if self.is_visitor else AGENT_MESSAGES

    @property
    def socket_path(self) -> str:
        return "/ws/widget" if self.is_visitor else "/ws/agent"


@dataclass
class Sent:
    """A client message id and everything the server answered for it."""

    client_id: str
    author: str
    body: str
    private: bool
    # The first answer's message; every later answer must name the same one.
    message: dict[str, Any] | None = None
    created: int = 0
    duplicates: int = 0
    # Attempts whose answer never came (disconnected, or a retryable 503).
    lost: int = 0
    # Every time it was sent, over either transport.
    attempts: int = 0


@dataclass
class Harness:
    loop: asyncio.AbstractEventLoop
    server: LiveServer
    http: httpx.AsyncClient
    world: World

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop, from the machine's thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=4 * WAIT_S)


class DeliveryMachine(RuleBasedStateMachine):
    def __init__(self, harness: Harness) -> None:
        super().__init__()
        self.h = harness
        tenant = harness.world.a
        self.actors = {
            "owner": Actor("owner", tenant.member(Role.owner).access_token, is_visitor=False),
            "agent": Actor("agent", tenant.member(Role.agent).access_token, is_visitor=False),
            "visitor": Actor("visitor", tenant.visitor_token, is_visitor=True),
        }
        self.conversation = ""
        self.sent: dict[str, Sent] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.ids = itertools.count(1)
        self.broken = False
        # Client ids sent before the last `settle`: answered by now unless their answer was
        # lost (a function of the rules run so far only, so safe to draw from).
        self.settled = 0

    # --- plumbing -------------------------------------------------------------------------

    def _do(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            return self.h.run(coroutine)
        except BaseException:
            self.broken = True
            raise

    def _new_sent(self, author: str, *, private: bool = False) -> Sent:
        client_id = f"c{next(self.ids)}"
        sent = Sent(client_id, author, f"{author} says {client_id}", private)
        self.sent[client_id] = sent
        return sent

    def _answered(self, sent: Sent, *, created: bool, message: dict[str, Any]) -> None:
        if sent.message is None:
            sent.message = message
        # A retry names the original: same message, same place in the history.
        assert (message["id"], message["seq"]) == (sent.message["id"], sent.message["seq"]), (
            f"{sent.client_id}: answered {message} after {sent.message}"
        )
        assert message["body"] == sent.body
        if created:
            sent.created += 1
        else:
            sent.duplicates += 1
        assert sent.created <= 1, f"{sent.client_id} was created twice"

    async def _handshake(self, actor: Actor) -> ClientConnection:
        async with asyncio.timeout(WAIT_S):
            while True:
                try:
                    return await connect(
                        f"{self.h.server.ws_url}{actor.socket_path}",
                        subprotocols=subprotocols(actor.token),  # type: ignore[arg-type]
                        compression=None,
                        open_timeout=WAIT_S,
                    )
                except InvalidStatus as refused:
                    status = refused.response.status_code
                # A busy database refuses the handshake with a retryable 503.
                assert status == 503, f"{actor.name}'s handshake was refused with {status}"
                await asyncio.sleep(0.05)

    async def _open(self, actor: Actor) -> Link:
        observer = Observer(await self._handshake(actor))
        observer.start()
        await observer.wait_for(lambda f: f["type"] == "ready")
        link = Link(observer)
        actor.links.append(link)
        return link

    async def _connect(self, actor: Actor, *, resume: bool) -> str:
        """Connect and catch up: resume from the held cursor, or refetch over REST (what a
        client does after resync_required). Returns how it caught up."""
        link = await self._open(actor)
        cursor = actor.cursor
        if not resume:
            await self._refetch(actor, cursor)
            return "rest"
        link.resumed_after = cursor
        start = len(link.observer.frames)
        ref = f"resume-{next(self.ids)}"
        await link.observer.send(
            {"type": "resume", "ref": ref, "conversations": {self.conversation: cursor}}
        )
        answer = await link.observer.wait_for(
            lambda f: (
                (
                    f["type"] in ("resumed", "resync_required")
                    and f["conversation_id"] == self.conversation
                )
                or (f["type"] == "error" and f.get("ref") == ref)
            ),
            after=start,
        )
        assert answer["type"] != "error", answer
        if answer["type"] == "resync_required":
            await self._refetch(actor, cursor)
        else:
            # Everything up to last_seq was sent before `resumed`.
            self._absorb(actor, link)
            assert actor.cursor >= answer["last_seq"], (answer, actor.cursor)
        return str(answer["type"])

    async def _refetch(self, actor: Actor, after: int) -> None:
        for message in await self._history(actor, after):
            self._hold(actor, message)

    async def _history(self, actor: Actor, after: int = 0) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            response = await self.h.http.get(
                actor.messages_path.format(self.conversation),
                params={"after_seq": items[-1]["seq"] if items else after, "limit": 200},
                headers=actor.headers,
            )
            assert response.status_code == 200, response.text
            items += response.json()["items"]
            if not response.json()["has_more"]:
                return items

    def _hold(self, actor: Actor, message: dict[str, Any]) -> None:
        earlier = actor.held.setdefault(message["id"], message)
        # However it arrived (live, resumed, refetched), a message looks the same.
        assert earlier == message, f"{actor.name}: {earlier} then {message}"

    def _absorb(self, actor: Actor, link: Link, *, closing: bool = False) -> None:
        """Fold the link's new frames into the actor's state (`closing`: the client itself
        is closing it)."""
        frames = link.observer.frames
        for frame in frames[link.seen :]:
            kind, ref = frame["type"], frame.get("ref")
            if kind == "message.created" and frame["conversation_id"] == self.conversation:
                self._hold(actor, frame["message"])
            elif kind == "ack" and ref in link.pending:
                sent = self.sent[link.pending.pop(ref)]
                self._answered(sent, created=not frame["duplicate"], message=frame["message"])
            elif kind == "error" and ref in link.pending:
                sent = self.sent[link.pending.pop(ref)]
                # Only a busy database may refuse a valid send; the client retries later.
                assert frame["status"] == 503, frame
                sent.lost += 1
        link.seen = len(frames)
        if link.open and not closing and link.observer.closed.is_set():
            code = link.observer.close_code
            assert code in RECONNECT_CODES, (
                f"the server closed {actor.name}'s socket with code {code}, unasked"
            )
            self._closed(link)

    def _closed(self, link: Link) -> int:
        """The connection is gone: sends it had no answer for are lost to the client (the
        server may or may not have committed them)."""
        link.open = False
        for client_id in link.pending.values():
            self.sent[client_id].lost += 1
        lost = len(link.pending)
        link.pending.clear()
        return lost

    async def _socket_send(self, actor: Actor, sent: Sent) -> None:
        link = actor.link
        assert link is not None
        ref = f"send-{next(self.ids)}"
        link.pending[ref] = sent.client_id
        sent.attempts += 1
        frame: dict[str, Any] = {
            "type": "send",
            "ref": ref,
            "conversation_id": self.conversation,
            "body": sent.body,
            "client_message_id": sent.client_id,
        }
        if sent.private:
            frame["private"] = True
        await link.observer.send(frame)

    async def _rest_post(self, actor: Actor, sent: Sent) -> None:
        sent.attempts += 1
        payload: dict[str, Any] = {"body": sent.body, "client_message_id": sent.client_id}
        if sent.private:
            payload["private"] = True
        response = await self.h.http.post(
            actor.messages_path.format(self.conversation), json=payload, headers=actor.headers
        )
        if response.status_code == 503:
            sent.lost += 1
            return
        assert response.status_code in (200, 201), response.text
        self._answered(sent, created=response.status_code == 201, message=response.json())

    def _post(self, actor: Actor, sent: Sent, over_socket: bool) -> None:
        if over_socket:
            self._do(self._socket_send(actor, sent))
        else:
            self._do(self._spawn(self._rest_post(actor, sent)))

    async def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self.tasks.append(asyncio.get_running_loop().create_task(coroutine))

    async def _settle(self) -> None:
        """Wait for every REST answer and every ack, then fold in what arrived."""
        tasks, self.tasks = self.tasks, []
        await asyncio.gather(*tasks)
        for actor in self.actors.values():
            link = actor.link
            if link is None:
                continue
            for ref in list(link.pending):
                await self._answer(link, ref)
            self._absorb(actor, link)
            assert not link.pending

    async def _answer(self, link: Link, ref: str) -> None:
        """Wait for the answer to `ref`, or for the socket to close (judged by _absorb)."""
        async with asyncio.timeout(WAIT_S):
            while not link.observer.closed.is_set():
                if any(f.get("ref") == ref for f in link.observer.frames):
                    return
                await asyncio.sleep(0.002)

    async def _check_history(self) -> list[dict[str, Any]]:
        """The REST history is gap-free, and holds every answered message exactly once."""
        history = await self._history(self.actors["owner"])
        seqs = [m["seq"] for m in history]
        assert seqs == list(range(1, len(history) + 1)), f"seqs {seqs}"
        assert len({m["id"] for m in history}) == len(history)
        client_ids = Counter(m["client_message_id"] for m in history if m["client_message_id"])
        assert all(n == 1 for n in client_ids.values()), client_ids
        by_client_id = {m["client_message_id"]: m for m in history if m["client_message_id"]}
        for sent in self.sent.values():
            if sent.message is None:
                continue
            stored = by_client_id.get(sent.client_id)
            assert stored is not None, f"acknowledged {sent.client_id} is not in the history"
            assert (stored["id"], stored["seq"]) == (sent.message["id"], sent.message["seq"])
            assert (stored["body"], stored["private"]) == (sent.body, sent.private)
        # Nothing was created but by a send of ours (a refused reuse creates nothing).
        assert set(client_ids) <= set(self.sent), set(client_ids) - set(self.sent)
        return history

    # --- rules ----------------------------------------------------------------------------

    @initialize(resume=st.fixed_dictionaries({name: st.booleans() for name in ACTORS}))
    def start(self, resume: dict[str, bool]) -> None:
        self._do(self._start(resume))

    async def _start(self, resume: dict[str, bool]) -> None:
        visitor = self.actors["visitor"]
        response = await self.h.http.post(
            "/api/v1/widget/conversations",
            json={"subject": "Property", "body": "Hello?"},
            headers=visitor.headers,
        )
        assert response.status_code == 201, response.text
        self.conversation = response.json()["id"]
        for name, actor in self.actors.items():
            await self._connect(actor, resume=resume[name])

    @rule(name=st.sampled_from(ACTORS), over_socket=st.booleans())
    def post(self, name: str, over_socket: bool) -> None:
        actor = self.actors[name]
        if over_socket and actor.link is None:
            over_socket = False
        self._post(actor, self._new_sent(name), over_socket)

    @rule(name=st.sampled_from(MEMBERS), over_socket=st.booleans())
    def post_note(self, name: str, over_socket: bool) -> None:
        actor = self.actors[name]
        if over_socket and actor.link is None:
            over_socket = False
        self._post(actor, self._new_sent(name, private=True), over_socket)

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data(), over_socket=st.booleans())
    def retry(self, data: st.DataObject, over_socket: bool) -> None:
        """The author sends an earlier client id again (answered or not)."""
        sent = data.draw(st.sampled_from(sorted(self.sent.values(), key=lambda s: s.client_id)))
        actor = self.actors[sent.author]
        if over_socket and actor.link is None:
            over_socket = False
        event(f"retry of an {'answered' if sent.message else 'unanswered'} send")
        self._post(actor, sent, over_socket)

    @precondition(lambda self: self.settled > 0)
    @rule(data=st.data(), over_socket=st.booleans())
    def reuse_foreign_id(self, data: st.DataObject, over_socket: bool) -> None:
        """Someone else sends with an id already taken: refused, and nothing is revealed.
        (An id whose answer was lost is left alone: it may not exist yet.)"""
        sent = data.draw(st.sampled_from(list(self.sent.values())[: self.settled]))
        other = data.draw(st.sampled_from([a for a in ACTORS if a != sent.author]))
        if self._do(self._reuse(self.actors[other], sent, over_socket)):
            event("reuse of a foreign id refused")

    async def _reuse(self, actor: Actor, sent: Sent, over_socket: bool) -> bool:
        if sent.message is None:
            return False
        link = actor.link
        if over_socket and link is not None:
            ref = f"reuse-{next(self.ids)}"
            start = len(link.observer.frames)
            await link.observer.send(
                {
                    "type": "send",
                    "ref": ref,
                    "conversation_id": self.conversation,
                    "body": f"{actor.name} reuses {sent.client_id}",
                    "client_message_id": sent.client_id,
                }
            )
            answer = await link.observer.wait_for(lambda f: f.get("ref") == ref, after=start)
            assert (answer["type"], answer.get("status")) == ("error", 409), answer
            return True
        response = await self.h.http.post(
            actor.messages_path.format(self.conversation),
            json={
                "body": f"{actor.name} reuses {sent.client_id}",
                "client_message_id": sent.client_id,
            },
            headers=actor.headers,
        )
        assert response.status_code == 409, response.text
        assert sent.body not in response.text
        return True

    @precondition(lambda self: any(a.link for a in self.actors.values()))
    @rule(data=st.data(), abrupt=st.booleans())
    def disconnect(self, data: st.DataObject, abrupt: bool) -> None:
        """Close a socket, politely or by dropping the TCP connection; sends it had not had
        an answer for are lost to the client (the server may or may not have committed them)."""
        name = data.draw(st.sampled_from([n for n in ACTORS if self.actors[n].link]))
        lost = self._do(self._disconnect(self.actors[name], abrupt))
        if lost:
            event("a send lost its answer")

    async def _disconnect(self, actor: Actor, abrupt: bool) -> int:
        link = actor.link
        assert link is not None
        if abrupt:
            link.observer.ws.transport.abort()
            await link.observer.wait_closed()
        else:
            await link.observer.close()
        self._absorb(actor, link, closing=True)
        return self._closed(link)

    @precondition(lambda self: any(a.link is None for a in self.actors.values()))
    @rule(data=st.data(), resume=st.booleans())
    def reconnect(self, data: st.DataObject, resume: bool) -> None:
        name = data.draw(st.sampled_from([n for n in ACTORS if self.actors[n].link is None]))
        how = self._do(self._connect(self.actors[name], resume=resume))
        event(f"reconnect: {how}")

    @rule()
    def settle(self) -> None:
        self._do(self._settle_and_check())
        self.settled = len(self.sent)

    @rule(authors=st.lists(st.sampled_from(ACTORS), min_size=2, max_size=5))
    def burst(self, authors: list[str]) -> None:
        """Several posts over REST at once, from several people."""
        for name in authors:
            self._post(self.actors[name], self._new_sent(name), over_socket=False)

    @precondition(lambda self: any(a.link for a in self.actors.values()))
    @rule(data=st.data(), then_post=st.booleans())
    def drop_mid_send(self, data: st.DataObject, then_post: bool) -> None:
        """Send over the socket and lose the connection at once, while (optionally) someone
        else posts: the answer is lost, the send may or may not have been committed."""
        name = data.draw(st.sampled_from([n for n in ACTORS if self.actors[n].link]))
        actor = self.actors[name]
        self._post(actor, self._new_sent(name), over_socket=True)
        if then_post:
            other = data.draw(st.sampled_from([n for n in ACTORS if n != name]))
            self._post(self.actors[other], self._new_sent(other), over_socket=False)
        self._do(self._disconnect(actor, abrupt=True))

    async def _settle_and_check(self) -> None:
        await self._settle()
        await self._check_history()

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def frames_are_clean(self) -> None:
        if self.conversation:
            self._do(self._frames_are_clean())

    async def _frames_are_clean(self) -> None:
        notes = {s.message["id"] for s in self.sent.values() if s.private and s.message is not None}
        for actor in self.actors.values():
            for number, link in enumerate(actor.links):
                self._check_link(actor, number, link, notes)

    def _check_link(self, actor: Actor, number: int, link: Link, notes: set[str]) -> None:
        created = [
            f["message"]
            for f in link.observer.frames
            if f["type"] == "message.created" and f["conversation_id"] == self.conversation
        ]
        copies = Counter(m["id"] for m in created)
        by_body = {s.body: s for s in self.sent.values()}
        for message in {m["id"]: m for m in created}.values():
            # Once, plus once more if it was in the backlog of this connection's resume,
            # plus once per retry of its client id (the server publishes it again).
            resumed = link.resumed_after is not None and message["seq"] > link.resumed_after
            sent = by_body.get(message["body"])
            allowed = 1 + resumed + (sent.attempts - 1 if sent else 0)
            assert copies[message["id"]] <= allowed, (
                f"{actor.name}'s connection {number} (resumed after {link.resumed_after}) "
                f"received {message} {copies[message['id']]} times, at most {allowed} expected"
            )
        if actor.is_visitor:
            leaked = notes & set(copies)
            assert not leaked, f"the visitor received notes {leaked}"
            assert all("private" not in m for m in created)

    # --- the end --------------------------------------------------------------------------

    @override
    def teardown(self) -> None:
        try:
            if not self.broken and self.conversation:
                note(self.h.run(self._finish()))
        finally:
            self.h.run(self._close())

    async def _finish(self) -> str:
        """Do what every client does in the end: come back, resend what was never answered;
        then everyone must hold exactly the history they may see."""
        await self._settle()
        for actor in self.actors.values():
            if actor.link is None:
                await self._connect(actor, resume=True)
        for sent in self.sent.values():
            if sent.message is None:
                await self._rest_post(self.actors[sent.author], sent)
                assert sent.message is not None, f"{sent.client_id} still unanswered"
        await self._settle()
        history = await self._check_history()
        for sent in self.sent.values():
            if sent.lost == 0:
                assert sent.created == 1, sent
        for actor in self.actors.values():
            expected = await self._history(actor)
            await self._converge(actor, expected)
            mine = sorted(actor.held.values(), key=lambda m: m["seq"])
            assert [m["id"] for m in mine] == [m["id"] for m in expected], actor.name
            assert mine == expected, f"{actor.name}: payloads differ from REST"
        private = {m["id"] for m in history if m["private"]}
        assert not private & set(self.actors["visitor"].held)
        await self._frames_are_clean()
        return f"{len(history)} messages, {len(self.sent)} client ids"

    async def _converge(self, actor: Actor, expected: list[dict[str, Any]]) -> None:
        """Live frames may still be on their way: wait for them, with a deadline."""
        link = actor.link
        assert link is not None
        wanted = {m["id"] for m in expected}
        try:
            async with asyncio.timeout(WAIT_S):
                while True:
                    self._absorb(actor, link)
                    if wanted <= set(actor.held):
                        break
                    await asyncio.sleep(0.01)
        except TimeoutError:
            missing = sorted((m["seq"], m["id"]) for m in expected if m["id"] not in actor.held)
            raise AssertionError(
                f"{actor.name} never received {missing} (cursor {actor.cursor}); "
                f"links: {[(each.resumed_after, each.open) for each in actor.links]}"
            ) from None
        extra = set(actor.held) - wanted
        assert not extra, f"{actor.name} holds messages REST does not show it: {extra}"

    async def _close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for actor in self.actors.values():
            link = actor.link
            if link is not None:
                link.open = False
                await link.observer.close()


async def test_delivery_survives_random_interleavings(
    settings: Settings, runtime: Runtime, world: World
) -> None:
    tuned = settings.model_copy(
        update={"ws_resume_limit": RESUME_LIMIT, "widget_message_limit_per_visitor": 1_000_000}
    )
    async with live_server(tuned) as server, server.client() as http:
        harness = Harness(asyncio.get_running_loop(), server, http, world)
        await asyncio.to_thread(
            run_state_machine_as_test,
            # Hypothesis accepts any factory of machines here (typed as the class only).
            lambda: DeliveryMachine(harness),  # type: ignore[arg-type]
            settings=MACHINE_SETTINGS,
        )
