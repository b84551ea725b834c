"""/metrics: who may scrape, and what it says after some requests, sockets, messages and jobs."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from helpline.app import create_app
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.conftest import make_settings
from tests.fixtures.jobs import RecordArgs, eventually
from tests.fixtures.live import live_server as start_live_server
from tests.fixtures.live import observe
from tests.fixtures.world import World

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def local(app: FastAPI, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A client on loopback, where the scraper lives by default."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def scrape(http: httpx.AsyncClient, **headers: str) -> Samples:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


class TestRequests:
    async def test_counted_by_route_template_never_the_raw_path(
        self, local: httpx.AsyncClient, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        conversation = world.a.conversation.id
        template = "/api/v1/conversations/{conversation_id}"
        before = await scrape(local)
        assert (
            await local.get(f"/api/v1/conversations/{conversation}", headers=owner.headers)
        ).status_code == 200
        missing = uuid.uuid4()
        assert (
            await local.get(f"/api/v1/conversations/{missing}", headers=owner.headers)
        ).status_code == 404
        assert (await local.get(f"/no/such/{missing}")).status_code == 404
        after = await scrape(local)
        requests = "helpline_http_requests_total"
        for status, n in (("200", 1), ("404", 1)):
            grew = value(after, requests, method="GET", route=template, status=status) - value(
                before, requests, method="GET", route=template, status=status
            )
            assert grew == n, status
        unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
        assert value(after, requests, **unmatched) - value(before, requests, **unmatched) == 1
        count = "helpline_http_request_duration_seconds_count"
        assert (
            value(after, count, method="GET", route=template)
            - value(before, count, method="GET", route=template)
            == 2
        )
        # No label anywhere holds an id: series stay bounded whatever clients ask for.
        labels = {v for (_, pairs) in after for _, v in pairs}
        assert not [v for v in labels if str(conversation) in v or str(missing) in v]

    async def test_unusual_methods_share_one_label(self, local: httpx.AsyncClient) -> None:
        before = await scrape(local)
        for method in ("BREW", "PROPFIND"):
            assert (await local.request(method, "/api/v1/health")).status_code == 405
        after = await scrape(local)
        labels = {"method": "other", "route": "/api/v1/health", "status": "405"}
        requests = "helpline_http_requests_total"
        assert value(after, requests, **labels) - value(before, requests, **labels) == 2
        assert not [pairs for (_, pairs) in after if ("method", "BREW") in pairs]

    async def test_messages_are_counted_by_sender_once_committed(
        self, local: httpx.AsyncClient, world: World
    ) -> None:
        conversation = world.a.conversation.id
        before = await scrape(local)
        agent = await local.post(
            f"/api/v1/conversations/{conversation}/messages",
            headers=world.a.member(Role.owner).headers,
            json={"body": "Hello from the team", "client_message_id": "m-1"},
        )
        assert agent.status_code == 201, agent.text
        visitor = await local.post(
            f"/api/v1/widget/conversations/{conversation}/messages",
            headers=world.a.visitor_headers,
            json={"body": "Hello from the visitor", "client_message_id": "v-1"},
        )
        assert visitor.status_code == 201, visitor.text
        # A retry is not a new message.
        retry = await local.post(
            f"/api/v1/widget/conversations/{conversation}/messages",
            headers=world.a.visitor_headers,
            json={"body": "Hello from the visitor", "client_message_id": "v-1"},
        )
        assert retry.status_code in (200, 201), retry.text
        after = await scrape(local)
        name = "helpline_messages_created_total"
        for kind in ("agent", "contact"):
            grew = value(after, name, sender_kind=kind) - value(before, name, sender_kind=kind)
            assert grew == 1, kind

    async def test_bot_counters_exist_before_the_bot(self, local: httpx.AsyncClient) -> None:
        samples = await scrape(local)
        assert ("helpline_bot_answers_total", frozenset()) in samples
        assert ("helpline_bot_handoffs_total", frozenset()) in samples


async def test_jobs_by_state_and_queue_depth(local: httpx.AsyncClient, runtime: Runtime) -> None:
    now = utc_now()
    async with unit_of_work(runtime.sessionmaker) as session:
        for key, run_at in (
            ("due", now - timedelta(seconds=30)),
            ("later", now + timedelta(hours=1)),
        ):
            queue.enqueue(session, "tests.record_run", RecordArgs(key=key), run_at=run_at)
    samples = await scrape(local)
    assert value(samples, "helpline_jobs", state="queued") == 2
    assert value(samples, "helpline_jobs", state="running") == 0
    assert value(samples, "helpline_jobs", state="dead") == 0
    assert value(samples, "helpline_job_queue_depth") == 1
    assert 30 <= value(samples, "helpline_job_oldest_due_age_seconds") < 300
    assert value(samples, "helpline_dependency_up", dependency="database") == 1
    for outcome in ("succeeded", "retry", "dead"):
        assert ("helpline_jobs_finished_total", frozenset({("outcome", outcome)})) in samples


async def test_open_sockets_by_kind(settings: Settings, runtime: Runtime, world: World) -> None:
    async with start_live_server(settings) as server, server.client() as http:
        assert value(await scrape(http), "helpline_open_sockets", kind="agent") == 0
        async with (
            observe(server, "/ws/agent", world.a.member(Role.agent).access_token),
            observe(server, "/ws/agent", world.b.member(Role.owner).access_token),
            observe(server, "/ws/widget", world.a.visitor_token),
        ):
            samples = await scrape(http)
            assert value(samples, "helpline_open_sockets", kind="agent") == 2
            assert value(samples, "helpline_open_sockets", kind="widget") == 1
        # Closed sockets leave the count once their loops have ended.

        async def all_closed() -> bool:
            return value(await scrape(http), "helpline_open_sockets", kind="agent") == 0

        await eventually(all_closed, what="the closed sockets to leave the count")


class TestWhoMayScrape:
    async def test_a_remote_client_is_refused_without_a_token(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/metrics")
        assert response.status_code == 403
        assert response.json()["error"] == "PermissionDenied"

    async def test_a_request_forwarded_for_someone_else_is_theirs(
        self, local: httpx.AsyncClient
    ) -> None:
        """127.0.0.1 is a trusted proxy: what it forwards counts as its client's request, so a
        reverse proxy on the same host does not open /metrics to the internet."""
        response = await local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
        assert response.status_code == 403

    @pytest.mark.parametrize(
        ("token", "status"), [("scrape-me-0123456789", 200), ("wrong", 401), (None, 401)]
    )
    async def test_the_token_lets_any_address_scrape(
        self, settings: Settings, token: str | None, status: int
    ) -> None:
        app = create_app(make_settings(settings.data_dir, metrics_token="scrape-me-0123456789"))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = await http.get("/metrics", headers=headers)
        assert response.status_code == status, response.text
