"""Carrying out an import plan through the knowledge service, in the caller's unit of work.

Every item goes through the same service functions as the REST API (create_article,
update_faq, ...), so validation, audit entries, chunks and the embedding job are the same.
Articles are matched by slug and FAQ entries by question (case and spacing aside), so
importing the same files again updates instead of duplicating; collections are found by
name in the caller's workspace, and created when missing.

All or nothing: a plan with problems is refused before anything is written, and a problem
met while writing refuses the whole import (ImportInvalid); the caller's unit of work then
rolls back. A dry run reads the same rows and reports the same items, and writes nothing."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import WorkspacePrincipal
from helpline.core.errors import AppError
from helpline.core.ids import new_id
from helpline.knowledge import collections
from helpline.knowledge import service as knowledge
from helpline.knowledge.importing.parse import question_key
from helpline.knowledge.importing.plan import (
    ArticleDraft,
    FaqDraft,
    ImportInvalid,
    Plan,
    Problem,
)
from helpline.knowledge.importing.schemas import (
    ImportAction,
    ImportItem,
    ImportProblem,
    ImportSummary,
)
from helpline.knowledge.models import Article, ArticleStatus, FaqEntry
from helpline.knowledge.repository import (
    ArticleRepository,
    CollectionRepository,
    FaqRepository,
)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Import:
    def __init__(
        self,
        session: AsyncSession,
        principal: WorkspacePrincipal | None,
        workspace_id: uuid.UUID,
        plan: Plan,
        dry_run: bool,
    ) -> None:
        self.session = session
        self.principal = principal
        self.workspace_id = workspace_id
        self.dry_run = dry_run
        self.summary = ImportSummary(kind=plan.kind, dry_run=dry_run, skipped=plan.skipped)
        self.problems: list[Problem] = []
        self.collection_ids: dict[str, uuid.UUID] = {}

    def _record(self, item: ImportItem) -> None:
        self.summary.items.append(item)
        if item.action == ImportAction.create:
            self.summary.created += 1
        elif item.action == ImportAction.update:
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1

    async def collections(self, drafts: list[ArticleDraft]) -> None:
        repository = CollectionRepository(self.session, workspace_id=self.workspace_id)
        existing = await self.session.scalars(repository.base_statement())
        self.collection_ids = {_name_key(c.name): c.id for c in existing}
        for draft in drafts:
            if draft.collection is None or _name_key(draft.collection) in self.collection_ids:
                continue
            created_id = None
            if not self.dry_run:
                collection = await collections.create_collection(
                    self.session, self.principal, self.workspace_id, name=draft.collection
                )
                created_id = collection.id
            # In a dry run, a stand-in id: it differs from every article's collection.
            self.collection_ids[_name_key(draft.collection)] = created_id or new_id()
            self._record(
                ImportItem(
                    kind="collection",
                    action=ImportAction.create,
                    source=draft.source,
                    title=draft.collection,
                    id=created_id,
                )
            )

    async def article(self, draft: ArticleDraft) -> None:
        articles = ArticleRepository(self.session, workspace_id=self.workspace_id)
        existing = await articles.get_by_slug(draft.slug)
        collection_id = (
            self.collection_ids[_name_key(draft.collection)] if draft.collection else None
        )
        item = ImportItem(
            kind="article",
            action=ImportAction.create,
            source=draft.source,
            title=draft.title,
            slug=draft.slug,
        )
        if existing is None:
            if not self.dry_run:
                created = await knowledge.create_article(
                    self.session,
                    self.principal,
                    self.workspace_id,
                    title=draft.title,
                    body=draft.body,
                    status=draft.status or ArticleStatus.draft,
                    locale=draft.locale or "en",
                    collection_id=collection_id,
                    slug=draft.slug,
                )
                item.id = created.id
            self._record(item)
            return
        item.id = existing.id
        changes = _article_changes(existing, draft, collection_id)
        if changes and not self.dry_run:
            await knowledge.update_article(self.session, self.principal, existing, changes=changes)
        item.action = ImportAction.update if changes else ImportAction.unchanged
        self._record(item)

    async def faqs(self, drafts: list[FaqDraft]) -> None:
        repository = FaqRepository(self.session, workspace_id=self.workspace_id)
        existing = {
            question_key(faq.question): faq
            for faq in await self.session.scalars(repository.base_statement())
        }
        for draft in drafts:
            await self.faq(draft, existing.get(question_key(draft.question)))

    async def faq(self, draft: FaqDraft, existing: FaqEntry | None) -> None:
        item = ImportItem(
            kind="faq", action=ImportAction.create, source=draft.source, title=draft.question
        )
        if existing is None:
            if not self.dry_run:
                created = await knowledge.create_faq(
                    self.session,
                    self.principal,
                    self.workspace_id,
                    question=draft.question,
                    answer=draft.answer,
                    phrasings=draft.phrasings or [],
                    tags=draft.tags or [],
                    published=bool(draft.published),
                )
                item.id = created.id
            self._record(item)
            return
        item.id = existing.id
        changes = _faq_changes(existing, draft)
        if changes and not self.dry_run:
            await knowledge.update_faq(self.session, self.principal, existing, changes=changes)
        item.action = ImportAction.update if changes else ImportAction.unchanged
        self._record(item)


def _article_changes(
    article: Article, draft: ArticleDraft, collection_id: uuid.UUID | None
) -> dict[str, Any]:
    """What the file changes. What it does not say (status, locale, collection) stays as it
    is, so importing again never unpublishes an article nor takes it out of its collection."""
    wanted: dict[str, Any] = {"title": draft.title, "body": draft.body}
    if draft.status is not None:
        wanted["status"] = draft.status
    if draft.locale is not None:
        wanted["locale"] = draft.locale
    if collection_id is not None:
        wanted["collection_id"] = collection_id
    return {name: value for name, value in wanted.items() if getattr(article, name) != value}


def _faq_changes(faq: FaqEntry, draft: FaqDraft) -> dict[str, Any]:
    wanted: dict[str, Any] = {"question": draft.question, "answer": draft.answer}
    if draft.phrasings is not None:
        wanted["phrasings"] = draft.phrasings
    if draft.tags is not None:
        wanted["tags"] = draft.tags
    if draft.published is not None:
        wanted["published"] = draft.published
    return {name: value for name, value in wanted.items() if getattr(faq, name) != value}


async def run_import(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    workspace_id: uuid.UUID,
    plan: Plan,
    *,
    dry_run: bool = False,
) -> ImportSummary:
    """Carry out `plan` in `workspace_id` (the principal's; None is the system: the command
    line). ImportInvalid, with every problem, when anything is wrong: the caller's unit of
    work must then roll back (the API's does, as for any error)."""
    if plan.problems:
        raise ImportInvalid(plan.problems)
    work = _Import(session, principal, workspace_id, plan, dry_run)
    await work.collections(plan.articles)
    for draft in plan.articles:
        try:
            await work.article(draft)
        except AppError as refused:
            work.problems.append(Problem(draft.source, refused.detail))
    await work.faqs(plan.faqs)
    if work.problems:
        raise ImportInvalid(work.problems)
    if not dry_run:
        _audit(session, principal, workspace_id, work.summary)
    return work.summary


def _audit(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    workspace_id: uuid.UUID,
    summary: ImportSummary,
) -> None:
    audit.record(
        session,
        principal,
        workspace_id=workspace_id,
        action="knowledge.imported",
        target_type="knowledge_import",
        target_id=None,
        data={
            "kind": summary.kind.value,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
    )


def problems_of(error: ImportInvalid) -> list[ImportProblem]:
    return [ImportProblem(source=p.source, message=p.message) for p in error.problems]
