"""`helpline demo` (a ready-to-try installation) and `helpline outbox` (emails not sent)."""

import functools
from dataclasses import dataclass

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import service as auth
from helpline.auth.repository import UserRepository
from helpline.cli.common import load_settings, run_in_unit_of_work
from helpline.cli.demo_help_centre import ensure_help_centre
from helpline.cli.serve import serve
from helpline.core import migrate
from helpline.core.runtime import Runtime
from helpline.mail import service as mail
from helpline.settings import Environment
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Role, Workspace
from helpline.tenancy.repository import MembershipRepository, WorkspaceLookup
from helpline.visitors.origins import origin_of
from helpline.widget.demo_page import DEMO_PAGE_PORT, start_demo_page
from helpline.widget.service import SCRIPT_PATH, snippet_tag

DEMO_SLUG = "demo"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    name: str
    role: Role


# Well-known passwords: the demo serves on loopback for one person trying Helpline out, and
# `helpline demo` refuses to run in production.
DEMO_LOGINS = (
    DemoLogin("owner@demo.example.com", "demo-owner-password", "Olivia Owner", Role.owner),
    DemoLogin("ada@demo.example.com", "demo-agent-password", "Ada Agent", Role.agent),
    DemoLogin("grace@demo.example.com", "demo-agent-password", "Grace Agent", Role.agent),
)


DEMO_NAME = "Acme Outdoor"
# The demo page's header green: white text on it passes WCAG AA.
DEMO_COLOR = "#166534"


async def _ensure_demo(
    runtime: Runtime, session: AsyncSession, page_url: str | None = None
) -> Workspace:
    settings = runtime.settings
    workspace = await WorkspaceLookup(session).get_by_slug(DEMO_SLUG)
    if workspace is None:
        # Named and coloured like the shop of the demo page (widget/demo_page.py), so the
        # widget, the help centre and the dashboard all say whose they are.
        workspace = await tenancy.create_workspace(
            session, None, name=DEMO_NAME, slug=DEMO_SLUG, domains=["localhost", "127.0.0.1"]
        )
        workspace.settings = {**workspace.settings, "widget_color": DEMO_COLOR}
    _allow_widget_origin(workspace, settings.public_url)
    if page_url is not None:
        _allow_widget_origin(workspace, page_url)
    members = MembershipRepository(session, workspace_id=workspace.id)
    for login in DEMO_LOGINS:
        user = await UserRepository(session).get_by_email(login.email)
        if user is None:
            user = await auth.create_user(
                session, settings, email=login.email, name=login.name, password=login.password
            )
        if await members.get_for_user(user.id) is None:
            await tenancy.add_member(session, None, workspace, user, login.role)
    if await ensure_help_centre(session, workspace.id):
        # The bot answers from the help centre it just got; set directly, like the origins
        # below. Only then: a demo whose bot was switched off keeps it off.
        workspace.settings = {**workspace.settings, "bot_enabled": True}
    return workspace


def _allow_widget_origin(workspace: Workspace, public_url: str) -> None:
    """Let the widget run on the server's own pages (the demo's test page). Set directly,
    like the rest of this development-only setup: no member acts, so nothing is audited."""
    origin = origin_of(public_url)
    origins = list(workspace.settings.get("widget_origins") or [])
    if origin not in origins:
        workspace.settings = {**workspace.settings, "widget_origins": [*origins, origin]}


def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve after setting up."),
    page_port: int = typer.Option(
        DEMO_PAGE_PORT, help="Port of the demo website page with the widget (0: none)."
    ),
) -> None:
    """Set up the demo workspace (kept across runs), print its logins, and serve."""
    settings = load_settings()
    if settings.environment == Environment.production:
        typer.secho(
            "Error: the demo has well-known passwords; not in production.", fg="red", err=True
        )
        raise typer.Exit(1)
    migrate.upgrade(settings)
    # The widget's demo page is another origin than Helpline's, as a customer's site is.
    page_url = f"http://{settings.host}:{page_port}" if serve_after and page_port else None
    workspace = run_in_unit_of_work(settings, functools.partial(_ensure_demo, page_url=page_url))
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"\nHelpline demo workspace {workspace.name!r}, widget key {workspace.public_key}")
    typer.echo(f"Widget origins: {', '.join(workspace.settings.get('widget_origins', []))}")
    typer.echo(f"Data: {settings.resolved_database_url}\n")
    typer.echo(f"Dashboard: {base}/login  (or POST /api/v1/auth/login with email and password)")
    typer.echo("Logins:")
    for login in DEMO_LOGINS:
        typer.echo(f"  {login.role.value:<6} {login.email:<28} {login.password}")
    typer.echo(f"\nAPI docs: {base}/api/docs   Health: {base}/api/v1/health")
    typer.echo(f"Help centre: {base}/help/{workspace.slug}/\n")
    if page_url is not None:
        script_url = settings.public_url.rstrip("/") + SCRIPT_PATH
        start_demo_page(settings.host, page_port, snippet_tag(script_url, workspace.public_key))
        typer.echo(f"Demo website with the chat widget: {page_url}/\n")
    if serve_after:
        serve(host=None, port=None)


def outbox(limit: int = typer.Option(10, help="How many emails to show.")) -> None:
    """Show the newest emails in the outbox: how developers read invitation and reset links
    when no SMTP server is configured."""
    settings = load_settings()

    async def work(_runtime: Runtime, session: AsyncSession) -> list[str]:
        emails = await mail.list_outbox(session, limit=limit)
        return [
            f"--- {e.created_at:%Y-%m-%d %H:%M:%S} UTC  {e.status.value}\n"
            f"To: {e.to_address}\nSubject: {e.subject}\n\n{e.body_text}"
            for e in emails
        ]

    lines = run_in_unit_of_work(settings, work)
    typer.echo("\n".join(lines) if lines else "The outbox is empty.")
