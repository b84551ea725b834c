"""Users and their passwords: creation, change, and reset by emailed link."""

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.models import PasswordReset, User
from helpline.auth.principals import MemberPrincipal, StaffPrincipal
from helpline.auth.repository import PasswordResetRepository, UserRepository
from helpline.auth.service.sessions import TokenPair, revoke_user_sessions, start_session
from helpline.core.context import current_origin
from helpline.core.errors import Conflict, Gone, NotAuthenticated, Unprocessable
from helpline.core.ratelimit import Limit, RateLimiter, enforce
from helpline.core.security import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    hash_secret,
    new_secret,
    verify_password,
)
from helpline.core.time import utc_now
from helpline.mail import service as mail
from helpline.settings import Settings


class WeakPassword(Unprocessable):
    default_detail = "This password is too weak."


def check_password_strength(password: str, *, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    if email and password.lower() == email.lower():
        raise WeakPassword("The password must not be the email address.")


async def create_user(
    session: AsyncSession,
    settings: Settings,
    *,
    email: str,
    name: str,
    password: str,
    is_staff: bool = False,
) -> User:
    email = email.lower()
    check_password_strength(password, email=email)
    if await UserRepository(session).get_by_email(email) is not None:
        raise Conflict(f"An account with the email {email} already exists.")
    user = User(
        email=email,
        name=name,
        password_hash=await hash_password(settings, password),
        is_staff=is_staff,
    )
    session.add(user)
    await session.flush()
    return user


async def change_password(
    session: AsyncSession,
    settings: Settings,
    principal: MemberPrincipal | StaffPrincipal,
    *,
    current_password: str,
    new_password: str,
) -> TokenPair:
    """Change the password, end every session of the user, and start a fresh one here."""
    user = await session.get(User, principal.user_id)
    if user is None or not await verify_password(settings, user.password_hash, current_password):
        raise NotAuthenticated("The current password is not correct.")
    check_password_strength(new_password, email=user.email)
    user.password_hash = await hash_password(settings, new_password)
    await _end_sessions_and_reset_links(session, user)
    workspace_id = principal.workspace_id if isinstance(principal, MemberPrincipal) else None
    return await start_session(session, settings, user, workspace_id)


async def request_password_reset(
    session: AsyncSession, settings: Settings, limiter: RateLimiter, *, email: str
) -> None:
    """Email a reset link if the account exists. The answer is the same either way, so that
    nobody can learn which emails have accounts."""
    email = email.lower()
    await enforce(
        limiter,
        [
            Limit(f"reset:account:{email}", settings.reset_limit_per_account),
            Limit(f"reset:ip:{current_origin().ip}", settings.reset_limit_per_ip),
        ],
        window=settings.rate_limit_window,
    )
    user = await UserRepository(session).get_by_email(email)
    if user is None or not user.is_active:
        return
    token = new_secret()
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=hash_secret(token),
            expires_at=utc_now() + settings.password_reset_ttl,
        )
    )
    minutes = int(settings.password_reset_ttl.total_seconds() // 60)
    await mail.queue_email(
        session,
        to=user.email,
        subject="Reset your Helpline password",
        body=(
            f"Hello {user.name},\n\n"
            f"Someone asked to reset the password of your Helpline account.\n"
            f"Choose a new password here (the link works once, for {minutes} minutes):\n\n"
            f"{settings.public_url}/reset-password?token={token}\n\n"
            f"If it was not you, ignore this email: your password stays as it is.\n"
        ),
    )


async def reset_password(
    session: AsyncSession, settings: Settings, *, token: str, new_password: str
) -> None:
    """Set a new password from a reset link; every session of the user ends."""
    reset = await PasswordResetRepository(session).get_by_hash_for_update(hash_secret(token))
    if reset is None or reset.used_at is not None or reset.expires_at <= utc_now():
        raise Gone("This password reset link has expired or was already used.")
    user = await session.get(User, reset.user_id)
    if user is None or not user.is_active:
        raise Gone("This password reset link has expired or was already used.")
    check_password_strength(new_password, email=user.email)
    user.password_hash = await hash_password(settings, new_password)
    reset.used_at = utc_now()
    await _end_sessions_and_reset_links(session, user)


async def _end_sessions_and_reset_links(session: AsyncSession, user: User) -> None:
    """After a new password, nothing issued for the old one may still work: every session
    ends, and every reset link not yet used is spent (an older email must not undo it)."""
    await revoke_user_sessions(session, user.id)
    await PasswordResetRepository(session).spend_all_for_user(user.id, at=utc_now())
