import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.jobs.models import Job, JobStatus
from helpline.mail import service as mail
from helpline.mail.models import EmailStatus, OutboxEmail
from tests.fixtures.jobs import captured_logs, get_job, make_due, run_jobs, with_settings

SMTP_PASSWORD = "smtp-password"


@dataclass
class SmtpInbox:
    """What a real SMTP server, listening on loopback for the test, received."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def authenticate(self, *args: Any) -> AuthResult:
        auth_data = args[-1]
        assert isinstance(auth_data, LoginPassword)
        if auth_data.password != SMTP_PASSWORD.encode():
            return AuthResult(success=False)
        self.logins.append(auth_data.login.decode())
        return AuthResult(success=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox(port=free_port())
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=inbox.authenticate,
        # Plain-text AUTH is acceptable on loopback in a test (production uses STARTTLS).
        auth_require_tls=False,
    )
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def logs() -> Iterator[list[dict[str, Any]]]:
    with captured_logs() as entries:
        yield entries


def smtp_runtime(runtime: Runtime, port: int) -> Runtime:
    return with_settings(
        runtime,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_username="helpline",
        smtp_password=SecretStr(SMTP_PASSWORD),
        mail_from="Helpline <no-reply@helpline.example>",
    )


async def queue_one(runtime: Runtime, **fields: Any) -> OutboxEmail:
    values = {"to": "ada@example.test", "subject": "Your invitation", "body": "Open http://x/1"}
    values.update(fields)
    async with unit_of_work(runtime.sessionmaker) as session:
        return await mail.queue_email(session, **values)


async def reload(runtime: Runtime, email_id: uuid.UUID) -> OutboxEmail:
    async with unit_of_work(runtime.sessionmaker) as session:
        email = await session.get(OutboxEmail, email_id)
    assert email is not None
    return email


async def job_for(runtime: Runtime, email_id: uuid.UUID) -> Job:
    async with unit_of_work(runtime.sessionmaker) as session:
        jobs = await session.scalars(select(Job).where(Job.name == mail.SEND_EMAIL_JOB))
        [job] = [job for job in jobs if job.args == {"email_id": str(email_id)}]
    return job


class TestLoggedMode:
    async def test_email_is_logged_with_its_body_and_kept(
        self, runtime: Runtime, logs: list[dict[str, Any]]
    ) -> None:
        email = await queue_one(runtime, body="Accept: http://127.0.0.1:8000/invite?token=s3cret")

        assert await run_jobs(runtime) == 1

        stored = await reload(runtime, email.id)
        assert stored.status == EmailStatus.logged
        assert stored.sent_at is not None
        [entry] = [e for e in logs if e["event"] == "email_logged"]
        assert entry["log_level"] == "info"
        assert entry["to"] == "ada@example.test"
        assert entry["subject"] == "Your invitation"
        assert entry["body"] == "Accept: http://127.0.0.1:8000/invite?token=s3cret"


class TestSmtpMode:
    async def test_email_arrives_with_its_headers_and_body(
        self, runtime: Runtime, smtp_inbox: SmtpInbox
    ) -> None:
        smtp = smtp_runtime(runtime, smtp_inbox.port)
        email = await queue_one(smtp, body="Hello Ada,\n\nReset here: http://x/reset?t=1\n")

        assert await run_jobs(smtp) == 1

        [message] = smtp_inbox.messages
        assert message["From"] == "Helpline <no-reply@helpline.example>"
        assert message["To"] == "ada@example.test"
        assert message["Subject"] == "Your invitation"
        assert message["Message-ID"] == f"<{email.id}@helpline.example>"
        body = message.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends
        assert body == "Hello Ada,\n\nReset here: http://x/reset?t=1\n"
        assert smtp_inbox.recipients == [["ada@example.test"]]
        assert smtp_inbox.logins == ["helpline"]
        assert (await reload(smtp, email.id)).status == EmailStatus.sent

    async def test_delivered_email_is_not_sent_again(
        self, runtime: Runtime, smtp_inbox: SmtpInbox
    ) -> None:
        smtp = smtp_runtime(runtime, smtp_inbox.port)
        email = await queue_one(smtp)
        assert await run_jobs(smtp) == 1
        async with unit_of_work(smtp.sessionmaker) as session:
            # A duplicate delivery job, as an at-least-once queue may produce.
            queue.enqueue(session, mail.SEND_EMAIL_JOB, mail.SendEmailArgs(email_id=email.id))

        assert await run_jobs(smtp) == 1

        assert len(smtp_inbox.messages) == 1

    async def test_missing_email_is_an_expected_outcome(
        self, runtime: Runtime, smtp_inbox: SmtpInbox, logs: list[dict[str, Any]]
    ) -> None:
        smtp = smtp_runtime(runtime, smtp_inbox.port)
        async with unit_of_work(smtp.sessionmaker) as session:
            job = queue.enqueue(
                session, mail.SEND_EMAIL_JOB, mail.SendEmailArgs(email_id=uuid.uuid4())
            )

        assert await run_jobs(smtp) == 1

        assert (await get_job(smtp, job.id)).status == JobStatus.succeeded
        assert smtp_inbox.messages == []
        assert [e["event"] for e in logs if e["event"] == "email_missing"]

    async def test_server_down_retries_then_fails_on_the_last_attempt(
        self, runtime: Runtime, logs: list[dict[str, Any]]
    ) -> None:
        smtp = smtp_runtime(runtime, free_port())  # nothing listens there
        email = await queue_one(smtp)
        job_id = (await job_for(smtp, email.id)).id

        attempts = 0
        while (job := await get_job(smtp, job_id)).status == JobStatus.queued:
            await make_due(smtp, job_id)
            assert await run_jobs(smtp) == 1
            attempts += 1
            job = await get_job(smtp, job_id)
            stored = await reload(smtp, email.id)
            if job.status == JobStatus.queued:
                assert stored.status == EmailStatus.queued  # not failed while retries remain
                assert job.last_error is not None
                assert job.last_error.startswith("ConnectionRefusedError")

        assert attempts == job.max_attempts == 10
        assert job.status == JobStatus.dead
        assert stored.status == EmailStatus.failed
        assert stored.error is not None
        assert stored.error.startswith("ConnectionRefusedError")
        assert stored.sent_at is None
        failures = [e for e in logs if e["event"] in ("job_failed_will_retry", "job_dead")]
        assert [e["attempt"] for e in failures] == list(range(1, 11))
        assert {e["job_id"] for e in failures} == {str(job_id)}
        assert failures[-1]["event"] == "job_dead"
        assert failures[-1]["job_name"] == "mail.send_email"
