"""Authentication and credentials. Import as `from helpline.auth import service as auth`."""

from helpline.auth.service.api_keys import create_api_key, delete_api_key, list_api_keys
from helpline.auth.service.authenticate import (
    authenticate_access_token,
    authenticate_api_key,
    authenticate_web_token,
    recheck_member,
)
from helpline.auth.service.passwords import (
    change_password,
    check_password_strength,
    create_user,
    request_password_reset,
    reset_password,
)
from helpline.auth.service.sessions import (
    RefreshTokenReused,
    TokenPair,
    fresh_access_token,
    login,
    logout,
    refresh,
    revoke_member_sessions,
    revoke_user_sessions,
    start_session,
    switch_workspace,
    web_token,
)

__all__ = [
    "RefreshTokenReused",
    "TokenPair",
    "authenticate_access_token",
    "authenticate_api_key",
    "authenticate_web_token",
    "change_password",
    "check_password_strength",
    "create_api_key",
    "create_user",
    "delete_api_key",
    "fresh_access_token",
    "list_api_keys",
    "login",
    "logout",
    "recheck_member",
    "refresh",
    "request_password_reset",
    "reset_password",
    "revoke_member_sessions",
    "revoke_user_sessions",
    "start_session",
    "switch_workspace",
    "web_token",
]
