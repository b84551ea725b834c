"""The knowledge-base import page: a multipart form (file, kind, publish, dry run) posted
with the page's CSRF token, showing the summary or every problem."""

import httpx
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.knowledge.models import FaqEntry
from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.api import scalars
from tests.fixtures.world import World

IMPORT = "/app/settings/knowledge/import"
FAQ_CSV = b"question,answer,phrasings\nCan I pay by card?,Yes: Visa and Mastercard.,card|visa\n"


async def upload(
    client: httpx.AsyncClient, name: str, data: bytes, fields: dict[str, str]
) -> httpx.Response:
    """Open the page, then post its form with a file, as a browser does (multipart)."""
    page = await client.get(IMPORT)
    assert page.status_code == 200, page.text
    form = {"csrf_token": form_csrf(page), **fields}
    return await client.post(
        IMPORT, data=form, files={"file": (name, data, "text/csv")}, headers={"Origin": OURS}
    )


async def questions(runtime: Runtime, world: World) -> list[str]:
    statement = select(FaqEntry.question).where(FaqEntry.workspace_id == world.a.workspace.id)
    return sorted(await scalars(runtime, statement))


async def test_a_dry_run_then_the_import(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await as_member(client, world, Role.admin)
    page = await client.get(IMPORT)
    assert 'enctype="multipart/form-data"' in page.text

    dry = await upload(client, "faq.csv", FAQ_CSV, {"dry_run": "on", "publish": "on"})
    assert dry.status_code == 200, dry.text
    assert "Dry run: nothing was written" in dry.text
    assert "1 would be created, 0 would be updated, 0 unchanged." in dry.text
    assert await questions(runtime, world) == [world.a.faq.question]

    done = await upload(client, "faq.csv", FAQ_CSV, {"kind": "csv", "publish": "on"})
    assert done.status_code == 200, done.text
    assert "1 created, 0 updated, 0 unchanged." in done.text
    assert "Can I pay by card?" in done.text
    assert await questions(runtime, world) == ["Can I pay by card?", world.a.faq.question]


async def test_problems_are_listed_and_nothing_is_written(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await as_member(client, world, Role.owner)
    bad = FAQ_CSV + b"No answer?,,\n<script>x</script>,,\n"
    refused = await upload(client, "faq.csv", bad, {})
    assert refused.status_code == 422
    assert "Nothing was imported" in refused.text
    assert "<strong>row 3</strong>: the answer is empty" in refused.text
    assert "<strong>row 4</strong>: the answer is empty" in refused.text
    assert "<script>x</script>" not in refused.text
    assert await questions(runtime, world) == [world.a.faq.question]


async def test_no_file_and_a_bad_kind_are_explained(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    page = await client.get(IMPORT)
    empty = await client.post(
        IMPORT, data={"csrf_token": form_csrf(page)}, headers={"Origin": OURS}
    )
    assert empty.status_code == 422
    assert "Choose a file to import." in empty.text
    wrong = await upload(client, "faq.csv", FAQ_CSV, {"kind": "pdf"})
    assert wrong.status_code == 422
    assert "Choose what the file holds" in wrong.text


async def test_agents_may_not_open_it(client: httpx.AsyncClient, world: World) -> None:
    await as_member(client, world, Role.agent)
    page = await client.get(IMPORT)
    assert page.status_code == 403
