"""Every error leaves the API in one shape: {"error": "<Code>", "detail": "<sentence>"}."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from helpline.core.db import is_database_busy
from helpline.core.errors import AppError, ServiceUnavailable

log = structlog.get_logger(__name__)

_HTTP_CODES = {
    404: ("NotFound", "Not found."),
    405: ("MethodNotAllowed", "This method is not allowed on this path."),
}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)  # noqa: S101 (registered for AppError only)
    return _json(exc.status_code, exc.body(), exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 (registered for it only)
    fields = [
        {"location": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    first = fields[0] if fields else {"location": "body", "message": "is invalid"}
    detail = f"The request is invalid: {first['location']}: {first['message'].rstrip('.')}."
    return _json(422, {"error": "ValidationError", "detail": detail, "fields": fields})


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 (registered for it only)
    code, detail = _HTTP_CODES.get(exc.status_code, ("HTTPError", str(exc.detail)))
    return _json(exc.status_code, {"error": code, "detail": detail}, dict(exc.headers or {}))


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    # SQLite answers "database is locked" when the busy timeout runs out: a retryable
    # condition, never a 500 (RELIABILITY.md, Delivery 7).
    assert isinstance(exc, OperationalError)  # noqa: S101 (registered for it only)
    if not is_database_busy(exc):
        return await _unexpected(request, exc)
    busy = ServiceUnavailable()
    return _json(busy.status_code, busy.body(), {"Retry-After": "1"})


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_exception", exc_info=exc)
    return _json(500, {"error": "InternalError", "detail": "Something went wrong on our side."})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(Exception, _unexpected)
