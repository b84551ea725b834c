"""The bot's report over REST and on its dashboard page: conversations the bot started, those it
resolved alone, its hand-offs by reason, and the questions it could not answer, grouped; only
the caller's workspace, only for those who run the team."""

import httpx
import pytest

from helpline.auth.principals import Scope
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy.models import Role
from tests.bot.support import enable_bot, visitor_says, visitor_starts
from tests.dashboard.support import log_in
from tests.fixtures.jobs import run_jobs
from tests.fixtures.world import PASSWORD, Tenant, World
from tests.knowledge.support import SHOP_FAQ, add_faqs

REPORT = "/api/v1/reports/bot"


async def _arrange(runtime: Runtime, tenant: Tenant) -> None:
    await enable_bot(runtime, tenant)
    async with unit_of_work(runtime.sessionmaker) as session:
        await add_faqs(session, tenant.workspace.id, SHOP_FAQ)


async def _resolve(client: httpx.AsyncClient, tenant: Tenant, conversation_id: str) -> None:
    response = await client.patch(
        f"/api/v1/conversations/{conversation_id}",
        json={"status": "resolved"},
        headers=tenant.member(Role.admin).headers,
    )
    assert response.status_code == 200, response.text


async def _bot_conversations(client: httpx.AsyncClient, runtime: Runtime, world: World) -> None:
    """In A: one answered and resolved by the bot, one answered then taken over by a person
    and resolved, two handed off for want of an answer (the same question twice), one
    handed off on request, one still with the bot. In B: one, resolved by its bot."""
    await _arrange(runtime, world.a)
    await _arrange(runtime, world.b)
    alone = await visitor_starts(client, world.a, "I forgot my password, help")
    helped = await visitor_starts(client, world.a, "Where is my order?")
    await visitor_starts(client, world.a, "Do you ship to Iceland?")
    await visitor_starts(client, world.a, "do you ship to iceland")
    await visitor_starts(client, world.a, "Can I talk to a human?")
    await visitor_starts(client, world.a, "How do I get a refund?")
    other = await visitor_starts(client, world.b, "Do you ship to Iceland?")
    await run_jobs(runtime)

    await _resolve(client, world.a, alone)
    reply = await client.post(
        f"/api/v1/conversations/{helped}/messages",
        json={"body": "It left our warehouse today."},
        headers=world.a.member(Role.admin).headers,
    )
    assert reply.status_code == 201, reply.text
    await _resolve(client, world.a, helped)
    await _resolve(client, world.b, other)


async def test_the_report_counts_the_bots_conversations_of_the_workspace_only(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _bot_conversations(client, runtime, world)

    response = await client.get(REPORT, headers=world.a.member(Role.supervisor).headers)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["conversations"], report["resolved_by_bot"]) == (6, 1)
    assert (report["handed_off"], report["with_bot"]) == (3, 1)
    assert report["resolution_rate"] == pytest.approx(1 / 6)
    assert report["handoff_rate"] == pytest.approx(3 / 6)
    assert report["reasons"] == [
        {"reason": "low_confidence", "label": "the knowledge base has no good answer", "count": 2},
        {"reason": "asked_for_human", "label": "the visitor asked for a person", "count": 1},
    ]
    assert report["unanswered"] == [
        {
            "question": "do you ship to iceland",
            "count": 2,
            "examples": ["Do you ship to Iceland?"],
        }
    ]


async def test_a_period_with_nothing_and_a_workspace_without_a_bot(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(REPORT, headers=world.a.member(Role.owner).headers)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["conversations"], report["resolution_rate"], report["handoff_rate"]) == (
        0,
        None,
        None,
    )
    assert (report["reasons"], report["unanswered"]) == ([], [])


@pytest.mark.parametrize("days", ["0", "366", "a week"])
async def test_a_bad_period_is_refused_clearly(
    client: httpx.AsyncClient, world: World, days: str
) -> None:
    response = await client.get(
        REPORT, params={"days": days}, headers=world.a.member(Role.owner).headers
    )

    assert response.status_code == 422
    assert "days" in response.text


async def test_agents_and_keys_without_the_scope_are_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await client.post(
        "/api/v1/api-keys",
        json={"name": "reports", "scopes": [Scope.reports_read.value]},
        headers=world.a.member(Role.owner).headers,
    )
    assert created.status_code == 201, created.text
    agent = await client.get(REPORT, headers=world.a.member(Role.agent).headers)
    narrow = await client.get(REPORT, headers=world.a.api_key_headers_without(Scope.reports_read))
    keyed = await client.get(
        REPORT, headers={"Authorization": f"Bearer {created.json()['secret']}"}
    )

    assert (agent.status_code, narrow.status_code, keyed.status_code) == (403, 403, 200)


async def test_the_page_shows_the_figures_and_the_questions_as_text(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _arrange(runtime, world.a)
    hostile = "<script>alert('x')</script> do you ship to iceland"
    await visitor_starts(client, world.a, hostile)
    await run_jobs(runtime)

    await log_in(client, world.a.member(Role.supervisor).user.email, PASSWORD)
    page = await client.get("/app/reports/bot")

    assert page.status_code == 200, page.text
    assert 'data-figure="conversations">1<' in page.text
    assert 'data-reason="low_confidence"' in page.text
    assert "&lt;script&gt;alert(" in page.text
    assert "<script>alert(" not in page.text


async def test_a_later_question_of_a_conversation_is_the_one_reported(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _arrange(runtime, world.a)
    conversation = await visitor_starts(client, world.a, "I forgot my password, help")
    await run_jobs(runtime)
    await visitor_says(client, world.a, conversation, "What is the capital of Mongolia?")
    await run_jobs(runtime)

    report = (await client.get(REPORT, headers=world.a.member(Role.owner).headers)).json()

    assert [g["question"] for g in report["unanswered"]] == ["What is the capital of Mongolia?"]
