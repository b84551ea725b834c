"""Test fixtures: a real database (SQLite, or PostgreSQL when HELPLINE_TEST_DATABASE_URL is
set), migrated once per run with the real migrations, and emptied after every test.

Tests commit for real, because the job queue and crash tests need other sessions and other
processes to see their data; isolation between tests comes from emptying every table after
each test instead of rolling back one outer transaction (see docs/architecture.md, Tests).
"""

import asyncio
import os
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.app import create_app
from helpline.core import migrate
from helpline.core.runtime import Runtime, create_runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge.fulltext import sqlite as fulltext_sqlite
from helpline.models import Base
from helpline.settings import Environment, Settings

TEST_DATABASE_URL = os.environ.get("HELPLINE_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "")


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": Environment.testing,
        "data_dir": data_dir,
        "database_url": TEST_DATABASE_URL,
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        # Cheap argon2 parameters: the suite hashes many passwords.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "run_jobs_in_web": False,
        "job_poll_interval": timedelta(milliseconds=50),
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On SQLite, leave out the tests that need a database server shared by processes (the
    multi-node tests): they run in the PostgreSQL half of the same `make test`."""
    if TEST_DATABASE_URL:
        return
    needs_server = [item for item in items if item.get_closest_marker("server_database")]
    if needs_server:
        config.hook.pytest_deselected(items=needs_server)
        items[:] = [item for item in items if item not in needs_server]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("helpline-data")


@pytest.fixture(scope="session")
def migrated(data_dir: Path) -> Path:
    """Apply the real migrations once per run."""
    settings = make_settings(data_dir)
    if not settings.is_sqlite:
        asyncio.run(_drop_everything(settings))
    migrate.upgrade(settings)
    return data_dir


async def _drop_everything(settings: Settings) -> None:
    runtime = create_runtime(settings)
    async with runtime.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await runtime.close()


@pytest.fixture
def settings(migrated: Path) -> Settings:
    return make_settings(migrated)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = create_runtime(settings)
    try:
        yield runtime
    finally:
        await _empty_tables(runtime)
        await runtime.close()


async def _empty_tables(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with runtime.engine.begin() as connection:
        if runtime.settings.is_sqlite:
            # SQLite's full-text index is a virtual table outside the models (knowledge.fulltext).
            for name in [*tables, fulltext_sqlite.FTS_TABLE]:
                await connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 (table names are ours)
        else:
            quoted = ", ".join(f'"{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {quoted} CASCADE"))


@pytest.fixture
async def session(runtime: Runtime) -> AsyncIterator[AsyncSession]:
    """A unit of work that commits at the end of the test (for arranging data)."""
    async with unit_of_work(runtime.sessionmaker) as session:
        yield session


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


# Keys and values that must never leave the server (RELIABILITY.md, Isolation 7).
FORBIDDEN_KEYS = {
    "password_hash",
    "token_hash",
    "key_hash",
    "secret_key",
    "smtp_password",
    "identity_secret",
    "sealed_api_key",
}
# An argon2 hash; a Fernet token (core/encryption.py: version byte 0x80, then a timestamp).
FORBIDDEN_VALUE_MARKERS = ("$argon2", "gAAAAA")
# Visitor tokens: random, so a real one is long; shorter "hlv_" text is not a token.
VISITOR_TOKEN = re.compile(r"hlv_[A-Za-z0-9_-]{20,}")
# The only routes that may answer with these, and only these.
SECRET_ALLOWANCES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/workspace/identity-secret"): frozenset({"identity_secret"}),
    ("POST", "/api/v1/workspace/identity-secret/rotate"): frozenset({"identity_secret"}),
    ("POST", "/api/v1/widget/sessions"): frozenset({"visitor_token"}),
    # The OpenAPI document names the field (IdentitySecretRead) without holding a value.
    ("GET", "/api/openapi.json"): frozenset({"identity_secret"}),
}


def find_secrets(
    document: object, path: str = "$", allowed: frozenset[str] = frozenset()
) -> list[str]:
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in FORBIDDEN_KEYS and key not in allowed:
                found.append(f"{path}.{key}")
            found += find_secrets(value, f"{path}.{key}", allowed)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += find_secrets(value, f"{path}[{index}]", allowed)
    elif isinstance(document, str) and _is_secret_text(document, allowed):
        found.append(path)
    return found


def _is_secret_text(text: str, allowed: frozenset[str]) -> bool:
    if any(m in text for m in FORBIDDEN_VALUE_MARKERS):
        return True
    return "visitor_token" not in allowed and VISITOR_TOKEN.search(text) is not None


async def _scan_for_secrets(response: httpx.Response) -> None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return
    await response.aread()
    route = (response.request.method, response.request.url.path)
    leaks = find_secrets(response.json(), allowed=SECRET_ALLOWANCES.get(route, frozenset()))
    assert not leaks, f"{response.request.method} {response.request.url} leaked {leaks}"


@pytest.fixture
async def client(app: FastAPI, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, its lifespan running. The app gets its own runtime, and
    `runtime` (requested first) empties the tables after the test. Every JSON response is
    scanned for secrets."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            event_hooks={"response": [_scan_for_secrets]},
        ) as client:
            yield client


@pytest.fixture
def redis_url() -> str:
    if not TEST_REDIS_URL:
        pytest.fail("HELPLINE_TEST_REDIS_URL is not set: run the suite with `make test`.")
    return TEST_REDIS_URL
