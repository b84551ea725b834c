"""SQL for users, login sessions, refresh tokens, password resets and API keys."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from helpline.auth.models import ApiKey, AuthSession, PasswordReset, RefreshToken, User
from helpline.core.repository import Repository, TenantRepository


class UserRepository(Repository[User]):
    model = User

    async def get_by_email(self, email: str) -> User | None:
        statement = select(User).where(User.email == email.lower())
        return (await self.session.scalars(statement)).first()

    async def count_staff(self) -> int:
        statement = select(func.count()).select_from(User).where(User.is_staff.is_(True))
        return int((await self.session.execute(statement)).scalar_one())


class AuthSessionRepository(Repository[AuthSession]):
    model = AuthSession

    async def revoke_all_for_user(self, user_id: uuid.UUID, *, at: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_for_membership(
        self, user_id: uuid.UUID, workspace_id: uuid.UUID, *, at: datetime
    ) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.workspace_id == workspace_id,
                AuthSession.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )


class RefreshTokenRepository(Repository[RefreshToken]):
    model = RefreshToken

    async def get_by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        # Locked so that two concurrent refreshes with one token cannot both succeed.
        statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        return (await self.session.scalars(statement.with_for_update())).first()


class PasswordResetRepository(Repository[PasswordReset]):
    model = PasswordReset

    async def get_by_hash_for_update(self, token_hash: str) -> PasswordReset | None:
        statement = select(PasswordReset).where(PasswordReset.token_hash == token_hash)
        return (await self.session.scalars(statement.with_for_update())).first()

    async def spend_all_for_user(self, user_id: uuid.UUID, *, at: datetime) -> None:
        await self.session.execute(
            update(PasswordReset)
            .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
            .values(used_at=at)
        )


class ApiKeyLookup(Repository[ApiKey]):
    """Finds a key by its secret across workspaces: the key itself names its workspace."""

    model = ApiKey

    async def get_by_hash(self, key_hash: str) -> ApiKey | None:
        statement = select(ApiKey).where(ApiKey.key_hash == key_hash)
        return (await self.session.scalars(statement)).first()


class ApiKeyRepository(TenantRepository[ApiKey]):
    model = ApiKey

    async def list_all(self) -> Sequence[ApiKey]:
        return (await self.session.scalars(self.base_statement().order_by(ApiKey.id))).all()
