import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs.models import Job
from helpline.mail import service as mail
from helpline.mail.models import EmailStatus, OutboxEmail


class RollbackError(Exception):
    pass


async def count(runtime: Runtime, model: type[Job] | type[OutboxEmail]) -> int:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


class TestQueueEmail:
    async def test_keeps_the_email_and_enqueues_its_delivery(self, runtime: Runtime) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            email = await mail.queue_email(session, to="a@example.test", subject="S", body="B")

        async with unit_of_work(runtime.sessionmaker) as session:
            stored = await session.get(OutboxEmail, email.id)
            [job] = await session.scalars(select(Job))
        assert stored is not None
        assert (stored.to_address, stored.subject, stored.body_text) == ("a@example.test", "S", "B")
        assert stored.status == EmailStatus.queued
        assert (job.name, job.args) == ("mail.send_email", {"email_id": str(email.id)})

    async def test_rollback_discards_the_email_and_its_job(self, runtime: Runtime) -> None:
        async def queue_then_fail() -> None:
            async with unit_of_work(runtime.sessionmaker) as session:
                await mail.queue_email(session, to="a@example.test", subject="S", body="B")
                raise RollbackError

        with pytest.raises(RollbackError):
            await queue_then_fail()

        assert await count(runtime, OutboxEmail) == 0
        assert await count(runtime, Job) == 0

    @pytest.mark.parametrize(
        ("to", "subject"),
        [("a@example.test\r\nBcc: b@example.test", "S"), ("a@example.test", "S\nBcc: x")],
    )
    async def test_refuses_header_injection(
        self, session: AsyncSession, to: str, subject: str
    ) -> None:
        with pytest.raises(ValueError, match="line breaks"):
            await mail.queue_email(session, to=to, subject=subject, body="B")
        assert not session.new


class TestListOutbox:
    async def test_newest_first_up_to_the_limit(self, runtime: Runtime) -> None:
        for n in range(3):
            async with unit_of_work(runtime.sessionmaker) as session:
                await mail.queue_email(session, to=f"{n}@example.test", subject=f"S{n}", body="B")

        async with unit_of_work(runtime.sessionmaker) as session:
            newest = await mail.list_outbox(session, limit=2)
            everything = await mail.list_outbox(session)

        assert [e.subject for e in newest] == ["S2", "S1"]
        assert [e.subject for e in everything] == ["S2", "S1", "S0"]
