"""`helpline workspace create`."""

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import service as auth
from helpline.auth.repository import UserRepository
from helpline.cli.common import load_settings, run_in_unit_of_work
from helpline.core.runtime import Runtime
from helpline.tenancy import service as tenancy

app = typer.Typer(no_args_is_help=True, help="Workspaces (tenants).")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="The workspace's display name."),
    owner_email: str = typer.Option(..., "--owner-email", help="Email of the first owner."),
    slug: str = typer.Option(None, help="URL-safe identifier (default: from the name)."),
    domain: list[str] = typer.Option([], "--domain", help="Website domain; repeat for several."),
    owner_name: str = typer.Option(None, help="Create the owner's account with this name ..."),
    owner_password: str = typer.Option(
        None, help="... and this password. Without them, the owner is invited by email."
    ),
) -> None:
    """Create a workspace and its first owner."""
    settings = load_settings()

    async def work(_runtime: Runtime, session: AsyncSession) -> str:
        if owner_password and await UserRepository(session).get_by_email(owner_email) is None:
            await auth.create_user(
                session,
                settings,
                email=owner_email,
                name=owner_name or owner_email.split("@")[0],
                password=owner_password,
            )
        result = await tenancy.provision_workspace(
            session, settings, None, name=name, slug=slug, domains=domain, owner_email=owner_email
        )
        how = "owner" if result.owner_membership else "invited as owner (see `helpline outbox`)"
        ws = result.workspace
        return f"Created workspace {ws.name} ({ws.slug}), widget key {ws.public_key}; {owner_email}: {how}."

    typer.echo(run_in_unit_of_work(settings, work))
