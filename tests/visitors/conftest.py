import httpx
import pytest
from fastapi import FastAPI

from helpline.core.runtime import Runtime
from helpline.settings import Settings
from tests.fixtures.api import shared_app
from tests.fixtures.world import World
from tests.fixtures.world_cache import restored_world
from tests.visitors.support import SHOP, allow_origins


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The conftest `app`, built once per run (see shared_app); `client` still runs a fresh
    lifespan, with its own runtime and rate limiter, for every test."""
    return shared_app(settings)


@pytest.fixture
async def world(runtime: Runtime) -> World:
    return await restored_world(runtime)


@pytest.fixture
async def shop(client: httpx.AsyncClient, world: World) -> World:
    """The world, with https://shop.a.example allowed to run workspace A's widget."""
    await allow_origins(client, world.a, [SHOP])
    return world
