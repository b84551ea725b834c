"""Carrying out imports (knowledge/importing/apply.py) on the database: dry runs, all or
nothing, importing again, and the workspace boundary."""

import io
import uuid
import zipfile

import pytest
from sqlalchemy import func, select

from helpline.audit.models import AuditEvent
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs.models import Job
from helpline.knowledge import retrieval
from helpline.knowledge.importing.apply import run_import
from helpline.knowledge.importing.parse import plan_upload
from helpline.knowledge.importing.plan import ImportInvalid, ImportKind, Plan
from helpline.knowledge.importing.schemas import ImportSummary
from helpline.knowledge.models import Article, ArticleStatus, Collection, FaqEntry
from tests.fixtures.api import audit_events, scalars
from tests.fixtures.world import World

FAQ_CSV = (
    "question,answer,phrasings,tags\n"
    "How do I get a refund?,Send the item back within 30 days.,money back|return an item,billing\n"
    "Do you ship abroad?,We ship to the whole of Europe.,international shipping,\n"
)


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def csv_plan(text: str = FAQ_CSV, *, publish: bool = True) -> Plan:
    return plan_upload(ImportKind.csv, "faq.csv", text.encode(), publish=publish)


def markdown_plan(files: dict[str, str], *, publish: bool = False) -> Plan:
    return plan_upload(ImportKind.markdown, "kb.zip", zipped(files), publish=publish)


async def run(
    runtime: Runtime, workspace_id: uuid.UUID, plan: Plan, *, dry_run: bool = False
) -> ImportSummary:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await run_import(session, None, workspace_id, plan, dry_run=dry_run)


async def counts(runtime: Runtime) -> dict[str, int]:
    found = {}
    for model in (FaqEntry, Article, Collection, AuditEvent, Job):
        [count] = await scalars(runtime, select(func.count()).select_from(model))
        found[model.__name__] = int(count)
    return found


async def test_a_dry_run_reports_and_writes_nothing(runtime: Runtime, world: World) -> None:
    before = await counts(runtime)
    summary = await run(runtime, world.a.workspace.id, csv_plan(), dry_run=True)
    assert (summary.dry_run, summary.created, summary.updated) == (True, 2, 0)
    assert [(i.kind, i.action, i.id) for i in summary.items] == [
        ("faq", "create", None),
        ("faq", "create", None),
    ]
    assert await counts(runtime) == before


async def test_an_import_creates_indexes_and_audits(runtime: Runtime, world: World) -> None:
    workspace_id = world.a.workspace.id
    summary = await run(runtime, workspace_id, csv_plan())
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    refund = await scalars(runtime, select(FaqEntry).where(FaqEntry.id == summary.items[0].id))
    assert (refund[0].phrasings, refund[0].tags, refund[0].published) == (
        ["money back", "return an item"],
        ["billing"],
        True,
    )
    async with runtime.sessionmaker() as session:
        passages = await retrieval.search(session, workspace_id, "I want my money back", 3)
    assert passages[0].title == "How do I get a refund?"
    assert len(await audit_events(runtime, workspace_id, "knowledge.faq_created")) == 3
    [imported] = await audit_events(runtime, workspace_id, "knowledge.imported")
    assert imported.data == {"kind": "csv", "created": 2, "updated": 0, "unchanged": 0}
    jobs = await scalars(runtime, select(Job.name).where(Job.workspace_id == workspace_id))
    assert "knowledge.index_embeddings" in jobs


async def test_importing_again_updates_instead_of_duplicating(
    runtime: Runtime, world: World
) -> None:
    workspace_id = world.a.workspace.id
    await run(runtime, workspace_id, csv_plan())
    again = await run(runtime, workspace_id, csv_plan())
    changed = FAQ_CSV.replace("within 30 days", "within 60 days").replace(
        "How do I get a refund?", "how do I get a  REFUND?"
    )
    edited = await run(runtime, workspace_id, csv_plan(changed))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 1)
    questions = await scalars(
        runtime, select(FaqEntry.answer).where(FaqEntry.workspace_id == workspace_id)
    )
    assert sorted(questions) == sorted(
        [
            world.a.faq.answer,
            "Send the item back within 60 days.",
            "We ship to the whole of Europe.",
        ]
    )


async def test_articles_update_by_slug_and_keep_what_the_file_does_not_say(
    runtime: Runtime, world: World
) -> None:
    """The world's published "Shipping times" article (in "Shipping") is imported again
    from a file that says neither its status nor its collection."""
    workspace_id = world.a.workspace.id
    plan = markdown_plan({"shipping-times.md": "# Shipping times\n\nTwo days now."})
    summary = await run(runtime, workspace_id, plan)
    [article] = await scalars(runtime, select(Article).where(Article.id == world.a.article.id))
    assert [(i.action, i.id) for i in summary.items] == [("update", world.a.article.id)]
    assert article.body == "Two days now."
    assert (article.status, article.collection_id) == (
        ArticleStatus.published,
        world.a.collection.id,
    )
    [other] = await scalars(runtime, select(Article).where(Article.id == world.b.article.id))
    assert other.body == world.b.article.body


async def test_collections_are_found_by_name_in_the_callers_workspace(
    runtime: Runtime, world: World
) -> None:
    plan = markdown_plan(
        {
            "kb/shipping/abroad.md": "# Abroad\nEurope only.",
            "kb/returns/how.md": "---\nstatus: published\n---\n# How to return",
        }
    )
    summary = await run(runtime, world.a.workspace.id, plan)

    assert [(i.kind, i.action, i.title) for i in summary.items] == [
        ("collection", "create", "Returns"),
        ("article", "create", "Abroad"),
        ("article", "create", "How to return"),
    ]
    created = {
        a.title: a
        for a in await scalars(
            runtime, select(Article).where(Article.workspace_id == world.a.workspace.id)
        )
    }
    # "shipping" is workspace A's "Shipping" collection, never B's.
    assert created["Abroad"].collection_id == world.a.collection.id
    assert created["Abroad"].status == ArticleStatus.draft
    assert created["How to return"].status == ArticleStatus.published
    b_titles = await scalars(
        runtime, select(Article.title).where(Article.workspace_id == world.b.workspace.id)
    )
    assert list(b_titles) == [world.b.article.title]
    b_collections = await scalars(
        runtime, select(Collection.name).where(Collection.workspace_id == world.b.workspace.id)
    )
    assert list(b_collections) == ["Shipping"]


async def test_all_or_nothing(runtime: Runtime, world: World) -> None:
    before = await counts(runtime)
    bad = FAQ_CSV + "Broken?,,\n,No question,\n"
    with pytest.raises(ImportInvalid) as refused:
        await run(runtime, world.a.workspace.id, csv_plan(bad))
    assert [str(p) for p in refused.value.problems] == [
        "row 4: the answer is empty",
        "row 5: the question is empty",
    ]
    assert await counts(runtime) == before
