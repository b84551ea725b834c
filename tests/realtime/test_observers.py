"""Observer sockets (RELIABILITY.md, "How the tests prove it").

Every kind of actor of both workspaces holds a socket that records every frame, while a
scripted day of work happens over REST in both workspaces. Then, for each observer:
- every frame is about its own workspace, and about something it may see over REST;
- what it was told matches what REST shows it: the same messages, none missing, none extra;
- visitors never receive a note, an internal event, or another contact's conversation;
- an agent outside a team receives nothing of that team's conversations once they moved
  there (only the conversation.removed that tells them).
"""

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import new_member
from tests.fixtures.live import LiveServer, Observer, observe
from tests.fixtures.world import Tenant, World


@dataclass
class Actor:
    name: str
    tenant: Tenant
    headers: dict[str, str]
    token: str
    visitor: bool = False
    observer: Observer | None = None

    @property
    def frames(self) -> list[dict[str, Any]]:
        assert self.observer is not None
        return self.observer.frames


async def _actors(runtime: Runtime, world: World) -> list[Actor]:
    actors = []
    for tenant in (world.a, world.b):
        label = tenant.workspace.slug
        for role in Role:
            member = tenant.member(role)
            actors.append(
                Actor(f"{label}:{role.value}", tenant, member.headers, member.access_token)
            )
        # An agent in no team: sees conversations without a team, not the team's.
        outsider = await new_member(runtime, tenant, Role.agent, "outsider")
        actors.append(Actor(f"{label}:outsider", tenant, outsider.headers, outsider.access_token))
        actors.append(
            Actor(f"{label}:visitor", tenant, tenant.visitor_headers, tenant.visitor_token, True)
        )
        actors.append(
            Actor(
                f"{label}:stranger",
                tenant,
                tenant.other_visitor_headers,
                tenant.other_visitor_token,
                True,
            )
        )
    return actors


@contextlib.asynccontextmanager
async def _observing(server: LiveServer, actors: list[Actor]) -> AsyncIterator[None]:
    async with contextlib.AsyncExitStack() as stack:
        for actor in actors:
            path = "/ws/widget" if actor.visitor else "/ws/agent"
            actor.observer = await stack.enter_async_context(observe(server, path, actor.token))
        yield


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, (response.request.url, response.text)
    body: dict[str, Any] = response.json() if response.content else {}
    return body


async def _day_of_work(http: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """Everything a workspace does in a day, through REST. Returns what the checks need."""
    owner, agent = tenant.member(Role.owner), tenant.member(Role.agent)
    visitor = tenant.visitor_headers
    first = f"/api/v1/conversations/{tenant.conversation.id}"
    await _ok(
        await http.post(
            f"/api/v1/widget/conversations/{tenant.conversation.id}/messages",
            headers=visitor,
            json={"body": "Hello again", "client_message_id": "v-1"},
        )
    )
    await _ok(await http.post(f"{first}/messages", headers=agent.headers, json={"body": "Hi!"}))
    note = await _ok(
        await http.post(
            f"{first}/messages",
            headers=agent.headers,
            json={"body": "secret note about the customer", "private": True},
        )
    )
    await _ok(await http.put(f"{first}/labels", headers=owner.headers, json={"labels": ["vip"]}))
    await _ok(await http.patch(first, headers=owner.headers, json={"priority": "high"}))
    await _ok(
        await http.post(
            f"{first}/assign",
            headers=owner.headers,
            json={"member_id": str(agent.membership.id)},
        )
    )
    await _ok(await http.patch(first, headers=agent.headers, json={"status": "resolved"}))
    # The visitor writes again: the conversation reopens.
    await _ok(
        await http.post(
            f"/api/v1/widget/conversations/{tenant.conversation.id}/messages",
            headers=visitor,
            json={"body": "One more thing", "client_message_id": "v-2"},
        )
    )
    # A second conversation starts without a team, then moves to the team.
    second = await _ok(
        await http.post(
            "/api/v1/widget/conversations",
            headers=visitor,
            json={"subject": "Billing", "body": "Charged twice"},
        )
    )
    moved = f"/api/v1/conversations/{second['id']}"
    await _ok(
        await http.post(
            f"{moved}/team", headers=owner.headers, json={"team_id": str(tenant.team.id)}
        )
    )
    team_note = await _ok(
        await http.post(
            f"{moved}/messages",
            headers=agent.headers,
            json={"body": "refund approved internally", "private": True},
        )
    )
    await _ok(
        await http.post(f"{moved}/messages", headers=agent.headers, json={"body": "Refunded"})
    )
    return {"notes": {note["id"], team_note["id"]}, "team_conversation": second["id"]}


async def _settle(actors: list[Actor]) -> None:
    """Every event of the work above is queued before its REST call returned (after-commit,
    in this process); a ping answered after all of them proves each socket has them all."""
    for actor in actors:
        assert actor.observer is not None
        seen = len(actor.observer.frames)
        await actor.observer.send({"type": "ping", "ref": "settle"})
        await actor.observer.wait_for(
            lambda f: f["type"] == "pong" and f["ref"] == "settle", after=seen
        )


def _conversation_ids(frames: list[dict[str, Any]]) -> set[str]:
    ids = set()
    for frame in frames:
        if "conversation_id" in frame:
            ids.add(frame["conversation_id"])
        if "conversation" in frame:
            ids.add(frame["conversation"]["id"])
    return ids


async def _visible_messages(
    http: httpx.AsyncClient, actor: Actor, conversation_id: str
) -> set[str]:
    base = "/api/v1/widget/conversations" if actor.visitor else "/api/v1/conversations"
    response = await http.get(
        f"{base}/{conversation_id}/messages", headers=actor.headers, params={"after_seq": 0}
    )
    if response.status_code == 404:
        return set()
    body = await _ok(response)
    assert not body["has_more"]
    return {m["id"] for m in body["items"]}


async def _check(http: httpx.AsyncClient, actor: Actor, facts: dict[str, dict[str, Any]]) -> None:
    own = facts[actor.tenant.workspace.slug]
    other = facts["ws-b" if actor.tenant.workspace.slug == "ws-a" else "ws-a"]
    frames = actor.frames
    text = json.dumps(frames)
    # Nothing of the other workspace, ever.
    for conversation_id in other["conversations"]:
        assert conversation_id not in text, f"{actor.name} saw another workspace's conversation"
    removed = {f["conversation_id"] for f in frames if f["type"] == "conversation.removed"}
    received: dict[str, set[str]] = {}
    for index, frame in enumerate(frames):
        if frame["type"] == "message.created":
            received.setdefault(frame["conversation_id"], set()).add(frame["message"]["id"])
            # After a conversation.removed, nothing more about it.
            assert not any(
                f["type"] == "conversation.removed"
                and f["conversation_id"] == frame["conversation_id"]
                for f in frames[:index]
            ), f"{actor.name} got a message of a conversation it no longer sees"
    if actor.visitor:
        assert not (own["notes"] & {m for ids in received.values() for m in ids}), actor.name
        assert "secret note" not in text, actor.name
        assert "refund approved" not in text, actor.name
        assert not any(f["type"] in {"presence", "inbox.counts"} for f in frames), actor.name
    # Each conversation it heard of is one it may open over REST (unless it was told it
    # lost sight of it), and it heard exactly the messages REST shows it since it connected.
    for conversation_id in _conversation_ids(frames) - removed:
        visible = await _visible_messages(http, actor, conversation_id)
        assert visible, f"{actor.name} was told about {conversation_id} but cannot see it"
        new = visible - own["before"].get(conversation_id, set())
        assert received.get(conversation_id, set()) == new, (actor.name, conversation_id)
    # And it missed no conversation it can see where something happened.
    for conversation_id in own["conversations"] - removed:
        visible = await _visible_messages(http, actor, conversation_id)
        new = visible - own["before"].get(conversation_id, set())
        assert received.get(conversation_id, set()) == new, (actor.name, conversation_id)


async def _all_messages(http: httpx.AsyncClient, tenant: Tenant) -> dict[str, set[str]]:
    owner = tenant.member(Role.owner)
    listing = await _ok(await http.get("/api/v1/conversations", headers=owner.headers))
    result = {}
    for conversation in listing["items"]:
        page = await _ok(
            await http.get(
                f"/api/v1/conversations/{conversation['id']}/messages",
                headers=owner.headers,
                params={"after_seq": 0},
            )
        )
        result[conversation["id"]] = {m["id"] for m in page["items"]}
    return result


async def test_every_actor_sees_exactly_what_rest_shows_it(
    server: LiveServer, runtime: Runtime, world: World
) -> None:
    actors = await _actors(runtime, world)
    async with server.client() as http:
        before = {t.workspace.slug: await _all_messages(http, t) for t in (world.a, world.b)}
        async with _observing(server, actors):
            facts: dict[str, dict[str, Any]] = {}
            for tenant in (world.a, world.b):
                facts[tenant.workspace.slug] = await _day_of_work(http, tenant)
            await _settle(actors)
            for tenant in (world.a, world.b):
                slug = tenant.workspace.slug
                facts[slug]["conversations"] = set(await _all_messages(http, tenant))
                facts[slug]["before"] = before[slug]
            for actor in actors:
                await _check(http, actor, facts)
        # The checks above would pass on silence: make sure the actors heard things.
        by_name = {a.name: a for a in actors}
        owner_heard = {f["type"] for f in by_name["ws-a:owner"].frames}
        assert {"message.created", "conversation.created", "conversation.assigned"} <= owner_heard
        assert {"conversation.status_changed", "conversation.updated"} <= owner_heard
        outsider = by_name["ws-a:outsider"].frames
        team_conversation = facts["ws-a"]["team_conversation"]
        assert any(
            f["type"] == "conversation.removed" and f["conversation_id"] == team_conversation
            for f in outsider
        )
        assert any(f["type"] == "message.created" for f in by_name["ws-a:visitor"].frames)
        assert not any(f["type"] == "message.created" for f in by_name["ws-a:stranger"].frames)
