"""A bot answer's citations link to the help centre: an article's carries the path of its page
(resolved by the widget and the dashboard on Helpline's address), a FAQ entry's none; the
visitor's API shows each citation's title and path only."""

import httpx

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.bot.support import enable_bot, history, visitor_starts
from tests.fixtures.jobs import run_jobs
from tests.fixtures.world import World


async def test_an_answer_from_an_article_links_to_its_page(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await enable_bot(runtime, world.a)
    conversation = await visitor_starts(client, world.a, "How long does shipping to Europe take?")
    await run_jobs(runtime)

    messages = await history(client, world.a.member(Role.admin).headers, conversation)
    [answer] = [m for m in messages if m["sender_kind"] == "bot"]
    [citation] = answer["data"]["citations"]
    article = world.a.article
    assert citation["source_id"] == str(article.id)
    assert citation["path"] == f"/help/{world.a.workspace.slug}/articles/{article.slug}"
    widget = await client.get(
        f"/api/v1/widget/conversations/{conversation}/messages", headers=world.a.visitor_headers
    )
    [seen] = [m for m in widget.json()["items"] if m["sender_kind"] == "bot"]
    assert seen["citations"] == [{"title": article.title, "path": citation["path"]}]
    assert "source_id" not in str(seen)


async def test_a_faq_answer_cites_without_a_page(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await enable_bot(runtime, world.a)
    conversation = await visitor_starts(client, world.a, "When are you open?")
    await run_jobs(runtime)

    widget = await client.get(
        f"/api/v1/widget/conversations/{conversation}/messages", headers=world.a.visitor_headers
    )
    [seen] = [m for m in widget.json()["items"] if m["sender_kind"] == "bot"]
    assert seen["citations"] == [{"title": world.a.faq.question, "path": None}]
