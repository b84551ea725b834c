"""A workspace's LLM endpoint is an address an admin typed that our servers then call, with
the conversation in the request: without a check, it could point at our own network (the
database, Redis, a cloud's metadata service at 169.254.169.254) and read the answers back
through the bot (server-side request forgery).

So by default such an endpoint must be https, named by a public host, and resolve only to
global addresses: checked when it is saved (`checked_url`, which explains what is wrong) and
again before every call (`ensure_public`), since what a name resolves to can change. The
operator can allow private addresses (HELPLINE_LLM_ALLOW_PRIVATE_URLS) for a model on their
own network, such as Ollama on the same machine. The platform's own endpoint
(HELPLINE_LLM_BASE_URL) is the operator's choice and is not checked.

What is left: a name that resolves to a public address for the check and to a private one
for the connection a moment later (DNS rebinding). Closing it means connecting to the
checked address itself; docs/bot.md says so.
"""

import ipaddress
import socket
from typing import Final
from urllib.parse import urlsplit

import anyio

MAX_URL_CHARS: Final = 500
# Names that never reach the public internet, whatever they resolve to.
_LOCAL_SUFFIXES: Final = (".localhost", ".local", ".internal", ".lan", ".home.arpa")
_OWN_NETWORK: Final = (
    "A model on your own network needs the server to allow it (HELPLINE_LLM_ALLOW_PRIVATE_URLS)."
)


class RefusedAddress(ValueError):
    """An endpoint address we will not call; the message says why, for the person who set it."""


def checked_url(raw: str, *, allow_private: bool) -> str:
    """`raw` as an endpoint's base URL (trimmed, without its trailing slash), or RefusedAddress
    with what to change."""
    url = raw.strip().rstrip("/")
    if len(url) > MAX_URL_CHARS:
        raise RefusedAddress(f"The address is too long: at most {MAX_URL_CHARS} characters.")
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError unless the port is a number in range
    except ValueError as exc:
        raise RefusedAddress(f"{url[:80]!r} is not a web address.") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise RefusedAddress(
            f"{url[:80]!r} is not a web address: write one like https://api.example.com/v1."
        )
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("Put the API key in its own field, not in the address.")
    if parts.query or parts.fragment:
        raise RefusedAddress(
            "The address must not carry a query or a fragment: write the base URL the "
            "provider documents, like https://api.example.com/v1."
        )
    if allow_private:
        return url
    if parts.scheme != "https":
        raise RefusedAddress(
            "The address must start with https://, as the API key and the conversations "
            f"travel in the request. {_OWN_NETWORK}"
        )
    host = parts.hostname.rstrip(".").lower()
    literal = _ip(host)
    if literal is not None:
        if not _is_public(literal):
            raise RefusedAddress(f"{host} is not a public address. {_OWN_NETWORK}")
    elif host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
        raise RefusedAddress(f"{host!r} is not a public host name. {_OWN_NETWORK}")
    return url


async def ensure_public(url: str) -> None:
    """RefusedAddress unless every address `url`'s host resolves to now is a public one."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise RefusedAddress(f"The LLM's host {host!r} cannot be resolved.") from exc
    for _family, _type, _proto, _name, sockaddr in found:
        address = _ip(str(sockaddr[0]))
        if address is None or not _is_public(address):
            raise RefusedAddress(f"The LLM's host {host!r} resolves to a private address.")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 one.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
