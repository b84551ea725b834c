import pytest

from helpline.core.runtime import Runtime
from tests.fixtures.world import World
from tests.fixtures.world_cache import restored_world


@pytest.fixture
async def world(runtime: Runtime) -> World:
    return await restored_world(runtime)
