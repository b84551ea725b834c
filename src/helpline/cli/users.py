"""`helpline user create`."""

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import service as auth
from helpline.cli.common import load_settings, run_in_unit_of_work
from helpline.core.errors import NotFound
from helpline.core.runtime import Runtime
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Role
from helpline.tenancy.repository import WorkspaceLookup

app = typer.Typer(no_args_is_help=True, help="User accounts.")


@app.command("create")
def create(
    email: str = typer.Argument(..., help="The login email."),
    name: str = typer.Option(..., help="Display name."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="Login password."
    ),
    staff: bool = typer.Option(False, "--staff", help="Make a platform staff account."),
    workspace: str = typer.Option(None, help="Slug of a workspace to add the user to ..."),
    role: Role = typer.Option(Role.agent, help="... with this role."),
) -> None:
    """Create a user account, optionally as a member of a workspace."""
    settings = load_settings()

    async def work(_runtime: Runtime, session: AsyncSession) -> str:
        user = await auth.create_user(
            session, settings, email=email, name=name, password=password, is_staff=staff
        )
        if not workspace:
            return f"Created {'staff ' if staff else ''}user {user.email}."
        target = await WorkspaceLookup(session).get_by_slug(workspace)
        if target is None:
            raise NotFound(f"No workspace has the slug {workspace!r}.")
        await tenancy.add_member(session, None, target, user, role)
        return f"Created user {user.email}, {role.value} of {target.name}."

    typer.echo(run_in_unit_of_work(settings, work))
