"""Bytes in, a Plan out: what an import would create, and every problem, without touching
the database. Each item is checked with the same schemas as the REST API (FaqCreate,
ArticleCreate, CollectionCreate), so an import accepts exactly what the API accepts."""

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ValidationError

from helpline.knowledge.importing import csv_faq, sources
from helpline.knowledge.importing.html_text import read_html
from helpline.knowledge.importing.markdown_files import (
    FrontMatterError,
    read_markdown,
    title_from_name,
)
from helpline.knowledge.importing.plan import (
    MAX_FILE_BYTES,
    MAX_UPLOAD_BYTES,
    MIB,
    ArticleDraft,
    FaqDraft,
    ImportKind,
    ImportTooLarge,
    Plan,
    Problem,
)
from helpline.knowledge.models import ArticleStatus
from helpline.knowledge.schemas import ArticleCreate, CollectionCreate, FaqCreate
from helpline.knowledge.slugs import slugify

EXTENSIONS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.markdown: (".md", ".markdown"),
    ImportKind.html: (".html", ".htm"),
    ImportKind.csv: (".csv",),
}
FIELD_NAMES = {"title": "the title", "body": "the text", "slug": "the slug", "locale": "the locale",
               "question": "the question", "answer": "the answer", "phrasings": "the phrasings",
               "tags": "the tags", "name": "the collection's name"}  # fmt: skip


def _decode(source: str, data: bytes) -> str | Problem:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Problem(source, "the file is not UTF-8 text: save it as UTF-8 and import it again")


def _explain(source: str, invalid: ValidationError) -> list[Problem]:
    problems = []
    for error in invalid.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        label = FIELD_NAMES.get(name, name or "a value")
        problems.append(
            Problem(source, f"{label} is not valid: {error['msg'][:1].lower()}{error['msg'][1:]}")
        )
    return problems


def _check(model: type[BaseModel], source: str, values: Mapping[str, object]) -> list[Problem]:
    try:
        model.model_validate(values)
    except ValidationError as invalid:
        return _explain(source, invalid)
    return []


def _collection_from_folder(path: str) -> str | None:
    """ "getting-started/returns.md" → "Getting started": the folder a file is in names its
    collection."""
    parent = PurePosixPath(path).parent
    return None if parent.name == "" else title_from_name(parent.name)


def _status(meta_status: str | None, publish: bool) -> ArticleStatus | None:
    if meta_status:
        return ArticleStatus(meta_status.lower())
    return ArticleStatus.published if publish else None


def _article(path: str, text: str, kind: ImportKind, publish: bool) -> ArticleDraft | list[Problem]:
    problems: list[Problem] = []
    if kind == ImportKind.html:
        page = read_html(text)
        meta = {"title": page.title or title_from_name(path), "locale": page.locale or ""}
        body = page.body
    else:
        try:
            article = read_markdown(path, text)
        except FrontMatterError as broken:
            return [Problem(path, str(broken))]
        meta, body = {**article.meta, "title": article.title}, article.body
    status = meta.get("status") or None
    if status and status.lower() not in set(ArticleStatus):
        problems.append(Problem(path, "the status must be draft or published"))
        status = None
    title = meta["title"]
    slug = meta.get("slug") or slugify(
        title, fallback=slugify(PurePosixPath(path).stem, fallback="article")
    )
    collection = meta.get("collection") or _collection_from_folder(path)
    values: dict[str, object] = {"title": title, "body": body, "slug": slug}
    if meta.get("locale"):
        values["locale"] = meta["locale"]
    problems += _check(ArticleCreate, path, values)
    if collection:
        problems += _check(CollectionCreate, path, {"name": collection})
    if problems:
        return problems
    return ArticleDraft(
        source=path,
        title=title,
        body=body,
        slug=slug,
        status=_status(status, publish),
        locale=meta.get("locale") or None,
        collection=collection,
    )


def _same_slugs(articles: list[ArticleDraft]) -> list[Problem]:
    first: dict[str, str] = {}
    problems = []
    for article in articles:
        if article.slug in first:
            problems.append(
                Problem(
                    article.source,
                    f"the slug '{article.slug}' is also {first[article.slug]}'s: "
                    "give one of them another title or a 'slug:' line",
                )
            )
        else:
            first[article.slug] = article.source
    return problems


def plan_files(found: sources.Sources, kind: ImportKind, *, publish: bool) -> Plan:
    """The plan for markdown or HTML files already read."""
    plan = Plan(kind, problems=list(found.problems), skipped=list(found.skipped))
    for file in found.files:
        text = _decode(file.path, file.data)
        if isinstance(text, Problem):
            plan.problems.append(text)
            continue
        drafted = _article(file.path, text, kind, publish)
        if isinstance(drafted, list):
            plan.problems += drafted
        else:
            plan.articles.append(drafted)
    plan.problems += _same_slugs(plan.articles)
    if not found.files and not plan.problems:
        wanted = " or ".join(EXTENSIONS[kind])
        plan.problems.append(Problem("", f"there is no {wanted} file to import"))
    return plan


def question_key(question: str) -> str:
    """What makes two questions the same one: case and spacing aside."""
    return re.sub(r"\s+", " ", question).strip().casefold()


def plan_csv(name: str, data: bytes, *, publish: bool) -> Plan:
    plan = Plan(ImportKind.csv)
    text = _decode(name, data)
    if isinstance(text, Problem):
        plan.problems.append(text)
        return plan
    found = csv_faq.read_csv(text)
    plan.problems += found.problems
    first: dict[str, int] = {}
    for row in found.rows:
        source = f"row {row.row}"
        values = {"question": row.question, "answer": row.answer,
                  "phrasings": row.phrasings or [], "tags": row.tags or []}  # fmt: skip
        problems = _check(FaqCreate, source, values)
        key = question_key(row.question)
        if key in first:
            problems.append(Problem(source, f"the same question as row {first[key]}"))
        first.setdefault(key, row.row)
        if problems:
            plan.problems += problems
            continue
        published = row.published if row.published is not None else (True if publish else None)
        plan.faqs.append(
            FaqDraft(source, row.question, row.answer, row.phrasings, row.tags, published)
        )
    if not found.rows and not plan.problems:
        plan.problems.append(Problem("", "the CSV has no rows under its header"))
    return plan


def too_large() -> ImportTooLarge:
    return ImportTooLarge(f"An import file is at most {MAX_UPLOAD_BYTES // MIB} MB.")


def _is_zip(name: str, data: bytes) -> bool:
    return name.lower().endswith(".zip") or data.startswith(b"PK\x03\x04")


def plan_upload(kind: ImportKind, filename: str, data: bytes, *, publish: bool) -> Plan:
    """The plan for an uploaded file: a CSV; a zip of markdown or HTML files; one markdown or
    HTML file. ImportTooLarge past the limits (plan.py)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large()
    name = PurePosixPath(filename.replace("\\", "/")).name or f"import.{kind.value}"
    if kind == ImportKind.csv:
        if _is_zip(name, data):
            return Plan(kind, problems=[Problem(name, "a csv import takes a .csv file, not a zip")])
        return plan_csv(name, data, publish=publish)
    if _is_zip(name, data):
        try:
            found = sources.read_zip(data, wanted=EXTENSIONS[kind])
        except sources.NotAnArchive:
            return Plan(kind, problems=[Problem(name, "the zip file cannot be read")])
        return plan_files(found, kind, publish=publish)
    if not name.lower().endswith(EXTENSIONS[kind]):
        wanted = ", ".join(EXTENSIONS[kind] + (".zip",))
        return Plan(kind, problems=[Problem(name, f"a {kind.value} import takes a {wanted} file")])
    single = sources.Sources(files=[sources.SourceFile(name, data)])
    return plan_files(_within_file_limit(single), kind, publish=publish)


def _within_file_limit(found: sources.Sources) -> sources.Sources:
    checked = sources.Sources(skipped=found.skipped)
    for file in found.files:
        if len(file.data) > MAX_FILE_BYTES:
            checked.problems.append(sources.file_too_big(file.path))
        else:
            checked.files.append(file)
    return checked


def plan_path(path: Path, kind: ImportKind | None, *, publish: bool) -> Plan:
    """The plan for a path on this machine (the command line): a folder, a zip, a CSV, an
    HTML or markdown file. The kind, when not given, comes from the file's extension (a
    folder or a zip: markdown)."""
    chosen = kind or kind_of(path.name)
    if path.is_dir():
        if chosen == ImportKind.csv:
            return Plan(chosen, problems=[Problem(path.name, "a CSV import takes a .csv file")])
        return plan_files(
            sources.read_folder(path, wanted=EXTENSIONS[chosen]), chosen, publish=publish
        )
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise too_large()
    return plan_upload(chosen, path.name, path.read_bytes(), publish=publish)


def kind_of(filename: str) -> ImportKind:
    """The kind a file's name says (a zip, or anything else: markdown)."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    for kind, extensions in EXTENSIONS.items():
        if suffix in extensions:
            return kind
    return ImportKind.markdown
