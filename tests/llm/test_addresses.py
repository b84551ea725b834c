"""A workspace's LLM address: public https hosts only, unless the platform allows private
ones; refused with a sentence that says what to change."""

import pytest

from helpline.llm.addresses import RefusedAddress, checked_url, ensure_public


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.example.com/v1", "https://api.example.com/v1"),
        ("  https://api.example.com/v1/  ", "https://api.example.com/v1"),
        ("https://api.example.com:8443/openai/v1", "https://api.example.com:8443/openai/v1"),
        ("https://8.8.8.8/v1", "https://8.8.8.8/v1"),
    ],
)
def test_public_https_addresses_are_kept_trimmed(raw: str, expected: str) -> None:
    assert checked_url(raw, allow_private=False) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("api.example.com/v1", "not a web address"),
        ("ftp://api.example.com/v1", "not a web address"),
        ("https://", "not a web address"),
        ("https://api.example.com:99999/v1", "not a web address"),
        ("https://user:sk-123@api.example.com/v1", "API key in its own field"),
        ("https://api.example.com/v1?key=1", "query or a fragment"),
        ("http://api.example.com/v1", "https://"),
        ("https://localhost:11434/v1", "not a public host"),
        ("https://ollama.internal/v1", "not a public host"),
        ("https://printer.local/v1", "not a public host"),
        ("https://gpu-box/v1", "not a public host"),
        ("https://127.0.0.1/v1", "not a public address"),
        ("https://10.1.2.3/v1", "not a public address"),
        ("https://192.168.1.20/v1", "not a public address"),
        ("https://169.254.169.254/latest", "not a public address"),
        ("https://100.64.0.1/v1", "not a public address"),
        ("https://[::1]/v1", "not a public address"),
        ("https://[::ffff:10.0.0.1]/v1", "not a public address"),
        ("https://[fd00::1]/v1", "not a public address"),
        ("https://0.0.0.0/v1", "not a public address"),
        ("https://" + "a" * 500 + ".com", "too long"),
    ],
)
def test_addresses_inside_a_network_or_malformed_are_refused(raw: str, says: str) -> None:
    with pytest.raises(RefusedAddress, match=says):
        checked_url(raw, allow_private=False)


def test_the_platform_may_allow_private_addresses_and_plain_http() -> None:
    assert checked_url("http://127.0.0.1:11434/v1/", allow_private=True) == (
        "http://127.0.0.1:11434/v1"
    )
    # What is malformed stays refused.
    with pytest.raises(RefusedAddress, match="API key in its own field"):
        checked_url("http://user:key@127.0.0.1/v1", allow_private=True)


async def test_a_name_that_resolves_to_a_private_address_is_refused_before_a_call() -> None:
    # The name check at saving time does not see what a name resolves to: this one does.
    with pytest.raises(RefusedAddress, match="resolves to a private address"):
        await ensure_public("https://localhost:1/v1")
    with pytest.raises(RefusedAddress, match="resolves to a private address"):
        await ensure_public("http://127.0.0.1:1/v1")


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(RefusedAddress, match="cannot be resolved"):
        await ensure_public("https://no-such-host.invalid/v1")
