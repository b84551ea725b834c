"""The contact service where REST cannot reach: the widget's touch_seen, lookups by external
id, values JSON cannot carry, and two transactions claiming one external id at once."""

import asyncio
import math

import pytest

from helpline.auth.principals import MemberPrincipal
from helpline.contacts import service as contacts
from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from tests.contacts.conftest import wait_for_a_lock_wait
from tests.fixtures.api import load
from tests.fixtures.world import World


async def _new_contact(runtime: Runtime, actor: MemberPrincipal, **fields: str) -> Contact:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await contacts.create_contact(session, actor, **fields)


class TestTouchSeen:
    async def test_records_the_visit_and_the_browser(
        self, runtime: Runtime, agent_a: MemberPrincipal
    ) -> None:
        contact = await _new_contact(runtime, agent_a)
        report = {"userAgent": "Firefox/140", "language": "fr-FR", "page": "https://a.example/"}
        before = utc_now()

        async with unit_of_work(runtime.sessionmaker) as session:
            loaded = await session.get(Contact, contact.id)
            assert loaded is not None
            await contacts.touch_seen(session, loaded, browser=report)

        stored = await load(runtime, Contact, contact.id)
        assert stored is not None
        assert stored.browser == report
        assert stored.last_seen_at >= before
        assert stored.first_seen_at == contact.first_seen_at

    async def test_without_a_report_keeps_the_last_one(
        self, runtime: Runtime, agent_a: MemberPrincipal
    ) -> None:
        contact = await _new_contact(runtime, agent_a)
        async with unit_of_work(runtime.sessionmaker) as session:
            loaded = await session.get(Contact, contact.id)
            assert loaded is not None
            await contacts.touch_seen(session, loaded, browser={"language": "de"})
            first_seen = loaded.last_seen_at

        async with unit_of_work(runtime.sessionmaker) as session:
            loaded = await session.get(Contact, contact.id)
            assert loaded is not None
            await contacts.touch_seen(session, loaded, browser=None)

        stored = await load(runtime, Contact, contact.id)
        assert stored is not None
        assert stored.browser == {"language": "de"}
        assert stored.last_seen_at >= first_seen

    async def test_trims_the_report_instead_of_refusing_it(
        self, runtime: Runtime, agent_a: MemberPrincipal
    ) -> None:
        contact = await _new_contact(runtime, agent_a)
        page = "https://a.example/" + "x" * 5000
        report: dict[str, object] = {
            "page": page,
            "screen": {"w": 1920},  # not flat: dropped
            "plugins": ["pdf"],
            "ratio": math.inf,
            "bad key": "dropped",
            "touch": True,
            "dpr": 2.0,
            "cores": 8,
        }
        report |= {f"k{n}": n for n in range(40)}

        async with unit_of_work(runtime.sessionmaker) as session:
            loaded = await session.get(Contact, contact.id)
            assert loaded is not None
            await contacts.touch_seen(session, loaded, browser=report)

        stored = await load(runtime, Contact, contact.id)
        assert stored is not None
        assert len(stored.browser) == contacts.MAX_BROWSER_KEYS
        assert stored.browser["page"] == page[: contacts.MAX_BROWSER_TEXT_CHARS]
        assert (stored.browser["touch"], stored.browser["dpr"], stored.browser["cores"]) == (
            True,
            2.0,
            8,
        )
        assert not {"screen", "plugins", "ratio", "bad key"} & set(stored.browser)


class TestFindByExternalId:
    async def test_finds_only_in_its_workspace(
        self, runtime: Runtime, world: World, agent_a: MemberPrincipal
    ) -> None:
        contact = await _new_contact(runtime, agent_a, external_id="crm-9")

        async with runtime.sessionmaker() as session:
            found = await contacts.find_by_external_id(session, world.a.workspace.id, "crm-9")
            elsewhere = await contacts.find_by_external_id(session, world.b.workspace.id, "crm-9")
            missing = await contacts.find_by_external_id(session, world.a.workspace.id, "crm-1")

        assert found is not None
        assert found.id == contact.id
        assert elsewhere is None
        assert missing is None


class TestValuesOutsideJson:
    """Callers other than REST can pass values a JSON body cannot carry."""

    @pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
    async def test_refuses_non_finite_numbers(
        self, runtime: Runtime, agent_a: MemberPrincipal, value: float
    ) -> None:
        async with runtime.sessionmaker() as session:
            with pytest.raises(contacts.InvalidContact) as raised:
                await contacts.create_contact(session, agent_a, attributes={"score": value})

        assert raised.value.detail == "The attribute 'score' must be a finite number."

    @pytest.mark.parametrize("key", ["plan\n", 7])
    async def test_refuses_keys_that_only_look_right(
        self, runtime: Runtime, agent_a: MemberPrincipal, key: object
    ) -> None:
        async with runtime.sessionmaker() as session:
            with pytest.raises(contacts.InvalidContact):
                await contacts.create_contact(session, agent_a, attributes={key: 1})

    async def test_refuses_fields_contacts_do_not_have(
        self, runtime: Runtime, agent_a: MemberPrincipal
    ) -> None:
        contact = await _new_contact(runtime, agent_a)

        async with runtime.sessionmaker() as session:
            loaded = await session.get(Contact, contact.id)
            assert loaded is not None
            with pytest.raises(ValueError, match="no fields"):
                await contacts.update_contact(session, loaded, changes={"workspace_id": "x"})

    async def test_refuses_an_overlong_name_or_external_id(
        self, runtime: Runtime, agent_a: MemberPrincipal
    ) -> None:
        async with runtime.sessionmaker() as session:
            with pytest.raises(contacts.InvalidContact) as name:
                await contacts.create_contact(session, agent_a, name="n" * 201)
            with pytest.raises(contacts.InvalidContact) as external_id:
                await contacts.create_contact(session, agent_a, external_id="e" * 201)

        assert name.value.detail == "A contact's name can be at most 200 characters long."
        assert external_id.value.detail == (
            "A contact's external id can be at most 200 characters long."
        )


class TestConcurrentExternalIds:
    async def test_one_claim_wins_and_the_loser_can_carry_on(
        self, runtime: Runtime, agent_a: MemberPrincipal
    ) -> None:
        """Both transactions see the id free; the database decides, and the loser gets the
        409 with its transaction still usable, so `identify` can load the winner instead."""

        async def second_claim() -> tuple[str, Contact | None]:
            async with unit_of_work(runtime.sessionmaker) as session:
                try:
                    await contacts.create_contact(session, agent_a, external_id="crm-1")
                except contacts.ExternalIdTaken as exc:
                    winner = await contacts.find_by_external_id(
                        session, agent_a.workspace_id, "crm-1"
                    )
                    return exc.detail, winner
            return "created", None

        async with unit_of_work(runtime.sessionmaker) as session:
            first = await contacts.create_contact(session, agent_a, external_id="crm-1")
            second = asyncio.create_task(second_claim())
            await wait_for_a_lock_wait(runtime)
        outcome, winner = await second

        assert outcome == "Another contact in this workspace already has the external id 'crm-1'."
        assert winner is not None
        assert winner.id == first.id
