"""Apply migrations from code (`helpline db upgrade`, `helpline demo`, tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from helpline.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database to `revision`. Must not run inside an event loop (Alembic starts one)."""
    command.upgrade(alembic_config(settings), revision)
