"""@mentions in private notes: the mentioned member hears of it on their socket, nobody else
does, and a mention can never reach someone who may not see the conversation."""

import httpx

from helpline.tenancy.models import Role
from tests.fixtures.live import LiveServer, observe
from tests.fixtures.world import World


def _messages(world: World) -> str:
    return f"/api/v1/conversations/{world.a.conversation.id}/messages"


async def test_the_mentioned_member_is_told_and_nobody_else(
    server: LiveServer, world: World
) -> None:
    owner, agent, admin = (world.a.member(r) for r in (Role.owner, Role.agent, Role.admin))
    async with (
        observe(server, "/ws/agent", agent.access_token) as mentioned,
        observe(server, "/ws/agent", admin.access_token) as bystander,
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
        server.client() as http,
    ):
        response = await http.post(
            _messages(world),
            headers=owner.headers,
            json={
                "body": "Can you check the refund?",
                "private": True,
                "mentions": [str(agent.membership.id), str(agent.membership.id)],
            },
        )
        assert response.status_code == 201, response.text
        note = response.json()
        assert note["data"] == {"mentions": [str(agent.membership.id)]}
        frame = await mentioned.wait_for(lambda f: f["type"] == "mention")
        assert frame["message"]["id"] == note["id"]
        assert frame["by_member_id"] == str(owner.membership.id)
        assert frame["conversation_id"] == str(world.a.conversation.id)
        # The admin sees the note like any other, with no mention; the visitor sees nothing.
        await bystander.wait_for(
            lambda f: f["type"] == "message.created" and f["message"]["id"] == note["id"]
        )
        assert not bystander.of_type("mention")
        reply = await http.post(_messages(world), headers=owner.headers, json={"body": "Done."})
        await visitor.wait_for(
            lambda f: f["type"] == "message.created" and f["message"]["id"] == reply.json()["id"]
        )
        assert all(f["message"]["id"] != note["id"] for f in visitor.of_type("message.created"))


async def _refused(http: httpx.AsyncClient, world: World, json: dict[str, object]) -> str:
    owner = world.a.member(Role.owner)
    before = await http.get(_messages(world), headers=owner.headers)
    response = await http.post(_messages(world), headers=owner.headers, json=json)
    assert response.status_code == 422, response.text
    after = await http.get(_messages(world), headers=owner.headers)
    assert after.json()["items"] == before.json()["items"]
    detail: str = response.json()["detail"]
    return detail


async def test_mentions_only_in_notes_and_only_of_who_may_see(
    server: LiveServer, world: World
) -> None:
    agent = world.a.member(Role.agent)
    owner = world.a.member(Role.owner)
    async with server.client() as http:
        public = {"body": "Hi", "mentions": [str(agent.membership.id)]}
        assert "private notes only" in await _refused(http, world, public)
        foreign = world.b.member(Role.agent).membership.id
        note = {"body": "See", "private": True, "mentions": [str(foreign)]}
        assert "can see the conversation" in await _refused(http, world, note)
        # Moved to a team the agent is not in, the conversation is out of the agent's
        # sight: mentioning them would show it to them.
        team = await http.post("/api/v1/teams", headers=owner.headers, json={"name": "Sales"})
        assert team.status_code == 201, team.text
        moved = await http.post(
            f"/api/v1/conversations/{world.a.conversation.id}/team",
            headers=owner.headers,
            json={"team_id": team.json()["id"]},
        )
        assert moved.status_code == 200, moved.text
        hidden = {"body": "See", "private": True, "mentions": [str(agent.membership.id)]}
        assert "can see the conversation" in await _refused(http, world, hidden)
