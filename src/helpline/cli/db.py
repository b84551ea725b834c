"""`helpline db upgrade`: apply the migrations."""

import typer

from helpline.cli.common import load_settings
from helpline.core import migrate

app = typer.Typer(no_args_is_help=True, help="Database schema.")


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = load_settings()
    migrate.upgrade(settings, revision)
    typer.echo(f"Database is at revision {revision}: {_display(settings.resolved_database_url)}")


def _display(url: str) -> str:
    # Never print a password from the database URL.
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
