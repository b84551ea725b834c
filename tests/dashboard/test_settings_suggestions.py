"""The suggested FAQ entries page: approve with edits (a FAQ entry the bot can answer from),
refusals that keep what was typed, dismiss, and the other workspace's suggestions not found."""

import httpx

from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf, log_in
from tests.fixtures.world import PASSWORD, World

PAGE = "/app/settings/knowledge/suggestions"


async def _as_admin(client: httpx.AsyncClient, world: World) -> str:
    await log_in(client, world.a.member(Role.admin).user.email, PASSWORD)
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    return form_csrf(page)


async def _post(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    return await client.post(path, data=data, headers={"Origin": OURS})


async def test_an_approved_suggestion_becomes_a_faq_entry(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await _as_admin(client, world)
    suggestion = world.a.suggestion
    page = await client.get(PAGE)
    assert suggestion.question in page.text
    assert f'href="/app/conversations/{world.a.conversation.id}"' in page.text

    approved = await _post(
        client,
        f"{PAGE}/{suggestion.id}/approve",
        {
            "csrf_token": csrf,
            "question": "Where is my March invoice?",
            "answer": suggestion.answer,
            "phrasings": "invoice for March\n\n  missing invoice  ",
        },
    )

    assert approved.status_code == 303
    after = await client.get(approved.headers["location"])
    assert "Added to the FAQ" in after.text
    assert suggestion.question not in after.text
    faqs = await client.get("/api/v1/knowledge/faqs", headers=world.a.member(Role.admin).headers)
    [faq] = [f for f in faqs.json()["items"] if f["question"] == "Where is my March invoice?"]
    assert faq["phrasings"] == ["invoice for March", "missing invoice"]


async def test_a_refused_approval_keeps_what_was_typed(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await _as_admin(client, world)

    refused = await _post(
        client,
        f"{PAGE}/{world.a.suggestion.id}/approve",
        {"csrf_token": csrf, "question": "Typed <b>question</b>", "answer": ""},
    )

    assert refused.status_code == 422
    assert "The answer is required." in refused.text
    assert "Typed &lt;b&gt;question&lt;/b&gt;" in refused.text


async def test_dismissing_and_the_other_workspaces_suggestion(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await _as_admin(client, world)

    other = await _post(client, f"{PAGE}/{world.b.suggestion.id}/dismiss", {"csrf_token": csrf})
    dismissed = await _post(client, f"{PAGE}/{world.a.suggestion.id}/dismiss", {"csrf_token": csrf})

    assert other.status_code == 404
    assert dismissed.status_code == 303
    page = await client.get(PAGE)
    assert "No suggestions waiting" in page.text
