"""The job registry: `@job("<domain>.<verb_phrase>")` declares a handler and its retry policy.

A handler is `async def handler(ctx: JobContext, args: SomeArgs) -> None`, where `SomeArgs` is a
pydantic model read from the annotation. Handlers run in the worker's unit of work
(`ctx.session`), never commit, reload their rows by id and are idempotent: a job runs at least
once, and more than once if a worker dies mid-run.

Registration happens when a domain's `tasks.py` is imported; `helpline.tasks` imports them all.
"""

import importlib
import inspect
import random
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, TypeVar, get_type_hints

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.runtime import Runtime

# Imported to fill the registry; it imports every domain's tasks module.
TASKS_MODULE: Final = "helpline.tasks"
_NAME_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_NAME_MAX_CHARS: Final = 100


@dataclass(frozen=True, slots=True)
class JobContext:
    session: AsyncSession
    runtime: Runtime
    job_id: uuid.UUID
    name: str
    workspace_id: uuid.UUID | None
    # 1 on the first run; `attempt == max_attempts` is the last chance.
    attempt: int
    max_attempts: int

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


Handler = Callable[[JobContext, Any], Awaitable[None]]
H = TypeVar("H", bound=Callable[..., Awaitable[None]])


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    handler: Handler
    args_model: type[BaseModel]
    max_attempts: int
    timeout_s: float
    backoff_base_s: float
    backoff_max_s: float

    def backoff(self, attempts: int) -> timedelta:
        """The wait before the next attempt, after `attempts` failed ones: exponential, capped,
        with jitter so that jobs that failed together (a provider outage) do not retry together."""
        ceiling = min(self.backoff_base_s * 2 ** max(attempts - 1, 0), self.backoff_max_s)
        return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)


class UnknownJobError(LookupError):
    pass


_registry: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    max_attempts: int = 5,
    timeout_s: float = 60,
    backoff_base_s: float = 2,
    backoff_max_s: float = 3600,
) -> Callable[[H], H]:
    """Register an async handler under `name`; a second registration of the name raises."""
    if not _NAME_PATTERN.fullmatch(name) or len(name) > _NAME_MAX_CHARS:
        raise ValueError(f"Job name {name!r} must look like '<domain>.<verb_phrase>'.")
    if max_attempts < 1 or timeout_s <= 0 or backoff_base_s < 0 or backoff_max_s < 0:
        raise ValueError(f"Job {name!r} has an invalid retry policy.")

    def register(handler: H) -> H:
        if name in _registry:
            existing = _registry[name].handler
            raise ValueError(
                f"Job {name!r} is already registered by {existing.__module__}.{existing.__qualname__}."
            )
        _registry[name] = JobSpec(
            name=name,
            handler=handler,
            args_model=_args_model(name, handler),
            max_attempts=max_attempts,
            timeout_s=timeout_s,
            backoff_base_s=backoff_base_s,
            backoff_max_s=backoff_max_s,
        )
        return handler

    return register


def _args_model(name: str, handler: Callable[..., Awaitable[None]]) -> type[BaseModel]:
    if not inspect.iscoroutinefunction(handler):
        raise TypeError(f"Job {name!r}: the handler must be an `async def`.")
    params = list(inspect.signature(handler).parameters.values())
    if len(params) != 2:
        raise TypeError(f"Job {name!r}: the handler must take (ctx: JobContext, args: <Model>).")
    model = get_type_hints(handler).get(params[1].name)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"Job {name!r}: annotate the handler's args with a pydantic model.")
    return model


def get_job(name: str) -> JobSpec:
    """The spec registered under `name`, importing the task registry first if needed."""
    if name not in _registry:
        load_task_modules()
    try:
        return _registry[name]
    except KeyError:
        raise UnknownJobError(f"No job is registered under the name {name!r}.") from None


def find_job(name: str) -> JobSpec | None:
    return _registry.get(name)


def load_task_modules(extra: Iterable[str] = ()) -> None:
    """Import the task registry (and plugin or test modules) so their `@job`s register.

    Imported by name because `jobs` is infrastructure and must not import the domains.
    """
    for module in (TASKS_MODULE, *extra):
        importlib.import_module(module)
