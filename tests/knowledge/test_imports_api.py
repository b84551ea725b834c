"""POST /api/v1/knowledge/imports: who may import, and what the answers say. Anonymous
calls, other roles and scopes are also covered by tests/isolation/test_route_sweep.py."""

import io
import zipfile

import httpx
from sqlalchemy import select

from helpline.auth.principals import Scope
from helpline.core.runtime import Runtime
from helpline.knowledge.importing.plan import MAX_FILES
from helpline.knowledge.models import FaqEntry
from helpline.tenancy.models import Role
from tests.fixtures.api import scalars
from tests.fixtures.world import World
from tests.knowledge.support import KNOWLEDGE

IMPORTS = f"{KNOWLEDGE}/imports"
FAQ_CSV = b"question,answer,phrasings\nCan I pay by card?,Yes: Visa and Mastercard.,card|visa\n"


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    data: bytes,
    **fields: str,
) -> httpx.Response:
    return await client.post(IMPORTS, headers=headers, files={"file": (name, data)}, data=fields)


async def questions(runtime: Runtime, world: World) -> list[str]:
    statement = select(FaqEntry.question).where(FaqEntry.workspace_id == world.a.workspace.id)
    return sorted(await scalars(runtime, statement))


async def test_an_admin_imports_a_csv(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    admin = world.a.member(Role.admin).headers
    dry = await upload(client, admin, "faq.csv", FAQ_CSV, dry_run="true", publish="true")
    after_dry = await questions(runtime, world)
    done = await upload(client, admin, "faq.csv", FAQ_CSV, kind="csv", publish="true")
    again = await upload(client, admin, "faq.csv", FAQ_CSV, publish="true")

    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert after_dry == [world.a.faq.question]
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["kind"], body["created"], body["updated"], body["errors"]) == ("csv", 1, 0, [])
    assert body["items"][0]["title"] == "Can I pay by card?"
    assert await questions(runtime, world) == ["Can I pay by card?", world.a.faq.question]
    assert again.json()["unchanged"] == 1


async def test_a_zip_of_markdown_with_an_api_key(client: httpx.AsyncClient, world: World) -> None:
    data = zipped({"docs/billing/invoices.md": "# Invoices\nFind them under Billing."})
    done = await upload(client, world.a.api_key_headers, "docs.zip", data, publish="true")
    assert done.status_code == 200, done.text
    assert [(i["kind"], i["title"]) for i in done.json()["items"]] == [
        ("collection", "Billing"),
        ("article", "Invoices"),
    ]
    article = await client.get(
        f"{KNOWLEDGE}/articles/{done.json()['items'][1]['id']}", headers=world.a.api_key_headers
    )
    assert (article.json()["status"], article.json()["slug"]) == ("published", "invoices")


async def test_every_problem_is_a_422_and_nothing_is_written(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    bad = FAQ_CSV + b"No answer?,,\n,No question,\n"
    refused = await upload(client, world.a.member(Role.owner).headers, "faq.csv", bad)
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "ImportInvalid"
    assert body["errors"] == [
        {"source": "row 3", "message": "the answer is empty"},
        {"source": "row 4", "message": "the question is empty"},
    ]
    assert body["detail"] == "Nothing was imported: row 3: the answer is empty (and 1 more)."
    assert await questions(runtime, world) == [world.a.faq.question]


async def test_too_large_is_a_413(client: httpx.AsyncClient, world: World) -> None:
    many = zipped({f"{n}.md": "# x" for n in range(MAX_FILES + 1)})
    refused = await upload(client, world.a.member(Role.owner).headers, "kb.zip", many)
    assert refused.status_code == 413
    assert refused.json()["error"] == "ImportTooLarge"


async def test_agents_and_read_only_keys_may_not_import(
    client: httpx.AsyncClient, world: World
) -> None:
    agent = await upload(client, world.a.member(Role.agent).headers, "faq.csv", FAQ_CSV)
    reader = await upload(
        client, world.a.api_key_headers_without(Scope.knowledge_write), "faq.csv", FAQ_CSV
    )
    assert (agent.status_code, reader.status_code) == (403, 403)


async def test_an_unknown_kind_is_refused(client: httpx.AsyncClient, world: World) -> None:
    refused = await upload(
        client, world.a.member(Role.owner).headers, "faq.csv", FAQ_CSV, kind="pdf"
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "ValidationError"
