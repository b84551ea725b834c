"""Sending one email over SMTP with the standard library (blocking: call it in a thread)."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from helpline.mail.models import OutboxEmail
from helpline.settings import Settings


def build_message(settings: Settings, email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    # The same Message-ID on every retry lets receiving servers drop a duplicate delivery.
    message["Message-ID"] = f"<{email.id}@{_sender_domain(settings)}>"
    message.set_content(email.body_text)
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    timeout_s = settings.smtp_timeout.total_seconds()
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout_s) as client:
        if settings.smtp_starttls:
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        client.send_message(message)


def _sender_domain(settings: Settings) -> str:
    _, address = parseaddr(settings.mail_from)
    return address.rpartition("@")[2] or "localhost"
