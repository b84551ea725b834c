"""Every setting Helpline reads, from `HELPLINE_*` environment variables (or a `.env` file).

Settings are read once by `get_settings()` and passed down; nothing else reads the environment.
"""

from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    development = "development"
    testing = "testing"
    production = "production"


def _seconds_or_iso(value: object) -> object:
    # Environment values are strings: read "900" or "0.5" as seconds, as people write them.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


# A duration from seconds ("900", "0.5") or ISO 8601 ("PT15M").
Duration = Annotated[timedelta, BeforeValidator(_seconds_or_iso)]

# Common images, PDF, plain text and CSV, zip, and office documents (Microsoft and OpenDocument).
DEFAULT_ATTACHMENT_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
)

DEV_SECRET_KEY = "helpline-development-secret-key-change-me-0000"  # noqa: S105 (dev-only default)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HELPLINE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- Service -----------------------------------------------------------------------
    environment: Environment = Environment.development
    host: str = "127.0.0.1"
    port: int = 8000
    # Public base URL, used in links inside emails (invitations, password resets).
    public_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    # "console" for people, "json" for log collectors.
    log_format: str = "console"
    # Peers whose X-Forwarded-For header is trusted for the client address (a load balancer).
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1"])

    # --- Database ----------------------------------------------------------------------
    # Empty means SQLite in `data_dir`; otherwise a SQLAlchemy async URL such as
    # postgresql+asyncpg://user:password@host/dbname.
    database_url: str = ""
    database_pool_size: int = 10
    sqlite_busy_timeout_ms: int = 5000

    # --- Redis (optional) --------------------------------------------------------------
    # When set, rate limits (and later presence and real-time fan-out) live in Redis so
    # that several nodes share them.
    redis_url: str = ""

    # --- Security ----------------------------------------------------------------------
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    access_token_ttl: Duration = timedelta(minutes=15)
    refresh_token_ttl: Duration = timedelta(days=30)
    invitation_ttl: Duration = timedelta(days=7)
    password_reset_ttl: Duration = timedelta(hours=1)
    # argon2id cost. The defaults follow RFC 9106's second recommendation; tests lower them.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Whether anyone may create a workspace with POST /api/v1/auth/signup.
    allow_signup: bool = False

    # --- Rate limits (attempts per window) ---------------------------------------------
    login_limit_per_account: int = 10
    login_limit_per_ip: int = 50
    reset_limit_per_account: int = 5
    reset_limit_per_ip: int = 20
    signup_limit_per_account: int = 5
    signup_limit_per_ip: int = 10
    rate_limit_window: Duration = timedelta(minutes=15)

    # --- Widget ------------------------------------------------------------------------
    # How long a visitor token lives; resuming the session extends it again by this much.
    visitor_session_ttl: Duration = timedelta(days=90)
    # Visitor session requests (POST /api/v1/widget/sessions) per minute.
    widget_session_limit_per_ip: int = 60
    widget_session_limit_per_workspace: int = 1000
    # Messages a visitor may send per minute.
    widget_message_limit_per_visitor: int = 20
    # Files a visitor may upload per minute (POST /api/v1/widget/conversations/{id}/attachments).
    widget_upload_limit_per_visitor: int = 20

    # --- Real time -------------------------------------------------------------------
    # Frames a socket may have waiting; a client further behind is disconnected with the
    # resync close code and catches up from the database.
    ws_queue_size: int = Field(default=512, ge=8)
    ws_heartbeat_interval: Duration = timedelta(seconds=25)
    # How often an open socket re-checks its login session or visitor token: the longest a
    # revoked credential keeps a socket open.
    ws_auth_recheck: Duration = timedelta(seconds=10)
    # Sockets are closed (code 4002) after this long, and clients reconnect.
    ws_max_lifetime: Duration = timedelta(hours=1)
    # Most messages a reconnecting socket is sent per conversation; further behind, the
    # client is told to refetch over REST (resync_required).
    ws_resume_limit: int = Field(default=500, ge=1)

    # --- Jobs --------------------------------------------------------------------------
    # Run the job dispatcher inside `helpline serve`. Turn off when `helpline worker`
    # processes run the jobs.
    run_jobs_in_web: bool = True
    job_concurrency: int = 4
    job_poll_interval: Duration = timedelta(seconds=1)
    # A running job's claim expires after this long without a heartbeat, and another worker
    # takes it over: this is how jobs survive a crashed worker.
    job_lease: Duration = timedelta(seconds=60)
    # Test and plugin job modules the worker imports, besides helpline.tasks.
    extra_task_modules: list[str] = []

    # --- Email -------------------------------------------------------------------------
    # Without an SMTP host, emails are written to the log and kept in the outbox table.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_timeout: Duration = timedelta(seconds=20)
    mail_from: str = "Helpline <no-reply@localhost>"

    # --- Attachments -------------------------------------------------------------------
    # Where uploaded files are kept: "local" is settings.data_dir / "attachments".
    attachment_storage: Literal["local"] = "local"
    # The largest file accepted, in bytes (10 MiB).
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # The media types accepted. Images and PDFs are also checked by their first bytes.
    attachment_types: list[str] = Field(default_factory=lambda: list(DEFAULT_ATTACHMENT_TYPES))

    # --- Assignment --------------------------------------------------------------------
    # How long a member's sockets may all be gone (no heartbeat) before the presence
    # watchdog sets them offline and hands their conversations to others.
    presence_grace: Duration = timedelta(seconds=90)

    # --- Bot (docs/bot.md) ------------------------------------------------------------------
    # An OpenAI-compatible chat endpoint (https://host/v1) the bot writes answers with; empty:
    # the offline default, which answers with the best FAQ answer or passage as it stands.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    # How long the bot waits for the LLM before it hands the conversation to a person.
    llm_timeout: Duration = timedelta(seconds=15)
    # Whether a workspace's own LLM endpoint may be a private or loopback address (a model on
    # your own network, such as Ollama here) or plain http. Off: public https hosts only, so
    # that an admin's address cannot make our servers call into our own network
    # (llm/addresses.py). The platform's endpoint above is never restricted.
    llm_allow_private_urls: bool = False
    # Whether the bot and knowledge search fuse embeddings with full-text search (the fused
    # confidence is calibrated for hand-off: docs/benchmarks.md, Bot). Without a model, full-text
    # only either way. Vectors are computed either way.
    retrieval_embeddings: bool = True
    # The workspaces' vector matrices kept in each process between questions (least recently
    # used dropped first; about 12 MiB per 8,000 chunks of all-MiniLM-L6-v2). 0: no cache.
    retrieval_vector_cache_mb: int = Field(default=256, ge=0)
    # An OpenAI-compatible embeddings endpoint (https://host/v1) retrieval embeds with instead of
    # the offline all-MiniLM-L6-v2 (docs/knowledge.md); empty: the offline model, or full-text
    # search only when its files are not installed (`helpline models` says which).
    embeddings_base_url: str = ""
    embeddings_model: str = ""
    embeddings_api_key: SecretStr = SecretStr("")

    # --- Operations (README, Operations) -------------------------------------------------
    # Without a token, /metrics answers only clients on loopback (or a trusted proxy's own
    # address); with one, also anyone who sends it as a bearer token.
    metrics_token: SecretStr = SecretStr("")
    # /api/v1/ready says "degraded" once a due job has waited longer than this.
    ready_max_job_delay: Duration = timedelta(seconds=60)
    # How long a stopping `helpline serve` waits for sockets to close and requests to finish.
    shutdown_timeout: Duration = timedelta(seconds=10)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "HELPLINE_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'helpline.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def check_production_ready(self) -> list[str]:
        """Problems that make these settings unsafe to serve real users with."""
        problems = []
        if self.secret_key.get_secret_value() == DEV_SECRET_KEY:
            problems.append(
                "HELPLINE_SECRET_KEY is the development default; set a long random value."
            )
        if len(self.secret_key.get_secret_value()) < 32:
            problems.append("HELPLINE_SECRET_KEY must be at least 32 characters long.")
        return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
