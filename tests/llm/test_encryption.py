"""Sealed secrets: readable back under the same secret key and purpose, and by nothing else."""

import pytest

from helpline.core import encryption
from helpline.settings import Settings


def _settings(secret_key: str) -> Settings:
    return Settings(secret_key=secret_key)


KEY_A = "a" * 40
KEY_B = "b" * 40


def test_a_sealed_value_opens_under_the_same_key_and_purpose() -> None:
    settings = _settings(KEY_A)
    token = encryption.seal(settings, "llm-api-key", "sk-live-1234")

    assert "sk-live-1234" not in token
    assert encryption.unseal(settings, "llm-api-key", token) == "sk-live-1234"


def test_sealing_twice_gives_different_tokens() -> None:
    settings = _settings(KEY_A)

    assert encryption.seal(settings, "p", "same") != encryption.seal(settings, "p", "same")


def test_another_secret_key_cannot_open_it() -> None:
    token = encryption.seal(_settings(KEY_A), "llm-api-key", "sk-live-1234")

    with pytest.raises(encryption.Unreadable):
        encryption.unseal(_settings(KEY_B), "llm-api-key", token)


def test_a_value_sealed_for_one_purpose_does_not_open_as_another() -> None:
    settings = _settings(KEY_A)
    token = encryption.seal(settings, "llm-api-key", "sk-live-1234")

    with pytest.raises(encryption.Unreadable):
        encryption.unseal(settings, "other-purpose", token)


def test_an_altered_token_is_refused() -> None:
    settings = _settings(KEY_A)
    token = encryption.seal(settings, "p", "sk-live-1234")
    altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]

    with pytest.raises(encryption.Unreadable):
        encryption.unseal(settings, "p", altered)
    with pytest.raises(encryption.Unreadable):
        encryption.unseal(settings, "p", "not a token at all")
