"""`/api/v1/bot/model`: which language model the workspace uses. The API key is write-only:
it is never read back, only whether one is set and can be read."""

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, SecretStr

from helpline.core.schemas import InputSchema, Schema
from helpline.llm.addresses import MAX_URL_CHARS
from helpline.llm.models import LLMSource

MAX_MODEL_CHARS = 200
MAX_KEY_CHARS = 500

# What answers now: the workspace's endpoint, the platform's, or nothing (offline).
InUse = Literal["workspace", "platform", "offline"]


def _one_line(value: str) -> str:
    if any(c in value for c in "\r\n\t"):
        raise ValueError("must be one line")
    return value


class LLMConfigRead(Schema):
    source: LLMSource
    base_url: str
    model: str
    api_key_set: bool
    # False: the key was sealed under another HELPLINE_SECRET_KEY; enter it again.
    api_key_readable: bool
    # The platform default's model ("": the platform has none, so "platform" means offline).
    platform_model: str
    in_use: InUse


class LLMConfigUpdate(InputSchema):
    """Only the fields sent change. `api_key: ""` removes the key."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "workspace",
                    "base_url": "https://api.example.com/v1",
                    "model": "small-chat-model",
                    "api_key": "sk-example",
                }
            ]
        }
    )

    source: LLMSource | None = None
    base_url: Annotated[str, Field(max_length=MAX_URL_CHARS)] | None = None
    model: Annotated[str, Field(max_length=MAX_MODEL_CHARS), AfterValidator(_one_line)] | None = (
        None
    )
    api_key: Annotated[SecretStr, Field(max_length=MAX_KEY_CHARS)] | None = None


class LLMTestRead(Schema):
    """One short request to the model in use, as the bot would make it."""

    ok: bool
    in_use: InUse
    model: str
    # How long the model took to answer, in milliseconds (None: it did not).
    latency_ms: int | None
    # What went wrong, in words, or "".
    detail: str
