"""Settings read from the environment once, in `create_app()` or the command line."""

from typing import Literal

from pydantic import ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///coursegraph.db"


class Settings(BaseSettings):
    """Every setting has a safe default; the README lists them all."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    # queries over HTTP read from this PostgreSQL replica; mutations (their payloads too),
    # subscriptions and everything else stay on DATABASE_URL (graph/context.py, docs/deployment.md)
    database_replica_url: str | None = None
    db_application_name: str = "coursegraph"  # PostgreSQL application_name; the replica's gets "-replica"
    db_pool_size: int = 10
    # connections beyond the pool under bursts, each closed again when returned: every one costs a
    # connect and the re-planning of each statement it runs, so under steady load past the pool
    # they churn (docs/performance.md, step 5); by default a request waits for a pooled one, in order
    db_max_overflow: int = 0
    db_pool_timeout_seconds: float = 5.0  # wait for a free connection, then SERVICE_UNAVAILABLE
    db_connect_timeout_seconds: float = 5.0  # wait for the server to accept a new connection
    db_statement_timeout_ms: int = 15_000
    # PostgreSQL's plan_cache_mode for every connection: every statement is prepared with a fixed
    # text, so one generic plan per statement and connection instead of planning each execution
    # anew (docs/performance.md, step 4); `auto` is PostgreSQL's own default
    db_plan_cache_mode: Literal["force_generic_plan", "auto", "force_custom_plan"] = "force_generic_plan"
    sql_echo: bool = False
    graphiql: bool = True
    compiled_reads: bool = True  # queries with a SQL shape answered by one statement (PostgreSQL)
    introspection: bool = True
    default_page_size: int = 20
    max_page_size: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_query_cost: int = 50_000
    max_body_bytes: int = 1_048_576
    persisted_queries: str = "apq"  # apq | allowlist | off (graph/persisted.py)
    persisted_queries_manifest: str | None = None
    persisted_query_ttl_seconds: int = 7 * 24 * 3600
    persisted_query_cache_size: int = 1_000
    prometheus_multiproc_dir: str | None = None  # set by `coursegraph serve --workers N` (graph/metrics.py)
    # multipart uploads (contract §10): the body may reach the largest per-module limit (1 GiB) plus
    # the operations; each file is then held to its module's own limit
    max_upload_body_bytes: int = 1_074_790_400
    upload_dir: str = "uploads"  # where LocalDiskStorage keeps submitted files
    download_url_ttl_seconds: int = 900  # lifetime of a signed file download URL
    redis_url: str | None = None
    redis_namespace: str = "coursegraph"
    rate_limit_per_credential: int = 1_200
    rate_limit_per_ip: int = 600
    secret_key: str | None = None
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    login_max_failures: int = 5
    login_failure_window_seconds: int = 900
    webhook_worker: bool = True  # deliver webhooks from a background task of each service process
    webhook_poll_seconds: float = 5.0
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_seconds: float = 30.0
    webhook_backoff_cap_seconds: float = 21_600.0
    webhook_lease_seconds: float = 120.0
    webhook_batch_size: int = 50
    # Live sessions: the provider of new sessions ("builtin" works offline; "liveminutes" is 002's
    # API), per portal slug where `live_session_providers` names one.
    live_session_provider: str = "builtin"
    live_session_providers: dict[str, str] = {}
    classroom_url: str = "https://classroom.learn-cube.com/classv3/"  # 000's join link, ours to fill
    liveminutes_url: str = "http://api.liveminutes.com/"
    liveminutes_account_sid: str | None = None
    liveminutes_auth_token: str | None = None
    liveminutes_timeout_seconds: float = 10.0
    # Operations (docs/operations.md): logs, the access log, traces, shutdown
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    access_log: bool = True  # one line per HTTP request (uvicorn's own access log is always off)
    otel_enabled: bool = False  # OpenTelemetry traces; needs the `otel` extra
    # the standard variable: a comma-separated list of otlp (OTEL_EXPORTER_OTLP_* as usual), console, none
    otel_traces_exporter: str = "otlp"
    otel_service_name: str = "coursegraph"
    graceful_shutdown_seconds: int = 30  # in-flight requests may finish this long after SIGTERM

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_replica_url")
    @classmethod
    def _replica_of_postgresql(cls, url: str | None, info: ValidationInfo) -> str | None:
        """Refused rather than ignored: an operator who names a replica expects queries to go there."""
        if url and (url.startswith("sqlite") or str(info.data.get("database_url", "")).startswith("sqlite")):
            raise ValueError("a read replica needs PostgreSQL as DATABASE_URL and DATABASE_REPLICA_URL; unset it")
        return url or None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
