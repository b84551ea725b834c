"""`helpline models` (the embedding model: installed, checksum, active provider),
`helpline knowledge reindex` (embed the existing knowledge) and `helpline knowledge import`
(articles and FAQ entries from files, docs/knowledge.md "Imports")."""

import uuid
from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cli.common import load_settings, run_in_unit_of_work
from helpline.core.errors import NotFound
from helpline.core.runtime import Runtime
from helpline.knowledge import embeddings, indexing
from helpline.knowledge.embeddings import local
from helpline.knowledge.importing import apply, parse
from helpline.knowledge.importing.plan import ImportInvalid, ImportKind
from helpline.knowledge.importing.schemas import ImportSummary
from helpline.knowledge.repository import workspaces_with_chunks
from helpline.settings import Settings
from helpline.tenancy.models import Workspace
from helpline.tenancy.repository import WorkspaceLookup

app = typer.Typer(no_args_is_help=True, help="The knowledge base.")


def describe(settings: Settings) -> list[str]:
    """What `helpline models` prints."""
    found = local.status()
    lines = [
        f"offline model:  {local.NAME} ({local.DIMENSION} dimensions)",
        f"  graph:        {found.model_path or 'not installed'} ({local.MODEL_PACKAGE})",
        f"  tokenizer:    {found.tokenizer_path or 'not installed'} ({local.TOKENIZER_PACKAGE})",
        f"  checksum:     {_checksum(found)}",
    ]
    active = embeddings.active(settings)
    if settings.embeddings_base_url:
        provider = f"{active.name if active else '?'} at {settings.embeddings_base_url}"
    elif active is not None:
        provider = active.name
    else:
        provider = f"none: retrieval uses full-text search only ({found.problem})"
    lines.append(f"active:         {provider}")
    fused = "yes" if settings.retrieval_embeddings and active is not None else "no"
    lines.append(
        f"answers fuse:   {fused} (HELPLINE_RETRIEVAL_EMBEDDINGS="
        f"{str(settings.retrieval_embeddings).lower()}; vectors are indexed either way)"
    )
    return lines


def _checksum(found: local.Status) -> str:
    if found.model_path is None:
        return "-"
    return "ok (sha256 pinned)" if found.checksum_ok else "MISMATCH: the graph will not be run"


def models() -> None:
    """Show the embedding model: installed files, checksum, and the active provider."""
    for line in describe(load_settings()):
        typer.echo(line)


@app.command("reindex")
def reindex(
    workspace: uuid.UUID | None = typer.Option(None, help="One workspace's id (default: all)."),
) -> None:
    """Embed the chunks that have no vector from the active model (existing content, or all
    of it after a change of model)."""
    settings = load_settings()
    if embeddings.active(settings) is None:
        typer.echo("No embedding model is available: retrieval uses full-text search only.")
        raise typer.Exit(1)

    async def work(_runtime: Runtime, session: AsyncSession) -> int:
        ids = [workspace] if workspace else await workspaces_with_chunks(session)
        return sum([await indexing.index_workspace(session, settings, i) for i in ids])

    count = run_in_unit_of_work(settings, work)
    typer.echo(f"Embedded {count} chunks.")


def summary_lines(summary: ImportSummary) -> list[str]:
    """What `helpline knowledge import` prints: one line per item, then the counts."""
    verb = "would be " if summary.dry_run else ""
    lines = [
        f"{item.action.value:<9} {item.kind:<10} {item.title}  ({item.source})"
        for item in summary.items
    ]
    lines += [f"skipped   {path}" for path in summary.skipped]
    lines.append(
        f"{summary.created} {verb}created, {summary.updated} {verb}updated, "
        f"{summary.unchanged} unchanged"
        + (" (dry run: nothing was written)." if summary.dry_run else ".")
    )
    return lines


async def _workspace(session: AsyncSession, id_or_slug: str) -> Workspace:
    lookup = WorkspaceLookup(session)
    try:
        found = await lookup.get(uuid.UUID(id_or_slug))
    except ValueError:
        found = await lookup.get_by_slug(id_or_slug)
    if found is None:
        raise NotFound(f"No workspace has the id or slug {id_or_slug!r}.")
    return found


@app.command("import")
def import_files(
    path: Path = typer.Argument(
        ..., exists=True, help="A folder or .zip of markdown, a .csv of FAQ entries, an .html file."
    ),
    workspace: str = typer.Option(..., help="The workspace's id or slug."),
    kind: ImportKind | None = typer.Option(None, help="What PATH holds (default: from its name)."),
    publish: bool = typer.Option(False, "--publish", help="Publish what the files do not say."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be done."),
) -> None:
    """Import articles or FAQ entries into a workspace, all or nothing: importing the same
    files again updates them (articles by slug, FAQ entries by question)."""
    settings = load_settings()

    async def work(_runtime: Runtime, session: AsyncSession) -> ImportSummary:
        target = await _workspace(session, workspace)
        plan = parse.plan_path(path, kind, publish=publish)
        try:
            return await apply.run_import(session, None, target.id, plan, dry_run=dry_run)
        except ImportInvalid as refused:
            for problem in refused.problems:
                typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
            raise

    for line in summary_lines(run_in_unit_of_work(settings, work)):
        typer.echo(line)
