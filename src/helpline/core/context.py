"""Who and where the current unit of work runs for: request id, client address, user agent.

Set once by the request middleware (or by the CLI and the job worker) and read by logging and
the audit log, so that neither needs the request object threaded through every call.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    request_id: str = ""
    ip: str = ""
    user_agent: str = ""


_NOWHERE = Origin()
_current: ContextVar[Origin | None] = ContextVar("helpline_origin", default=None)


def current_origin() -> Origin:
    return _current.get() or _NOWHERE


def set_origin(origin: Origin) -> None:
    _current.set(origin)
