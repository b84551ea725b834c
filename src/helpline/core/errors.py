"""Typed errors and the one JSON error shape: {"error": "<ClassName>", "detail": "<sentence>"}.

Expected outcomes raise an AppError subclass with a fixed status; nothing expected is a 500.
404 covers both "missing" and "not yours", so that existence never leaks across workspaces.
"""

from typing import Any, ClassVar

from pydantic import BaseModel


class ErrorBody(BaseModel):
    error: str
    detail: str


class AppError(Exception):
    status_code: ClassVar[int] = 400
    default_detail: ClassVar[str] = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)

    @property
    def code(self) -> str:
        return type(self).__name__

    def body(self) -> dict[str, str]:
        return {"error": self.code, "detail": self.detail}

    @classmethod
    def schema(cls) -> dict[str, Any]:
        """An OpenAPI `responses` entry for routes that can raise this error."""
        return {"model": ErrorBody, "description": cls.default_detail}


def responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route that can raise `errors`."""
    return {error.status_code: error.schema() for error in errors}


class BadRequest(AppError):
    status_code = 400


class Unprocessable(AppError):
    """A well-formed request whose values break a business rule (a weak password, a bad domain)."""

    status_code = 422
    default_detail = "The request's values are not valid."


class NotAuthenticated(AppError):
    status_code = 401
    default_detail = "Authentication is required: send a valid bearer token or API key."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class PermissionDenied(AppError):
    status_code = 403
    default_detail = "Your role does not allow this action."


class NotFound(AppError):
    status_code = 404
    default_detail = "Not found."


class Conflict(AppError):
    status_code = 409
    default_detail = "This conflicts with the current state."


class Gone(AppError):
    status_code = 410
    default_detail = "This link has expired or was already used."


class RateLimited(AppError):
    status_code = 429
    default_detail = "Too many attempts. Try again later."

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = max(1, retry_after_s)
        super().__init__(
            f"Too many attempts. Try again in {self.retry_after_s} seconds.",
            headers={"Retry-After": str(self.retry_after_s)},
        )


class ServiceUnavailable(AppError):
    status_code = 503
    default_detail = "The service is busy. Retry shortly."
