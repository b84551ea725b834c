"""/api/v1/ready: ok, degraded while the service still works (Redis down, jobs late), and 503
only when it cannot serve (the database does not answer); /api/v1/health stays liveness."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from helpline.app import create_app
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.jobs import RecordArgs, eventually
from tests.fixtures.private_redis import PrivateRedis
from tests.fixtures.processes import free_port


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield http


async def test_ok_when_everything_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["database"]["latency_ms"] >= 0
    assert checks["redis"] == {"status": "disabled", "detail": None, "latency_ms": None}
    assert checks["jobs"]["status"] == "ok"
    assert checks["jobs"]["due"] == 0


async def test_late_jobs_make_it_degraded(client: httpx.AsyncClient, runtime: Runtime) -> None:
    """Nothing claims jobs in the tests: one due for longer than ready_max_job_delay (60 s)
    looks exactly like workers that are down."""
    now = utc_now()
    async with unit_of_work(runtime.sessionmaker) as session:
        queue.enqueue(session, "tests.record_run", RecordArgs(key="fresh"), run_at=now)
        late = now - timedelta(minutes=5)
        queue.enqueue(session, "tests.record_run", RecordArgs(key="late"), run_at=late)
    response = await client.get("/api/v1/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "degraded"
    jobs = body["checks"]["jobs"]
    assert jobs["status"] == "degraded"
    assert jobs["due"] == 2
    assert 300 <= jobs["oldest_due_age_s"] < 600


async def test_redis_down_is_degraded_not_down(settings: Settings, runtime: Runtime) -> None:
    """REST works without Redis (RELIABILITY, Delivery 7): the node stays in rotation."""
    redis = PrivateRedis()
    await redis.start()
    try:
        settings = make_settings(settings.data_dir, redis_url=redis.url)
        async with app_client(settings) as http:
            ready = await http.get("/api/v1/ready")
            assert ready.json()["checks"]["redis"]["status"] == "ok", ready.text
            assert ready.json()["status"] == "ok"
            await redis.stop()

            async def redis_down() -> bool:
                return (await http.get("/api/v1/ready")).json()["checks"]["redis"][
                    "status"
                ] == "down"

            await eventually(redis_down, timeout_s=10, what="readiness to notice Redis is gone")
            ready = await http.get("/api/v1/ready")
            assert ready.status_code == 200
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["database"]["status"] == "ok"
            assert (await http.get("/api/v1/health")).json()["status"] == "degraded"
    finally:
        await redis.stop()


def _unreachable_postgres(settings: Settings) -> dict[str, Any]:
    # A port nothing listens on (free a moment ago): the connection is refused at once.
    port = free_port()
    return {"database_url": f"postgresql+asyncpg://helpline@127.0.0.1:{port}/helpline"}


def _unreadable_sqlite(settings: Settings) -> dict[str, Any]:
    # A database file inside a regular file: SQLite cannot open it.
    blocker = settings.data_dir / "not-a-directory"
    blocker.write_text("")
    return {"database_url": f"sqlite+aiosqlite:///{blocker}/helpline.db"}


@pytest.mark.parametrize("broken", [_unreachable_postgres, _unreadable_sqlite])
async def test_unreachable_database_is_503(settings: Settings, broken: Any) -> None:
    settings = make_settings(settings.data_dir, **broken(settings))
    async with app_client(settings) as http:
        ready = await http.get("/api/v1/ready")
        assert ready.status_code == 503, ready.text
        body = ready.json()
        assert body["status"] == "down"
        assert body["checks"]["database"]["status"] == "down"
        assert body["checks"]["database"]["detail"]  # the error's type, not its text
        assert "127.0.0.1" not in ready.text
        assert str(settings.data_dir) not in ready.text
        assert body["checks"]["jobs"]["status"] == "down"
        # Liveness is another question: the process is up and answering.
        assert (await http.get("/api/v1/health")).status_code == 200
        # Metrics still answer, and say the database did not.
        metrics = await http.get("/metrics")
        assert metrics.status_code == 200, metrics.text
        assert 'helpline_dependency_up{dependency="database"} 0.0' in metrics.text
