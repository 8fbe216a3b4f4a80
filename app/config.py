"""Beacon's configuration, read from environment variables (prefix BEACON_)."""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.rules import presence as presence_rules  # the thresholds and their arithmetic
from app.rules.origins import normalized_origin

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'beacon.db'}"

# A listener reads the change log within seconds of a commit (FEED_RECHECK_SECONDS at worst);
# an hour is far beyond any reader's lag, so a shorter retention is refused as a mistake.
MIN_CHANGE_LOG_RETENTION = timedelta(hours=1)
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BEACON_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; sqlite:///path (embedded default) or postgresql://...",
    )
    session_hours: int = Field(
        default=12, ge=1, description="How long a sign-in lasts without activity."
    )
    live_updates: bool = Field(
        default=True, description="Off turns the live link into polling only (rollback switch)."
    )
    poll_seconds: float = Field(
        default=5.0, gt=0, description="Polling interval when live updates are off or unavailable."
    )
    listen_database_url: str = Field(
        default="",
        description="PostgreSQL URL for the feed's LISTEN connection when it must differ from "
        "BEACON_DATABASE_URL (a transaction-mode pooler cannot LISTEN); default: the same.",
    )
    claim_lease_seconds: float = Field(
        default=30.0, gt=0,
        description="How long a worker's claim on a task lasts unless renewed; a dead worker's "
        "task is retried after it.",
    )
    heartbeat_seconds: float = Field(
        default=presence_rules.HEARTBEAT_SECONDS, gt=0,
        description="How often an agent's open page confirms the session is alive.",
    )
    presence_timeout_seconds: float = Field(
        default=presence_rules.OFFLINE_AFTER_SECONDS, gt=0,
        description="A session without a heartbeat for this long no longer counts (>= 2 heartbeats + slack).",
    )
    auto_away_seconds: float = Field(
        default=presence_rules.AUTO_AWAY_SECONDS, gt=0,
        description="Idle time after which an Available agent shows as away.",
    )
    cli_actor: str = Field(
        default="", description="E-mail of the platform admin the CLI acts as when --as is not given."
    )
    change_log_retention: timedelta = Field(
        default=timedelta(days=1),
        description="change_log rows older than this are pruned by the leading worker (\"1d\", \"12h\"; "
        "at least 1h). The newest row is always kept.",
    )
    maintenance_notice_hours: float = Field(
        default=24.0, ge=0,
        description="How long before a scheduled maintenance window starts its notice shows in banners.",
    )
    audit_retention_days: int = Field(
        default=365, ge=1, description="audit_logs rows older than this many days are pruned by the leading worker."
    )

    supabase_jwt_secret: SecretStr = Field(
        default=SecretStr(""),
        description="A Supabase project's JWT secret (Settings > API): its users' access tokens "
        "(HS256) are accepted on the API. Empty: not accepted.",
    )
    supabase_jwks_url: str = Field(
        default="",
        description="A Supabase project's JWKS (https://<ref>.supabase.co/auth/v1/.well-known/jwks.json): "
        "access tokens signed with its asymmetric keys are accepted on the API. Empty: not accepted.",
    )
    supabase_issuer: str = Field(
        default="",
        description="The `iss` a Supabase project puts in its access tokens (https://<ref>.supabase.co/auth/v1); "
        "a token with another issuer is refused. Empty: taken from BEACON_SUPABASE_JWKS_URL (the URL "
        "before /.well-known/jwks.json); with neither, Supabase access tokens are not accepted.",
    )

    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDR ranges of the reverse proxies in front "
        "(\"127.0.0.1,10.0.0.0/8\"). X-Forwarded-For/-Proto are read only from a TCP peer in this "
        "list; empty: never (the TCP peer is the client address).",
    )

    public_origin: str = Field(
        default="",
        description="The one origin browsers reach Beacon at (\"https://beacon.example.com\"): the "
        "websocket and the sign-in accept pages of this origin only, and CORS allows it alone. Empty: "
        "each request's own origin (its Host header, https when it came over TLS or a trusted proxy "
        "said so), and no cross-origin access at all.",
    )

    @field_validator("public_origin")
    @classmethod
    def _one_origin(cls, value: str) -> str:
        if not value.strip():
            return ""
        origin = normalized_origin(value)
        if origin is None:
            raise ValueError(f"not an origin (scheme://host[:port], nothing after): {value!r}")
        return origin

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",")):
            if part:
                try:
                    ipaddress.ip_network(part, strict=False)
                except ValueError:
                    raise ValueError(f"not an address or CIDR range: {part!r}") from None
        return value

    @property
    def cors_allowed_origins(self) -> list[str]:
        """The origins Reflex's CORS and its socket.io server may allow (rxconfig.py): the public
        origin, or none. Beacon's pages are served from the origin they talk to: they need no CORS."""
        return [self.public_origin] if self.public_origin else []

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        parts = (p.strip() for p in self.trusted_proxies.split(","))
        return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)

    @field_validator("change_log_retention", mode="before")
    @classmethod
    def _parse_retention(cls, value: object) -> object:
        """ "1d", "12h", "90m", "3600s"; anything else goes to pydantic (seconds, ISO 8601 "P1D")."""
        if isinstance(value, str) and (match := _DURATION.match(value)):
            return timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))})
        return value

    @field_validator("change_log_retention")
    @classmethod
    def _long_enough(cls, value: timedelta) -> timedelta:
        if value < MIN_CHANGE_LOG_RETENTION:
            raise ValueError(f"keep the change log at least {MIN_CHANGE_LOG_RETENTION} (listeners read it)")
        return value

    @property
    def supabase_token_issuer(self) -> str:
        """The issuer Supabase access tokens must name: the setting, or the JWKS URL's auth base."""
        if self.supabase_issuer:
            return self.supabase_issuer.rstrip("/")
        suffix = "/.well-known/jwks.json"
        if self.supabase_jwks_url.endswith(suffix):
            return self.supabase_jwks_url[: -len(suffix)]
        return ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with psycopg 3 chosen as the PostgreSQL driver."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @property
    def listen_conninfo(self) -> str:
        """A libpq URL (no SQLAlchemy driver suffix) for the LISTEN connection."""
        url = self.listen_database_url or self.database_url
        return url.replace("postgresql+psycopg://", "postgresql://", 1)

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_file_of(self.database_url)


def sqlite_file_of(database_url: str) -> Path | None:
    """The file a sqlite:/// URL names (relative to the current folder, as SQLite reads it); None
    for an in-memory database or another kind of database. The one reading of a SQLite URL."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Tests change the environment between runs; this forgets the cached settings."""
    get_settings.cache_clear()


class ProcessEnvironment(BaseSettings):
    """The variables Beacon reads that other programs own (Reflex's REFLEX_REDIS_URL, granian's
    GRANIAN_WORKERS, the Makefile's HOST and PORT, prometheus-client's PROMETHEUS_MULTIPROC_DIR) and
    BEACON_DEBUG.

    Apart from `Settings` because they must be readable when a BEACON_ setting is wrong (the
    start-up checks and `beacon doctor` report Redis and the port, and BEACON_DEBUG shows the
    traceback, whatever else is broken), and because another program decides what they hold:
    a value Beacon cannot read falls back to its default instead of refusing to start. Read
    afresh each time (`process_environment()`), as Reflex and granian read them.
    """

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True)

    redis_url: str = Field(default="", validation_alias="REFLEX_REDIS_URL",
                           description="Reflex's Redis: shared state and the throttles' shared counters.")
    granian_workers: str = Field(default="", validation_alias="GRANIAN_WORKERS",
                                 description="How many backend worker processes granian starts.")
    host: str = Field(default="", validation_alias="HOST", description="Where `make run` serves.")
    port: str = Field(default="", validation_alias="PORT", description="The port `make run` serves on.")
    debug: str = Field(default="", validation_alias="BEACON_DEBUG",
                       description="1: errors show their traceback instead of one line.")
    metrics_directory: str = Field(default="", validation_alias="PROMETHEUS_MULTIPROC_DIR",
                                   description="prometheus-client's directory where the processes' metrics meet "
                                   "(app/metrics/directory.py); empty: the backend makes one per run.")

    @property
    def backend_workers(self) -> int:
        """GRANIAN_WORKERS when it is a number (Reflex itself starts one worker without Redis)."""
        try:
            return max(1, int(self.granian_workers.strip() or 1))
        except ValueError:
            return 1

    @property
    def debug_enabled(self) -> bool:
        return self.debug.strip().lower() in ("1", "true", "yes", "on")


def process_environment() -> ProcessEnvironment:
    return ProcessEnvironment()
