"""`helpline knowledge import`: a folder of markdown and a CSV, into one workspace, through
Typer's runner on the test database."""

from pathlib import Path

from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.knowledge.models import Article, Collection, FaqEntry
from helpline.tenancy.models import Workspace
from tests.cli.test_cli import cli_env, invoke, run_cli
from tests.fixtures.api import scalars

__all__ = ["cli_env"]


async def _titles(runtime: Runtime, slug: str) -> list[str]:
    statement = (
        select(Article.title)
        .join(Workspace, Workspace.id == Article.workspace_id)
        .where(Workspace.slug == slug)
    )
    return sorted(await scalars(runtime, statement))


async def test_imports_a_folder_then_a_csv(
    cli_env: dict[str, str], runtime: Runtime, tmp_path: Path
) -> None:
    await invoke(cli_env, "workspace", "create", "Acme", "--owner-email", "o@acme.example")
    folder = tmp_path / "kb"
    (folder / "billing").mkdir(parents=True)
    (folder / "welcome.md").write_text("# Welcome\nHello.")
    (folder / "billing" / "invoices.md").write_text("---\nstatus: published\n---\n# Invoices")
    csv_file = tmp_path / "faq.csv"
    csv_file.write_text("question,answer\nCan I pay by card?,Yes.\n")

    dry = await invoke(
        cli_env, "knowledge", "import", str(folder), "--workspace", "acme", "--dry-run"
    )
    assert await _titles(runtime, "acme") == []
    done = await invoke(cli_env, "knowledge", "import", str(folder), "--workspace", "acme")
    again = await invoke(cli_env, "knowledge", "import", str(folder), "--workspace", "acme")
    faq = await invoke(
        cli_env, "knowledge", "import", str(csv_file), "--workspace", "acme", "--publish"
    )

    assert "3 would be created, 0 would be updated, 0 unchanged (dry run" in dry
    assert "create    collection Billing  (billing/invoices.md)" in done
    assert "3 created, 0 updated, 0 unchanged." in done
    assert "0 created, 0 updated, 2 unchanged." in again
    assert await _titles(runtime, "acme") == ["Invoices", "Welcome"]
    assert [c.name for c in await scalars(runtime, select(Collection))] == ["Billing"]
    [entry] = await scalars(runtime, select(FaqEntry))
    assert (entry.question, entry.published) == ("Can I pay by card?", True)
    assert "1 created" in faq


async def test_problems_are_listed_and_nothing_is_written(
    cli_env: dict[str, str], runtime: Runtime, tmp_path: Path
) -> None:
    await invoke(cli_env, "workspace", "create", "Acme", "--owner-email", "o@acme.example")
    csv_file = tmp_path / "faq.csv"
    csv_file.write_text("question,answer\nFine?,Yes.\nNo answer?,\n,No question\n")

    result = await run_cli(cli_env, "knowledge", "import", str(csv_file), "--workspace", "acme")
    unknown = await run_cli(cli_env, "knowledge", "import", str(csv_file), "--workspace", "nope")

    assert result.exit_code == 1
    assert "row 3: the answer is empty" in result.output
    assert "row 4: the question is empty" in result.output
    assert "Traceback" not in result.output
    assert list(await scalars(runtime, select(FaqEntry))) == []
    assert unknown.exit_code == 1
    assert "No workspace has the id or slug 'nope'" in unknown.output
