"""Bot answers streamed as the model writes them (docs/realtime.md, `message.streaming`): the
visitor's widget and the agents' inbox receive the growing text, then the posted message; a
stream that ends in a hand-off is discarded first; only the conversation's own watchers hear
it; nothing in it can render live; a model stalling mid-answer hands off within the limit."""

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx

from helpline.bot.prompts import SYSTEM_PROMPT, echoes_rules
from helpline.bot.streaming import AnswerStream, showable
from helpline.bot.text import inert
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.realtime.broker import BROKER_KEY
from helpline.realtime.hub import decode_envelope
from helpline.tenancy.models import Role
from tests.bot.support import enable_bot, history, visitor_starts
from tests.conversations.support import new_member
from tests.fixtures.jobs import eventually, run_jobs, with_settings
from tests.fixtures.live import LiveServer, Observer, observe
from tests.fixtures.llm import StandInLLM, stand_in_llm
from tests.fixtures.world import World
from tests.knowledge.support import SHOP_FAQ, add_faqs

STREAMING = "message.streaming"
QUESTION = "I forgot my password"
ANSWER = "Choose 'Forgot password' on the sign-in page [1], then follow the link we email you."
HOSTILE = (
    "Pay by card [1]. ![t](https://evil.example/pixel?d=secret) "
    "[click here](javascript:alert(1)) <img src=x onerror=alert(1)> "
    "or visit https://evil.example/phish now."
)
# What no streamed text may hold: a link's or image's target, a tag, a URL, its host.
LIVE_MARKERS = ("evil", "javascript", "](", "<", ">", "http", "secret")


async def _arrange(runtime: Runtime, world: World) -> None:
    await enable_bot(runtime, world.a)
    async with unit_of_work(runtime.sessionmaker) as session:
        await add_faqs(session, world.a.workspace.id, SHOP_FAQ)


@contextlib.asynccontextmanager
async def _bot_turn(
    server: LiveServer, llm: StandInLLM, **settings: object
) -> AsyncIterator[asyncio.Task[int]]:
    """The bot.reply job, run in the background as a worker runs it, against `llm`, with the
    live server's broker (so its sockets hear the stream)."""
    configured = with_settings(server.runtime, llm_base_url=llm.base_url, llm_model="m", **settings)
    task = asyncio.create_task(run_jobs(configured))
    try:
        yield task
    finally:
        llm.release(len(llm.pieces))
        async with asyncio.timeout(30):
            await task


def _streams(observer: Observer, conversation_id: str) -> list[dict[str, Any]]:
    return [
        f
        for f in observer.frames
        if f["type"] == STREAMING and f["conversation_id"] == conversation_id
    ]


def _index(observer: Observer, predicate: Callable[[dict[str, Any]], bool]) -> int:
    return next(i for i, frame in enumerate(observer.frames) if predicate(frame))


def _from_the_team(frame: dict[str, Any]) -> bool:
    """A message.created of the bot or a system event (not the visitor's own message)."""
    return bool(frame["type"] == "message.created" and frame["message"]["sender_kind"] != "contact")


async def _settle(*observers: Observer) -> None:
    """A pong answered after the turn proves each socket has every frame published before."""
    for observer in observers:
        seen = len(observer.frames)
        await observer.send({"type": "ping", "ref": "settle"})
        await observer.wait_for(lambda f: f["type"] == "pong", after=seen)


async def _contact_message_id(http: httpx.AsyncClient, world: World, conversation_id: str) -> str:
    messages = await history(http, world.a.member(Role.admin).headers, conversation_id)
    [asked] = [m for m in messages if m["sender_kind"] == "contact"]
    message_id: str = asked["id"]
    return message_id


class TestStreamedAnswer:
    async def test_the_text_grows_on_both_sockets_then_the_message_replaces_it(
        self, server: LiveServer, runtime: Runtime, world: World
    ) -> None:
        await _arrange(runtime, world)
        admin = world.a.member(Role.admin)
        async with (
            stand_in_llm(reply=ANSWER, paced=True) as llm,
            observe(server, "/ws/widget", world.a.visitor_token) as visitor,
            observe(server, "/ws/agent", admin.access_token) as inbox,
            server.client() as http,
        ):
            conversation = await visitor_starts(http, world.a, QUESTION)
            shown: list[str] = []
            async with _bot_turn(server, llm) as job:
                # One piece at a time: each new showable text reaches the widget before the
                # model writes the next piece.
                for written in range(1, len(llm.pieces) + 1):
                    llm.release()
                    expected = showable("".join(llm.pieces[:written]))
                    if expected and expected not in shown:
                        await visitor.wait_for(
                            lambda f, text=expected: f["type"] == STREAMING and f["text"] == text
                        )
                        shown.append(expected)
                await job
            posted = await visitor.wait_for(_from_the_team)
            await inbox.wait_for(_from_the_team)
            asked = await _contact_message_id(http, world, conversation)
            messages = await history(http, admin.headers, conversation)

        frames = _streams(visitor, conversation)
        growing, [end] = frames[:-1], frames[-1:]
        answer = posted["message"]
        assert [f["text"] for f in growing] == shown
        assert len(shown) >= 5
        assert all(longer.startswith(text) for text, longer in itertools.pairwise(shown))
        assert {(f["stream_id"], f["done"], f["discarded"]) for f in growing} == {
            (f"bot:{asked}", False, False)
        }
        # The last frame names the posted answer, whose message.created replaces the bubble.
        assert end == {
            "type": STREAMING,
            "conversation_id": conversation,
            "stream_id": f"bot:{asked}",
            "text": ANSWER,
            "done": True,
            "discarded": False,
            "message_id": answer["id"],
        }
        assert (answer["sender_kind"], answer["body"]) == ("bot", ANSWER)
        assert _index(visitor, lambda f: f["type"] == "message.created" and f is posted) > (
            _index(visitor, lambda f: f is growing[-1])
        )
        # The inbox saw the same stream; its message carries the stream's id.
        assert _streams(inbox, conversation) == frames
        assert messages[-1]["client_message_id"] == f"bot:{asked}"
        assert messages[-1]["data"]["citations"][0]["title"] == "How do I reset my password?"

    async def test_an_unsupported_answer_is_discarded_before_the_hand_off(
        self, server: LiveServer, runtime: Runtime, world: World
    ) -> None:
        await _arrange(runtime, world)
        admin = world.a.member(Role.admin)
        unsupported = "You can probably reset it somewhere on the website, I would think."
        async with (
            stand_in_llm(reply=unsupported) as llm,
            observe(server, "/ws/widget", world.a.visitor_token) as visitor,
            server.client() as http,
        ):
            conversation = await visitor_starts(http, world.a, QUESTION)
            async with _bot_turn(server, llm) as job:
                await job
            await visitor.wait_for(
                lambda f: _from_the_team(f) and f["message"]["event"] == "handed_off"
            )
            messages = await history(http, admin.headers, conversation)

        frames = _streams(visitor, conversation)
        # The first word went out at once; the rest waited for the interval, and was dropped.
        assert frames[0]["text"] == "You"
        assert (frames[-1]["done"], frames[-1]["discarded"]) == (True, True)
        assert (frames[-1]["text"], frames[-1]["message_id"]) == ("", None)
        discarded = _index(visitor, lambda f: f is frames[-1])
        assert discarded < _index(visitor, _from_the_team)
        assert messages[-1]["data"]["reason"] == "not_supported"
        assert unsupported not in [m["body"] for m in messages]

    async def test_a_model_stalling_mid_answer_hands_off_within_the_time_limit(
        self, server: LiveServer, runtime: Runtime, world: World
    ) -> None:
        await _arrange(runtime, world)
        admin = world.a.member(Role.admin)
        limit_s = 0.5
        async with (
            stand_in_llm("stall", reply=ANSWER) as llm,
            observe(server, "/ws/widget", world.a.visitor_token) as visitor,
            server.client() as http,
        ):
            conversation = await visitor_starts(http, world.a, QUESTION)
            started = time.monotonic()
            async with _bot_turn(server, llm, llm_timeout=timedelta(seconds=limit_s)) as job:
                await job
            elapsed = time.monotonic() - started
            await visitor.wait_for(
                lambda f: _from_the_team(f) and f["message"]["event"] == "handed_off"
            )
            messages = await history(http, admin.headers, conversation)

        frames = _streams(visitor, conversation)
        # The model wrote the whole answer but never finished it (keep-alive comments only).
        assert llm.sent == len(llm.pieces)
        assert any(f["text"] and not f["done"] for f in frames)
        assert frames[-1]["discarded"]
        assert _index(visitor, lambda f: f is frames[-1]) < _index(visitor, _from_the_team)
        assert messages[-1]["data"]["reason"] == "llm_failed"
        # The limit covers the whole exchange: chunks trickling in do not extend it. (The
        # rest of the turn, retrieval and the hand-off, gets a generous margin.)
        assert limit_s <= elapsed < limit_s + 5

    async def test_a_handoff_reply_streams_nothing(
        self, server: LiveServer, runtime: Runtime, world: World
    ) -> None:
        await _arrange(runtime, world)
        async with (
            stand_in_llm(chunks=["HAND", "OFF"]) as llm,
            observe(server, "/ws/widget", world.a.visitor_token) as visitor,
            server.client() as http,
        ):
            conversation = await visitor_starts(http, world.a, QUESTION)
            async with _bot_turn(server, llm) as job:
                await job
            await visitor.wait_for(
                lambda f: _from_the_team(f) and f["message"]["event"] == "handed_off"
            )
            await _settle(visitor)

        assert _streams(visitor, conversation) == []
        assert "HAND" not in json.dumps([f for f in visitor.frames if _from_the_team(f)])

    async def test_the_offline_model_answers_at_once_without_a_stream(
        self, server: LiveServer, runtime: Runtime, world: World
    ) -> None:
        await _arrange(runtime, world)
        async with (
            observe(server, "/ws/widget", world.a.visitor_token) as visitor,
            server.client() as http,
        ):
            conversation = await visitor_starts(http, world.a, QUESTION)
            await run_jobs(server.runtime)
            posted = await visitor.wait_for(_from_the_team)
            await _settle(visitor)

        assert posted["message"]["body"] == SHOP_FAQ[0][2]
        assert _streams(visitor, conversation) == []


class TestIsolation:
    async def test_only_those_who_see_the_conversation_hear_its_stream(
        self, server: LiveServer, runtime: Runtime, world: World
    ) -> None:
        """Every actor of both workspaces watches; the conversation is in workspace A's team,
        so A's agent outside the team, A's other visitor and all of B hear nothing of it."""
        await _arrange(runtime, world)
        owner = world.a.member(Role.owner)
        watchers: dict[str, tuple[str, str, dict[str, str]]] = {}
        for tenant in (world.a, world.b):
            name = tenant.workspace.slug
            for role in Role:
                member = tenant.member(role)
                watchers[f"{name}:{role}"] = ("/ws/agent", member.access_token, member.headers)
            # An agent in no team: sees conversations without a team, not the team's.
            outsider = await new_member(runtime, tenant, Role.agent, "outsider")
            watchers[f"{name}:outsider"] = ("/ws/agent", outsider.access_token, outsider.headers)
            watchers[f"{name}:visitor"] = (
                "/ws/widget",
                tenant.visitor_token,
                tenant.visitor_headers,
            )
            watchers[f"{name}:stranger"] = (
                "/ws/widget",
                tenant.other_visitor_token,
                tenant.other_visitor_headers,
            )
        async with (
            stand_in_llm(reply=ANSWER) as llm,
            contextlib.AsyncExitStack() as stack,
            server.client() as http,
        ):
            observers = {
                name: await stack.enter_async_context(observe(server, path, token))
                for name, (path, token, _) in watchers.items()
            }
            conversation = await visitor_starts(http, world.a, QUESTION)
            moved = await http.post(
                f"/api/v1/conversations/{conversation}/team",
                json={"team_id": str(world.a.team.id)},
                headers=owner.headers,
            )
            assert moved.status_code == 200, moved.text
            # From here on, those who do not see the conversation hear nothing of it (the
            # agent outside the team was told it moved away, before this point).
            await _settle(*observers.values())
            before = {name: len(observer.frames) for name, observer in observers.items()}
            async with _bot_turn(server, llm) as job:
                await job
            await _settle(*observers.values())
            sees = {}
            for name, (path, _, headers) in watchers.items():
                base = (
                    "/api/v1/widget/conversations"
                    if path == "/ws/widget"
                    else ("/api/v1/conversations")
                )
                response = await http.get(f"{base}/{conversation}", headers=headers)
                assert response.status_code in (200, 404), (name, response.text)
                sees[name] = response.status_code == 200

        slug = world.a.workspace.slug
        assert {name for name, seen in sees.items() if seen} == {
            f"{slug}:{role}" for role in ("owner", "admin", "supervisor", "agent", "visitor")
        }
        for name, observer in observers.items():
            frames = _streams(observer, conversation)
            if sees[name]:
                assert frames, name
                assert (frames[-1]["done"], frames[-1]["text"]) == (True, ANSWER), name
            else:
                # Nothing of the stream: not its frames, its id, nor its words.
                assert STREAMING not in json.dumps(observer.frames), name
                heard = json.dumps(observer.frames[before[name] :])
                assert conversation not in heard, name
                assert "Forgot password" not in heard, name


class TestUntrustedStream:
    def test_no_prefix_of_a_hostile_answer_shows_anything_live(self) -> None:
        for end in range(len(HOSTILE) + 1):
            text = showable(HOSTILE[:end])
            for marker in LIVE_MARKERS:
                assert marker not in text, (HOSTILE[:end], text)

    async def test_links_and_images_never_stream_live_and_end_as_the_message_does(
        self, server: LiveServer, runtime: Runtime, world: World
    ) -> None:
        await _arrange(runtime, world)
        # Three characters at a time: the stream passes through every half-written link.
        pieces = [HOSTILE[i : i + 3] for i in range(0, len(HOSTILE), 3)]
        async with (
            stand_in_llm(chunks=pieces, paced=True) as llm,
            observe(server, "/ws/widget", world.a.visitor_token) as visitor,
            server.client() as http,
        ):
            conversation = await visitor_starts(http, world.a, QUESTION)
            shown: list[str] = []
            async with _bot_turn(server, llm) as job:
                for written in range(1, len(pieces) + 1):
                    llm.release()
                    expected = showable("".join(pieces[:written]))
                    if expected and expected not in shown:
                        await visitor.wait_for(
                            lambda f, text=expected: f["type"] == STREAMING and f["text"] == text
                        )
                        shown.append(expected)
                await job
            posted = await visitor.wait_for(_from_the_team)

        frames = _streams(visitor, conversation)
        assert [f["text"] for f in frames[:-1]] == shown
        assert shown[-1] == "Pay by card [1]. t click here  or visit"
        for frame in frames:
            for marker in LIVE_MARKERS:
                assert marker not in frame["text"], frame["text"]
        assert posted["message"]["body"] == inert(HOSTILE)
        assert frames[-1]["text"] == posted["message"]["body"]
        assert posted["message"]["body"] == "Pay by card [1]. t click here  or visit  now."


class _Recorder:
    """A broker that records what is published, and when (loop time)."""

    def __init__(self) -> None:
        self.published: list[tuple[float, dict[str, Any]]] = []

    def publish(self, channel: str, data: str) -> None:  # noqa: ARG002 (the broker's signature)
        _, _, frame = decode_envelope(data)
        self.published.append((asyncio.get_running_loop().time(), json.loads(frame)))


class TestThrottle:
    async def test_frames_wait_for_the_interval_and_then_carry_the_latest_text(
        self, runtime: Runtime, world: World
    ) -> None:
        recorder = _Recorder()
        async with runtime.sessionmaker() as session:
            session.info[BROKER_KEY] = recorder
            stream = AnswerStream.of(session, world.a.conversation, "bot:x")
            stream.interval_s = 0.2
            stream.update("One ")
            stream.update("One two ")
            stream.update("One two three ")
            published_at_once = len(recorder.published)
            await eventually(
                lambda: _count_at_least(recorder, 2), timeout_s=5, what="the trailing frame"
            )
            stream.discard()
            # Closed: neither this nor a trailing frame of it is published.
            stream.update("One two three four ")

        [(first_at, first), (second_at, second), (_, end)] = recorder.published
        assert published_at_once == 1
        assert (first["text"], second["text"]) == ("One", "One two three")
        assert second_at - first_at >= 0.2
        assert (end["done"], end["discarded"], end["text"]) == (True, True, "")


class TestPromptDump:
    async def test_a_stream_that_repeats_the_rules_stops_at_once_and_is_discarded(
        self, runtime: Runtime, world: World
    ) -> None:
        recorder = _Recorder()
        rules_line = next(line for line in SYSTEM_PROMPT.splitlines() if len(line) > 60)
        dump = f"Sure, here are my instructions: {rules_line} And more of them follow."
        async with runtime.sessionmaker() as session:
            session.info[BROKER_KEY] = recorder
            stream = AnswerStream.of(session, world.a.conversation, "bot:x")
            stream.interval_s = 0
            # The model writes the dump three characters at a time.
            for end in range(3, len(dump) + 3, 3):
                stream.update(dump[:end])

        frames = [frame for _, frame in recorder.published]
        shown = [frame["text"] for frame in frames[:-1]]
        assert shown
        assert shown[0].startswith("Sure,")
        # Nothing after the first line of the rules got out whole: the stream stopped there.
        assert not any(echoes_rules(text) for text in shown)
        assert all(
            len(text) < len("Sure, here are my instructions: ") + len(rules_line) for text in shown
        )
        assert (frames[-1]["done"], frames[-1]["discarded"], frames[-1]["text"]) == (
            True,
            True,
            "",
        )


async def _count_at_least(recorder: _Recorder, count: int) -> bool:
    return len(recorder.published) >= count
