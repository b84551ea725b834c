"""Workspaces: creation, profile and domains, discovery by domain, suspension."""

import re
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import Principal
from helpline.core.errors import Conflict, NotFound, Unprocessable
from helpline.core.pagination import PageParams, paginate
from helpline.core.security import new_secret
from helpline.tenancy.models import Workspace, WorkspaceStatus
from helpline.tenancy.repository import DomainRepository, WorkspaceLookup
from helpline.tenancy.schemas import WorkspaceSettings

PUBLIC_KEY_PREFIX = "hlw_"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidDomain(Unprocessable):
    default_detail = "This is not a valid website domain."


def normalize_domain(raw: str) -> str:
    """`https://WWW.Example.com:443/pricing` -> `www.example.com`; refuses what is not a host."""
    value = raw.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.rsplit(":", 1)[0] if re.search(r":\d+$", value) else value
    value = value.rstrip(".")
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidDomain(f"{raw!r} is not a valid website domain.") from exc
    labels = value.split(".")
    if len(value) > 253 or (len(labels) < 2 and value != "localhost"):
        raise InvalidDomain(f"{raw!r} is not a valid website domain, such as example.com.")
    if not all(_LABEL.match(label) for label in labels):
        raise InvalidDomain(f"{raw!r} is not a valid website domain, such as example.com.")
    return value


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50]
    return slug if len(slug) >= 2 else f"workspace-{slug}".strip("-")


async def create_workspace(
    session: AsyncSession,
    actor: Principal | None,
    *,
    name: str,
    slug: str | None = None,
    domains: Sequence[str] = (),
) -> Workspace:
    lookup = WorkspaceLookup(session)
    slug = slug or await _free_slug(lookup, slugify(name))
    if await lookup.get_by_slug(slug) is not None:
        raise Conflict(f"The slug {slug!r} is already taken by another workspace.")
    workspace = Workspace(
        name=name,
        slug=slug,
        public_key=new_secret(PUBLIC_KEY_PREFIX)[:36],
        identity_secret=secrets.token_hex(32),
        settings=WorkspaceSettings().model_dump(),
    )
    session.add(workspace)
    await session.flush()
    await _set_domains(session, workspace, domains)
    audit.record(
        session,
        actor,
        workspace_id=workspace.id,
        action="workspace.created",
        target_type="workspace",
        target_id=workspace.id,
        data={"name": name, "slug": slug},
    )
    return workspace


async def _free_slug(lookup: WorkspaceLookup, base: str) -> str:
    candidate, n = base, 1
    while await lookup.get_by_slug(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def _set_domains(session: AsyncSession, workspace: Workspace, raw: Sequence[str]) -> None:
    domains = sorted({normalize_domain(d) for d in raw})
    taken = [
        d.domain
        for d in await WorkspaceLookup(session).domains_in_use(domains)
        if d.workspace_id != workspace.id
    ]
    if taken:
        raise Conflict(f"The domain {taken[0]} is already used by another workspace.")
    await DomainRepository(session, workspace_id=workspace.id).replace(domains)


async def get_workspace(session: AsyncSession, workspace_id: uuid.UUID) -> Workspace:
    workspace = await WorkspaceLookup(session).get(workspace_id)
    if workspace is None:
        raise NotFound("Workspace not found.")
    return workspace


async def list_domains(session: AsyncSession, workspace: Workspace) -> list[str]:
    return await DomainRepository(session, workspace_id=workspace.id).list_names()


async def update_workspace(
    session: AsyncSession,
    actor: Principal,
    workspace: Workspace,
    *,
    changes: dict[str, Any],
) -> Workspace:
    """Apply `changes` (name, domains, settings: as in WorkspaceUpdate)."""
    if "name" in changes and changes["name"] is not None:
        workspace.name = changes["name"]
    if changes.get("domains") is not None:
        await _set_domains(session, workspace, changes["domains"])
    if changes.get("settings") is not None:
        workspace.settings = {**workspace.settings, **changes["settings"]}
    audit.record(
        session,
        actor,
        workspace_id=workspace.id,
        action="workspace.updated",
        target_type="workspace",
        target_id=workspace.id,
        data={"changed": sorted(k for k, v in changes.items() if v is not None)},
    )
    await session.flush()
    return workspace


async def set_status(
    session: AsyncSession, actor: Principal, workspace: Workspace, status: WorkspaceStatus
) -> Workspace:
    workspace.status = status
    audit.record(
        session,
        actor,
        workspace_id=workspace.id,
        action=f"workspace.{'suspended' if status == WorkspaceStatus.suspended else 'activated'}",
        target_type="workspace",
        target_id=workspace.id,
    )
    return workspace


async def discover(session: AsyncSession, raw_domain: str) -> Workspace:
    """The active workspace whose widget runs on this domain (or its www-less form)."""
    try:
        domain = normalize_domain(raw_domain)
    except InvalidDomain as exc:
        raise NotFound("No workspace uses this domain.") from exc
    lookup = WorkspaceLookup(session)
    candidates = [domain, domain.removeprefix("www.")]
    for candidate in dict.fromkeys(candidates):
        workspace = await lookup.get_by_domain(candidate)
        if workspace is not None and workspace.status == WorkspaceStatus.active:
            return workspace
    raise NotFound("No workspace uses this domain.")


async def list_workspaces(
    session: AsyncSession, params: PageParams
) -> tuple[Sequence[Workspace], str | None]:
    lookup = WorkspaceLookup(session)
    return await paginate(session, lookup.list_statement(), id_column=Workspace.id, params=params)
