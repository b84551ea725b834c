"""Labels, snoozing (the request side; the wake-up is in test_tasks.py) and merging."""

from datetime import timedelta

import httpx
from sqlalchemy import select

from helpline.conversations.models import Status
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.jobs.models import Job, JobStatus
from helpline.tenancy.models import Role
from tests.conversations.support import (
    conversation_row,
    labels_of,
    messages_of,
    send,
    start,
    system_events,
    url,
)
from tests.fixtures.api import scalars
from tests.fixtures.world import World

WAKE_JOBS = select(Job).where(Job.name == "conversations.wake_snoozed")


class TestLabels:
    async def test_labels_are_normalised_and_replaced(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        headers = world.a.member(Role.agent).headers

        first = await client.put(
            url(conversation, "labels"),
            json={"labels": [" VIP   Customer ", "Billing", "billing", "re-fund_2"]},
            headers=headers,
        )
        same = await client.put(
            url(conversation, "labels"),
            json={"labels": ["billing", "vip customer", "RE-FUND_2"]},
            headers=headers,
        )
        replaced = await client.put(
            url(conversation, "labels"), json={"labels": ["billing", "urgent"]}, headers=headers
        )

        assert first.status_code == same.status_code == replaced.status_code == 200
        assert first.json()["labels"] == ["billing", "re-fund_2", "vip customer"]
        assert replaced.json()["labels"] == ["billing", "urgent"]
        assert await labels_of(runtime, conversation) == ["billing", "urgent"]
        events = [m for m in await messages_of(runtime, conversation) if m.event]
        # Sending the same set again changed nothing.
        assert [(m.event, m.data) for m in events] == [
            (
                "labels_changed",
                {"added": ["billing", "re-fund_2", "vip customer"], "removed": []},
            ),
            ("labels_changed", {"added": ["urgent"], "removed": ["re-fund_2", "vip customer"]}),
        ]

    async def test_clearing(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        headers = world.a.member(Role.agent).headers
        await client.put(url(conversation, "labels"), json={"labels": ["a"]}, headers=headers)

        response = await client.put(
            url(conversation, "labels"), json={"labels": []}, headers=headers
        )

        assert response.json()["labels"] == []
        assert await labels_of(runtime, conversation) == []

    async def test_invalid_labels_are_refused_whole(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        headers = world.a.member(Role.agent).headers
        await client.put(url(conversation, "labels"), json={"labels": ["kept"]}, headers=headers)

        cases = {
            "character": ["ok", "no/slash"],
            "accent": ["café"],
            "empty": ["   "],
            "too long": ["x" * 51],
            "too many": [f"label {n}" for n in range(21)],
        }
        for case, labels in cases.items():
            response = await client.put(
                url(conversation, "labels"), json={"labels": labels}, headers=headers
            )
            assert response.status_code == 422, case
            assert response.json()["error"] == "InvalidLabels", case

        assert await labels_of(runtime, conversation) == ["kept"]
        longest = await client.put(
            url(conversation, "labels"),
            json={"labels": ["x" * 50, *[f"label {n}" for n in range(19)], "LABEL 0"]},
            headers=headers,
        )
        assert longest.status_code == 200
        assert len(longest.json()["labels"]) == 20


class TestSnooze:
    async def test_snoozing_schedules_the_wake_up(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        until = (utc_now() + timedelta(hours=3)).replace(microsecond=0)

        response = await client.post(
            url(conversation, "snooze"),
            json={"until": until.isoformat()},
            headers=world.a.member(Role.agent).headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["status"] == "snoozed"
        row = await conversation_row(runtime, conversation)
        assert (row.status, row.snoozed_until) == (Status.snoozed, until)
        [job] = await scalars(runtime, WAKE_JOBS)
        assert (job.run_at, job.status, job.workspace_id) == (
            until,
            JobStatus.queued,
            world.a.workspace.id,
        )
        assert job.args == {
            "workspace_id": str(world.a.workspace.id),
            "conversation_id": str(conversation),
        }
        [event] = [m for m in await messages_of(runtime, conversation) if m.event]
        assert (event.event, event.data) == (
            "snoozed",
            {"previous_status": "open", "until": until.isoformat()},
        )

    async def test_the_time_must_be_future_and_aware(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        past = (utc_now() - timedelta(minutes=1)).isoformat()
        naive = (utc_now() + timedelta(hours=1)).replace(tzinfo=None).isoformat()

        in_the_past = await client.post(
            url(world.a.conversation.id, "snooze"), json={"until": past}, headers=headers
        )
        without_zone = await client.post(
            url(world.a.conversation.id, "snooze"), json={"until": naive}, headers=headers
        )

        assert in_the_past.status_code == without_zone.status_code == 422
        assert in_the_past.json()["error"] == "InvalidSnooze"
        assert without_zone.json()["error"] == "ValidationError"
        assert (await conversation_row(runtime, world.a.conversation.id)).status == Status.open
        assert await scalars(runtime, WAKE_JOBS) == []

    async def test_snoozing_again_until_the_same_time_changes_nothing(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        until = (utc_now() + timedelta(days=1)).isoformat()
        for _ in range(2):
            response = await client.post(
                url(world.a.conversation.id, "snooze"),
                json={"until": until},
                headers=world.a.member(Role.agent).headers,
            )
            assert response.status_code == 200

        assert len(await scalars(runtime, WAKE_JOBS)) == 1
        assert await system_events(runtime, world.a.conversation.id) == ["snoozed"]


class TestMerge:
    async def test_merging_freezes_the_source_and_links_both(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        source = world.a.conversation.id
        target = await start(client, headers, world.a.contact.id, body="Follow-up")

        response = await client.post(
            url(source, "merge"), json={"into_conversation_id": target["id"]}, headers=headers
        )

        assert response.status_code == 200, response.text
        merged = response.json()
        assert (merged["id"], merged["merged_into_id"], merged["status"]) == (
            str(source),
            target["id"],
            "resolved",
        )
        assert merged["resolved_at"] is not None
        [into] = [m for m in await messages_of(runtime, source) if m.event]
        assert (into.event, into.data) == (
            "merged_into",
            {"conversation_id": target["id"], "number": 2, "previous_status": "open"},
        )
        [into_target] = [m for m in await messages_of(runtime, target["id"]) if m.event]
        assert (into_target.event, into_target.data, into_target.seq) == (
            "merged_from",
            {"conversation_id": str(source), "number": 1},
            2,
        )
        assert (await conversation_row(runtime, target["id"])).merged_into_id is None

    async def test_merge_rules(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        first = str(world.a.conversation.id)
        second = (await start(client, headers, world.a.contact.id))["id"]
        third = (await start(client, headers, world.a.contact.id))["id"]

        async def merge(source: str, target: str) -> httpx.Response:
            return await client.post(
                url(source, "merge"), json={"into_conversation_id": target}, headers=headers
            )

        itself = await merge(first, first)
        assert (await merge(first, second)).status_code == 200
        again = await merge(first, third)
        into_merged = await merge(third, first)

        assert itself.status_code == again.status_code == into_merged.status_code == 409
        assert itself.json() == {
            "error": "InvalidMerge",
            "detail": "A conversation cannot be merged into itself.",
        }
        assert again.json()["error"] == "ConversationMerged"
        assert into_merged.json()["error"] == "InvalidMerge"
        assert (await conversation_row(runtime, first)).merged_into_id is not None
        assert (await conversation_row(runtime, third)).merged_into_id is None
        assert await system_events(runtime, third) == []

    async def test_a_merged_conversation_takes_no_more_changes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        source = world.a.conversation.id
        target = (await start(client, headers, world.a.contact.id))["id"]
        await client.post(
            url(source, "merge"), json={"into_conversation_id": target}, headers=headers
        )
        before = len(await messages_of(runtime, source))
        soon = (utc_now() + timedelta(hours=1)).isoformat()

        attempts = [
            await send(client, headers, source, "Still there?"),
            await client.post(url(source, "claim"), headers=headers),
            await client.post(url(source, "assign"), json={"member_id": None}, headers=headers),
            await client.post(url(source, "team"), json={"team_id": None}, headers=headers),
            await client.put(url(source, "labels"), json={"labels": ["x"]}, headers=headers),
            await client.post(url(source, "snooze"), json={"until": soon}, headers=headers),
            await client.patch(url(source), json={"status": "open"}, headers=headers),
            await client.patch(url(source), json={"priority": "high"}, headers=headers),
            await client.patch(url(source), json={"subject": "New"}, headers=headers),
        ]

        assert [r.status_code for r in attempts] == [409] * len(attempts)
        assert attempts[0].json()["detail"] == (
            f"This conversation was merged into conversation {target}; continue there."
        )
        assert len(await messages_of(runtime, source)) == before
        # Still readable, and still markable as read.
        assert (await client.get(url(source, "messages"), headers=headers)).status_code == 200
        read = await client.post(url(source, "read"), json={"seq": before}, headers=headers)
        assert read.status_code == 200
