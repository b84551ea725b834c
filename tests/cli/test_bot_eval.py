"""`helpline bot eval` on a tiny made-up FAQ set: the figures it prints, on a temporary
SQLite database and on the test database (--database-url), and its errors."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from helpline.cli import app
from helpline.core.runtime import Runtime
from helpline.settings import Settings, get_settings
from helpline.tenancy.models import Workspace
from tests.fixtures.api import scalars

FAQ = """question,answer,phrasings
How do I reset my password?,Use the Forgot password link.,I forgot my password|I cannot log in to my account|locked out of my account
Where is my order?,See the tracking link in your email.,Track my parcel|My package has not arrived yet|where is my delivery
How do I get a refund?,Refunds take five days.,I want my money back|Return an item for a refund
Which payment methods do you accept?,"Cards, PayPal and bank transfer.",Can I pay with PayPal?|Do you take credit cards
"""

QUESTIONS = """question,expected
I forgot my password again,How do I reset my password?
my parcel still has not arrived,Where is my order?
I would like my money back please,How do I get a refund?
can I pay by credit card,Which payment methods do you accept?
What is the capital of Australia?,
Recommend a good recipe for pizza dough,
"""

FIGURES = [
    "questions: 6 (4 in scope, 2 out of scope)",
    "in-scope accuracy:                 1.0000",
    "in-scope answered and right:       1.0000",
    "hand-off rate:                     0.3333",
    "hand-off recall (out of scope):    1.0000",
    "hand-off precision (out of scope): 1.0000",
    "hand-offs warranted:               1.0000",
]


@pytest.fixture
def cli_env(settings: Settings) -> Iterator[dict[str, str]]:
    get_settings.cache_clear()
    yield {
        "HELPLINE_DATABASE_URL": settings.resolved_database_url,
        "HELPLINE_DATA_DIR": str(settings.data_dir),
        "HELPLINE_ENVIRONMENT": "testing",
        "HELPLINE_LOG_LEVEL": "WARNING",
    }
    get_settings.cache_clear()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    faq, questions = tmp_path / "faq.csv", tmp_path / "questions.csv"
    faq.write_text(FAQ, encoding="utf-8")
    questions.write_text(QUESTIONS, encoding="utf-8")
    return faq, questions


async def run_cli(env: dict[str, str], *args: str) -> Result:
    # The CLI runs its own event loop (asyncio.run), so it must not run on the test's.
    return await asyncio.to_thread(CliRunner().invoke, app, ["bot", "eval", *args], env=env)


class TestBotEval:
    async def test_prints_the_figures_on_a_temporary_database(
        self, cli_env: dict[str, str], files: tuple[Path, Path]
    ) -> None:
        faq, questions = files

        result = await run_cli(cli_env, "--faq", str(faq), "--questions", str(questions))

        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        for figure in FIGURES:
            assert figure in lines
        assert "recall at precision >= 0.9:    1.0000" in result.output
        assert "classifier trained: 4 entries, 14 examples" in result.output
        assert "latency per answer:                p50 " in result.output

    async def test_on_the_given_database_and_leaves_no_workspace(
        self,
        cli_env: dict[str, str],
        settings: Settings,
        runtime: Runtime,
        files: tuple[Path, Path],
    ) -> None:
        faq, questions = files
        before = set(await scalars(runtime, select(Workspace.id)))

        result = await run_cli(
            cli_env,
            "--faq",
            str(faq),
            "--questions",
            str(questions),
            "--database-url",
            settings.resolved_database_url,
        )

        assert result.exit_code == 0, result.output
        for figure in FIGURES:
            assert figure in result.output.splitlines()
        assert set(await scalars(runtime, select(Workspace.id))) == before

    async def test_without_the_classifier_the_same_questions_are_answered(
        self, cli_env: dict[str, str], files: tuple[Path, Path]
    ) -> None:
        faq, questions = files

        result = await run_cli(
            cli_env, "--faq", str(faq), "--questions", str(questions), "--no-classifier"
        )

        assert result.exit_code == 0, result.output
        assert "in-scope accuracy:                 1.0000" in result.output
        assert "classifier" not in result.output


class TestErrors:
    async def test_an_expected_question_not_in_the_faq(
        self, cli_env: dict[str, str], files: tuple[Path, Path]
    ) -> None:
        faq, questions = files
        questions.write_text("question,expected\nhello,Is this a question?\n", encoding="utf-8")

        result = await run_cli(cli_env, "--faq", str(faq), "--questions", str(questions))

        assert result.exit_code == 2
        assert "line 2: 'Is this a question?' is not a question of the FAQ." in result.output

    async def test_a_missing_column(
        self, cli_env: dict[str, str], files: tuple[Path, Path]
    ) -> None:
        faq, questions = files
        faq.write_text("title,answer\nx,y\n", encoding="utf-8")

        result = await run_cli(cli_env, "--faq", str(faq), "--questions", str(questions))

        assert result.exit_code == 2
        assert "has no column question" in result.output

    async def test_a_dataset_layout_needs_its_directory(self, cli_env: dict[str, str]) -> None:
        result = await run_cli(cli_env, "--layout", "banking77")

        assert result.exit_code == 2
        assert "--layout banking77 needs --data" in result.output

    async def test_an_unknown_layout(self, cli_env: dict[str, str]) -> None:
        result = await run_cli(cli_env, "--layout", "xml")

        assert result.exit_code == 2
        assert "--layout must be one of csv, banking77, bitext" in result.output
