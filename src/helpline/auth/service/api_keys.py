"""API keys: created by owners and admins, shown once, stored hashed, revoked by deletion."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.models import ApiKey
from helpline.auth.principals import MemberPrincipal, Scope
from helpline.auth.repository import ApiKeyRepository
from helpline.auth.tokens import API_KEY_PREFIX
from helpline.core.security import hash_secret, new_secret

PREFIX_SHOWN = 12


async def create_api_key(
    session: AsyncSession, actor: MemberPrincipal, *, name: str, scopes: list[Scope]
) -> tuple[ApiKey, str]:
    """Create a key; returns it with its secret, which is never available again."""
    secret = new_secret(API_KEY_PREFIX)
    api_key = ApiKey(
        workspace_id=actor.workspace_id,
        name=name,
        prefix=secret[:PREFIX_SHOWN],
        key_hash=hash_secret(secret),
        scopes=sorted({scope.value for scope in scopes}),
        created_by_id=actor.user_id,
    )
    session.add(api_key)
    await session.flush()
    audit.record(
        session,
        actor,
        workspace_id=actor.workspace_id,
        action="api_key.created",
        target_type="api_key",
        target_id=api_key.id,
        data={"name": name, "scopes": api_key.scopes},
    )
    return api_key, secret


async def list_api_keys(session: AsyncSession, actor: MemberPrincipal) -> Sequence[ApiKey]:
    return await ApiKeyRepository(session, workspace_id=actor.workspace_id).list_all()


async def delete_api_key(session: AsyncSession, actor: MemberPrincipal, api_key: ApiKey) -> None:
    """Delete the key: the next request made with it fails."""
    await session.delete(api_key)
    audit.record(
        session,
        actor,
        workspace_id=actor.workspace_id,
        action="api_key.deleted",
        target_type="api_key",
        target_id=api_key.id,
        data={"name": api_key.name},
    )
