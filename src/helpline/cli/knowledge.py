"""`helpline models` (the embedding model: installed, checksum, active provider) and
`helpline knowledge reindex` (embed the existing knowledge)."""

import uuid

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cli.common import load_settings, run_in_unit_of_work
from helpline.core.runtime import Runtime
from helpline.knowledge import embeddings, indexing
from helpline.knowledge.embeddings import local
from helpline.knowledge.repository import workspaces_with_chunks
from helpline.settings import Settings

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
