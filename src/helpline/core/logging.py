"""Structured logging with structlog: console lines for people, JSON for collectors.

The request id, and (when known) the workspace and the conversation travel in context
variables, so every line logged during a request, a socket frame or a job carries them without
passing them around. The standard library's logging (uvicorn's lines) goes through the same
renderer, so with the json format every line is JSON.
"""

import logging
import sys

import structlog

from helpline.settings import Settings

_HANDLER_NAME = "helpline"


class _CurrentStderr:
    """Writes to whatever sys.stderr is *now*: a test runner may swap it and close the old one."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(settings: Settings) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: structlog.types.Processor
    if settings.log_format == "json":
        shared.append(structlog.processors.format_exc_info)
        renderer = structlog.processors.JSONRenderer()
    else:
        # Plain tracebacks: rich's default shows local variables, which can hold secrets.
        renderer = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    level = logging.getLevelName(settings.log_level.upper())
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]  # a TextIO in all that PrintLogger uses
        cache_logger_on_first_use=False,
    )
    _route_standard_logging(level, shared, renderer)


def _route_standard_logging(
    level: int, shared: list[structlog.types.Processor], renderer: structlog.types.Processor
) -> None:
    """Lines from the standard library's logging (uvicorn, SQLAlchemy, asyncio) go through the
    same processors and renderer: with the json format, every line is one JSON object, with
    the request's context like ours."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(_CurrentStderr())
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    # Configuring twice (tests, or a command calling another) replaces our handler only.
    for previous in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
