"""`helpline bot eval`: how well the bot answers a labelled FAQ set, through the production
answer path, in a throwaway workspace (helpline.evaluation; docs/bot.md, Evaluation)."""

import asyncio
import tempfile
from pathlib import Path
from typing import NoReturn

import typer

from helpline.cli.common import load_settings
from helpline.core.migrate import upgrade
from helpline.evaluation import faqsets
from helpline.evaluation.runner import Options, evaluate
from helpline.settings import Settings

app = typer.Typer(no_args_is_help=True, help="The bot.")

LAYOUTS = ("csv", "banking77", "bitext")


def _load(
    layout: str,
    faq: Path | None,
    questions: Path | None,
    data: Path | None,
    *,
    per_intent: int,
    holdout_every: int,
    holdout_offset: int,
    seed: int,
    tune: bool,
) -> faqsets.FaqSet:
    if layout == "csv":
        if faq is None or questions is None:
            raise faqsets.FaqSetError("--layout csv needs --faq and --questions files.")
        return faqsets.load_csv(faq, questions)
    if data is None:
        raise faqsets.FaqSetError(f"--layout {layout} needs --data, the dataset's directory.")
    held = {"holdout_every": holdout_every, "holdout_offset": holdout_offset, "seed": seed}
    if layout == "banking77":
        return faqsets.load_banking77(data, per_intent=per_intent, tuning=tune, **held)
    if tune:
        raise faqsets.FaqSetError("--tune is for BANKING77 (Bitext has no test split).")
    return faqsets.load_bitext(data, per_intent=per_intent, **held)


@app.command("eval")
def eval_command(
    faq: Path | None = typer.Option(
        None, help='FAQ CSV: question, answer, phrasings (separated by "|").'
    ),
    questions: Path | None = typer.Option(
        None, help="Questions CSV: question, expected (the FAQ question; empty: out of scope)."
    ),
    layout: str = typer.Option("csv", help="csv, banking77 or bitext."),
    data: Path | None = typer.Option(None, help="The dataset's directory (banking77, bitext)."),
    per_intent: int = typer.Option(0, help="Phrasings per intent (0: all)."),
    holdout_every: int = typer.Option(8, help="Every n-th intent is out of scope (0: none)."),
    holdout_offset: int = typer.Option(0, help="The first held-out intent."),
    tune: bool = typer.Option(False, help="BANKING77: ask a tenth of train, never the test."),
    seed: int = typer.Option(7),
    limit: int = typer.Option(0, help="Questions asked (0: all)."),
    threshold: float | None = typer.Option(None, help="Default: the workspace setting's."),
    retrieval: str = typer.Option("fused", help="fused or fulltext."),
    classifier: bool = typer.Option(True, help="Train the workspace's FAQ classifier."),
    embedding_cache: Path | None = typer.Option(None, help=".npz keeping the FAQ's vectors."),
    database_url: str | None = typer.Option(
        None,
        help="A migrated database (default: a temporary SQLite one). The workspace is "
        "deleted after.",
    ),
) -> None:
    """Load a FAQ set and labelled questions into a throwaway workspace, answer each question
    as the bot would, and print accuracy, hand-off and latency figures."""
    if layout not in LAYOUTS:
        _fail(f"--layout must be one of {', '.join(LAYOUTS)}, not {layout!r}.")
    if retrieval not in ("fused", "fulltext"):
        _fail(f"--retrieval must be fused or fulltext, not {retrieval!r}.")
    try:
        faq_set = _load(
            layout,
            faq,
            questions,
            data,
            per_intent=per_intent,
            holdout_every=holdout_every,
            holdout_offset=holdout_offset,
            seed=seed,
            tune=tune,
        )
    except faqsets.FaqSetError as exc:
        _fail(str(exc))
    if len(faq_set.faq) < 1 or not faq_set.questions:
        _fail("The FAQ set needs at least one entry and one question.")
    options = Options(retrieval, classifier, threshold, limit, embedding_cache)
    typer.echo(f"FAQ entries: {len(faq_set.faq)}")
    with tempfile.TemporaryDirectory(prefix="helpline-bot-eval-") as directory:
        settings = _settings(database_url, Path(directory))
        if not database_url:
            # The temporary database starts empty; a given one is never migrated from here.
            upgrade(settings)
        report = asyncio.run(evaluate(settings, faq_set, options, progress=typer.echo))
    for line in report.lines():
        typer.echo(line)


def _settings(database_url: str | None, directory: Path) -> Settings:
    base = load_settings()
    if database_url:
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            _fail("--database-url must start with sqlite+aiosqlite:// or postgresql+asyncpg://.")
        return base.model_copy(update={"database_url": database_url})
    return base.model_copy(update={"database_url": "", "data_dir": directory})


def _fail(message: str) -> NoReturn:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)
