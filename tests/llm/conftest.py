import pytest
from fastapi import FastAPI

from helpline.core.runtime import Runtime
from helpline.settings import Settings
from tests.fixtures.api import shared_app
from tests.fixtures.world import World
from tests.fixtures.world_cache import restored_world


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The conftest `app`, built once per run (see shared_app)."""
    return shared_app(settings)


@pytest.fixture
async def world(runtime: Runtime) -> World:
    """Two workspaces with every kind of actor (tests/fixtures/world.py)."""
    return await restored_world(runtime)
