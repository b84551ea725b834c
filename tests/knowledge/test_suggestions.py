"""Suggested FAQ entries end to end: resolving a conversation runs the suggest_faq job, which
suggests the contact's question and the agent's answer unless the knowledge base answers it
already; owners and admins approve (a published, searchable entry) or dismiss; only in their
own workspace."""

import httpx
import pytest

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.bot.support import visitor_starts
from tests.fixtures.jobs import run_jobs
from tests.fixtures.world import Tenant, World

SUGGESTIONS = "/api/v1/knowledge/suggestions"
QUESTION = "Can I pay for my order with a gift card from your shop?"
ANSWER = "Yes: enter the gift card code at checkout, under Payment, before you pay."


async def _answered_and_resolved(
    client: httpx.AsyncClient, tenant: Tenant, question: str, answer: str
) -> str:
    conversation = await visitor_starts(client, tenant, question)
    headers = tenant.member(Role.agent).headers
    path = f"/api/v1/conversations/{conversation}"
    replied = await client.post(f"{path}/messages", json={"body": answer}, headers=headers)
    assert replied.status_code == 201, replied.text
    resolved = await client.patch(path, json={"status": "resolved"}, headers=headers)
    assert resolved.status_code == 200, resolved.text
    return conversation


async def _pending(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, object]]:
    response = await client.get(SUGGESTIONS, headers=tenant.member(Role.admin).headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_resolved_conversation_suggests_its_question_and_answer_once(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    conversation = await _answered_and_resolved(client, world.a, QUESTION, ANSWER)
    await run_jobs(runtime)
    # Reopened and resolved again: still one suggestion.
    headers = world.a.member(Role.agent).headers
    for status in ("open", "resolved"):
        changed = await client.patch(
            f"/api/v1/conversations/{conversation}", json={"status": status}, headers=headers
        )
        assert changed.status_code == 200, changed.text
    await run_jobs(runtime)

    mined = [s for s in await _pending(client, world.a) if s["conversation_id"] == conversation]
    assert [(s["question"], s["answer"]) for s in mined] == [(QUESTION, ANSWER)]
    assert all(s["conversation_id"] != conversation for s in await _pending(client, world.b))


async def test_what_the_knowledge_base_answers_already_is_not_suggested(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    conversation = await _answered_and_resolved(
        client,
        world.a,
        "What are the opening hours of A?",
        "We answer from nine to five, weekdays.",
    )
    await run_jobs(runtime)

    assert all(s["conversation_id"] != conversation for s in await _pending(client, world.a))


async def test_approving_adds_a_searchable_entry_with_the_edits(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.a.member(Role.admin).headers
    suggestion = world.a.suggestion
    approved = await client.post(
        f"{SUGGESTIONS}/{suggestion.id}/approve",
        json={"phrasings": ["March invoice missing"], "tags": ["billing"]},
        headers=headers,
    )

    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved"
    faq = await client.get(f"/api/v1/knowledge/faqs/{body['faq_id']}", headers=headers)
    assert faq.json()["question"] == suggestion.question
    assert faq.json()["phrasings"] == ["March invoice missing"]
    found = await client.get(
        "/api/v1/knowledge/search", params={"q": "march invoice missing"}, headers=headers
    )
    assert found.json()[0]["source_id"] == body["faq_id"]
    again = await client.post(f"{SUGGESTIONS}/{suggestion.id}/dismiss", headers=headers)
    assert again.status_code == 409
    assert "already approved" in again.json()["detail"]
    events = await client.get("/api/v1/audit-events", headers=headers)
    assert "knowledge.suggestion_approved" in {e["action"] for e in events.json()["items"]}


async def test_dismissing_takes_it_off_the_pending_list(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.a.member(Role.owner).headers
    dismissed = await client.post(f"{SUGGESTIONS}/{world.a.suggestion.id}/dismiss", headers=headers)

    assert dismissed.status_code == 200, dismissed.text
    assert str(world.a.suggestion.id) not in {s["id"] for s in await _pending(client, world.a)}
    listed = await client.get(SUGGESTIONS, params={"status": "dismissed"}, headers=headers)
    assert [s["id"] for s in listed.json()["items"]] == [str(world.a.suggestion.id)]


@pytest.mark.parametrize("role", [Role.supervisor, Role.agent])
async def test_only_owners_and_admins_review(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    headers = world.a.member(role).headers

    listed = await client.get(SUGGESTIONS, headers=headers)
    approved = await client.post(
        f"{SUGGESTIONS}/{world.a.suggestion.id}/approve", json={}, headers=headers
    )

    assert (listed.status_code, approved.status_code) == (403, 403)


async def test_an_edit_out_of_bounds_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.a.member(Role.admin).headers
    refused = await client.post(
        f"{SUGGESTIONS}/{world.a.suggestion.id}/approve",
        json={"question": "x" * 501},
        headers=headers,
    )

    assert refused.status_code == 422
    assert str(world.a.suggestion.id) in {s["id"] for s in await _pending(client, world.a)}
