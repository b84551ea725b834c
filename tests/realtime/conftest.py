import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from helpline.core.runtime import Runtime
from helpline.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import World
from tests.fixtures.world_cache import restored_world


@pytest.fixture
async def world(runtime: Runtime) -> World:
    return await restored_world(runtime)


@pytest.fixture
async def server(settings: Settings, runtime: Runtime) -> AsyncIterator[LiveServer]:
    """A live server on the test database (`runtime` empties it afterwards)."""
    async with live_server(settings) as live:
        yield live


@pytest.fixture
def make_server(
    migrated: Path, runtime: Runtime
) -> Callable[..., contextlib.AbstractAsyncContextManager[LiveServer]]:
    """A live server with settings of the test's choosing."""

    def make(**overrides: object) -> contextlib.AbstractAsyncContextManager[LiveServer]:
        return live_server(make_settings(migrated, **overrides))

    return make
