"""Property: whatever mix of new messages and retries arrives, concurrently or not, every
acknowledged message is stored exactly once, seqs run 1..n without gaps, and the REST history
is the acknowledged order (RELIABILITY.md, Delivery 2 and 4)."""

import asyncio
import uuid
from collections import defaultdict
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from helpline.conversations.models import Message
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import send, start, url
from tests.fixtures.api import scalars
from tests.fixtures.world import World

# A post carries one of a few client ids (so retries are frequent), or none (always new).
POST = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "e"]))
# Posts arrive in batches; the posts of one batch are sent concurrently.
BATCHES = st.lists(st.lists(POST, min_size=1, max_size=4), min_size=1, max_size=6)


async def _history(
    client: httpx.AsyncClient, headers: dict[str, str], conversation: str
) -> list[Any]:
    """The whole history over REST, read forwards in small pages."""
    items: list[Any] = []
    while True:
        response = await client.get(
            url(conversation, "messages"),
            params={"after_seq": items[-1]["seq"] if items else 0, "limit": 3},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        if not response.json()["has_more"]:
            return items


async def _send_concurrently(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation: str,
    batch: list[str | None],
    anonymous_so_far: int,
) -> list[httpx.Response]:
    """Send the batch's posts at once; each body is unique to its message."""
    bodies, n = [], anonymous_so_far
    for client_id in batch:
        n += client_id is None
        bodies.append(f"anonymous {n}" if client_id is None else f"id {client_id}")
    return list(
        await asyncio.gather(
            *(
                send(client, headers, conversation, body, client_message_id=client_id)
                for body, client_id in zip(bodies, batch, strict=True)
            )
        )
    )


# Each example starts its own conversation, so reusing the function-scoped world is safe.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=BATCHES)
async def test_posts_and_retries_keep_one_gap_free_history(
    client: httpx.AsyncClient, runtime: Runtime, world: World, batches: list[list[str | None]]
) -> None:
    headers = world.a.member(Role.agent).headers
    conversation = (await start(client, headers, world.a.contact.id))["id"]
    acked: dict[int, Any] = {}
    by_client_id: dict[str, Any] = {}
    anonymous = 0
    for batch in batches:
        known = set(by_client_id)
        newest_before = max(acked, default=0)
        responses = await _send_concurrently(client, headers, conversation, batch, anonymous)
        anonymous += batch.count(None)
        statuses: dict[str, list[int]] = defaultdict(list)
        for client_id, response in zip(batch, responses, strict=True):
            message = response.json()
            if client_id is None:
                assert response.status_code == 201, response.text
            else:
                statuses[client_id].append(response.status_code)
                # A retry, concurrent or later, gets the first answer back.
                assert by_client_id.setdefault(client_id, message) == message
            assert acked.setdefault(message["seq"], message) == message
        for client_id, codes in statuses.items():
            # Exactly one send created it: one of this batch if the id is new, else an earlier.
            assert sorted(codes) == sorted(
                [200] * (len(codes) - 1) + [200 if client_id in known else 201]
            )
        # What a batch created comes after everything acknowledged before it.
        assert all(r.json()["seq"] > newest_before for r in responses if r.status_code == 201)

    assert sorted(acked) == list(range(1, len(acked) + 1))
    assert len(acked) == anonymous + len(by_client_id)
    assert await _history(client, headers, conversation) == [acked[s] for s in sorted(acked)]
    stored = await scalars(
        runtime,
        select(Message.client_message_id).where(
            Message.conversation_id == uuid.UUID(conversation),
            Message.client_message_id.is_not(None),
        ),
    )
    # Each client id once: a duplicate would show here as a repeated id.
    assert sorted(stored) == sorted(by_client_id)
