"""Cursor pagination: walking the pages yields every row once, in order, whatever the size."""

import uuid

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.core.ids import new_id
from helpline.core.pagination import PageParams, decode_cursor, encode_cursor, paginate
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Workspace
from helpline.tenancy.repository import WorkspaceLookup


async def _walk(runtime: Runtime, limit: int, *, newest_first: bool) -> list[str]:
    seen: list[str] = []
    cursor = None
    async with unit_of_work(runtime.sessionmaker) as session:
        statement = WorkspaceLookup(session).list_statement()
        while True:
            rows, next_cursor = await paginate(
                session,
                statement,
                id_column=Workspace.id,
                params=PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=limit),
                newest_first=newest_first,
            )
            assert len(rows) <= limit
            seen += [w.slug for w in rows]
            if next_cursor is None:
                return seen
            cursor = next_cursor


# The rows are made once per test; Hypothesis varies only how they are read, so reusing the
# function-scoped database between examples is what we want here.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(min_value=1, max_value=15), newest_first=st.booleans())
async def test_pages_cover_every_row_once_in_order(
    runtime: Runtime, limit: int, newest_first: bool
) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        if await WorkspaceLookup(session).get_by_slug("ws-00") is None:
            for n in range(12):
                await tenancy.create_workspace(session, None, name=f"W{n}", slug=f"ws-{n:02d}")
    slugs = await _walk(runtime, limit, newest_first=newest_first)
    expected = [f"ws-{n:02d}" for n in range(12)]
    assert slugs == (expected[::-1] if newest_first else expected)


@given(st.uuids())
def test_cursor_round_trips(value: object) -> None:
    assert decode_cursor(encode_cursor(value)) == value  # type: ignore[arg-type]


def test_ids_strictly_increase_even_within_a_millisecond() -> None:
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)


async def test_page_size_is_bounded(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    parameters = document["paths"]["/api/v1/platform/workspaces"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200
