"""The rules of the business hours, offline message and label catalogue settings, through
`PATCH /api/v1/workspace` (what every client, the dashboard included, goes through)."""

from typing import Any

import httpx
import pytest

from helpline.tenancy.models import Role
from tests.fixtures.world import World


async def patch_settings(
    client: httpx.AsyncClient, world: World, settings: dict[str, Any]
) -> httpx.Response:
    return await client.patch(
        "/api/v1/workspace",
        json={"settings": settings},
        headers=world.a.member(Role.owner).headers,
    )


def detail(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    return " ".join([body["detail"], *(f["message"] for f in body.get("fields", []))])


class TestBusinessHours:
    async def test_the_default_is_off_and_closed_every_day(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        answer = await client.get("/api/v1/workspace", headers=world.a.member(Role.owner).headers)
        settings = answer.json()["settings"]
        assert settings["business_hours"] == {
            "enabled": False,
            "monday": [],
            "tuesday": [],
            "wednesday": [],
            "thursday": [],
            "friday": [],
            "saturday": [],
            "sunday": [],
        }
        assert settings["offline_message"] == ""

    async def test_saves_intervals_sorted_with_midnight_as_24_00(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        hours = {
            "enabled": True,
            "monday": [{"start": "14:00", "end": "18:00"}, {"start": "09:00", "end": "12:00"}],
            "friday": [
                {"start": "00:00", "end": "06:00"},
                {"start": "06:00", "end": "12:00"},
                {"start": "20:00", "end": "24:00"},
            ],
        }
        answer = await patch_settings(
            client, world, {"business_hours": hours, "offline_message": "Back soon."}
        )
        assert answer.status_code == 200, answer.text
        saved = answer.json()["settings"]
        assert saved["business_hours"]["monday"] == [
            {"start": "09:00", "end": "12:00"},
            {"start": "14:00", "end": "18:00"},
        ]
        assert len(saved["business_hours"]["friday"]) == 3
        assert saved["business_hours"]["sunday"] == []
        assert saved["offline_message"] == "Back soon."

    @pytest.mark.parametrize(
        ("monday", "message"),
        [
            (
                [{"start": "17:00", "end": "09:00"}],
                "the opening hours 17:00\N{EN DASH}09:00 end before they start",
            ),
            ([{"start": "09:00", "end": "09:00"}], "end before they start"),
            (
                [{"start": "09:00", "end": "12:00"}, {"start": "11:30", "end": "13:00"}],
                "Monday: the opening hours 09:00\N{EN DASH}12:00 and 11:30\N{EN DASH}13:00 overlap",
            ),
            (
                [{"start": f"{h:02}:00", "end": f"{h:02}:30"} for h in (8, 10, 12, 14)],
                "Monday has 4 opening intervals: a day has at most 3",
            ),
            ([{"start": "9:00", "end": "12:00"}], "'9:00' is not a time of day"),
            ([{"start": "24:00", "end": "24:00"}], "'24:00' is not a time of day"),
            ([{"start": "09:00", "end": "25:00"}], "'25:00' is not a time of day"),
            ([{"start": "09:00", "end": "12:60"}], "'12:60' is not a time of day"),
        ],
    )
    async def test_refuses_what_makes_no_sense_with_a_clear_message(
        self, client: httpx.AsyncClient, world: World, monday: list[Any], message: str
    ) -> None:
        answer = await patch_settings(
            client, world, {"business_hours": {"enabled": True, "monday": monday}}
        )
        assert message in detail(answer)

    async def test_refuses_unknown_days_and_long_offline_messages(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        unknown = await patch_settings(client, world, {"business_hours": {"funday": []}})
        assert unknown.status_code == 422
        long = await patch_settings(client, world, {"offline_message": "x" * 501})
        assert long.status_code == 422


class TestLabelCatalogue:
    async def test_names_are_normalised_like_conversation_labels(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        labels = [{"name": "  VIP   Customer ", "color": "purple"}, {"name": "bug"}]
        answer = await patch_settings(client, world, {"labels": labels})
        assert answer.status_code == 200, answer.text
        assert answer.json()["settings"]["labels"] == [
            {"name": "vip customer", "color": "purple"},
            {"name": "bug", "color": "gray"},
        ]

    @pytest.mark.parametrize(
        ("labels", "message"),
        [
            (
                [{"name": "Billing"}, {"name": "billing "}],
                "there are two labels named 'billing': names are unique",
            ),
            ([{"name": "x" * 51}], "at most 50 characters"),
            ([{"name": "   "}], "a label needs a name"),
            ([{"name": "café"}], "is not a valid label name"),
            ([{"name": f"label {n}"} for n in range(101)], "at most 100 labels, not 101"),
        ],
    )
    async def test_refuses_duplicates_long_names_and_too_many(
        self, client: httpx.AsyncClient, world: World, labels: list[Any], message: str
    ) -> None:
        assert message in detail(await patch_settings(client, world, {"labels": labels}))

    async def test_colours_come_from_the_palette(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        answer = await patch_settings(
            client, world, {"labels": [{"name": "x", "color": "#ff0000"}]}
        )
        assert answer.status_code == 422
