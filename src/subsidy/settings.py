"""Typed settings, read from the environment (prefix ``SUBSIDY_``) and from ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/subsidy.sqlite3"


class Settings(BaseSettings):
    """Everything the engine can be configured with.

    Attributes:
        database_url: ``sqlite:///PATH`` (the embedded default), ``postgresql://USER@HOST/DB``
            (optionally ``?schema=NAME``) or ``memory://`` (nothing kept; for tests).
        snapshot_interval: Take a snapshot of an aggregate every this many events.
        aggregate_cache_size: How many recently used aggregates each engine keeps in memory
            (0: none). A cached aggregate is brought up to date from the store on every load,
            so processes sharing a database still see each other's writes at once.
        log_level: The lowest level logged.
        log_format: ``console`` for people, ``json`` for log collectors.
        digest_signing_key: A PEM file holding the Ed25519 private key that signs chain
            digests (``subsidy audit keygen`` makes one); digests are unsigned without it.
        giving360_prefix: The 360Giving publisher prefix (``360G-`` and the publisher's code)
            that 360Giving issues on registration; grant ids in 360Giving exports begin with it.
        giving360_funder_id: The funder's organisation identifier in 360Giving exports
            (``JP-JCN-`` and the Center's 13-digit corporate number); the prefix when unset.
        projection_batch_size: Notifications a projection applies per read-model transaction.
        max_request_bytes: The largest request body the API accepts; larger ones get 413.
        hsts_max_age: Seconds of ``Strict-Transport-Security`` the API asks browsers to keep;
            0 sends no such header. Set it only when the API is reached over TLS alone.
        api_threads: How many synchronous endpoints and dependencies the API runs at once, on
            worker threads (anyio's limiter, 40 unless set); more requests wait for a thread.
    """

    model_config = SettingsConfigDict(env_prefix="SUBSIDY_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    snapshot_interval: int = Field(default=50, ge=2)
    aggregate_cache_size: int = Field(default=1_000, ge=0, le=1_000_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"
    digest_signing_key: Path | None = None
    giving360_prefix: str = Field(
        default="360G-JCRD", pattern=r"^360G-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"
    )
    giving360_funder_id: str | None = Field(default=None, pattern=r"^(JP-JCN-\d{13}|360G-\S+)$")
    projection_batch_size: int = Field(default=500, ge=1, le=100_000)
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    hsts_max_age: int = Field(default=0, ge=0)
    api_threads: int = Field(default=8, ge=2, le=1000)

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(
            ("sqlite:///", "postgresql://", "postgresql+psycopg://", "memory://")
        ):
            msg = (
                "SUBSIDY_DATABASE_URL must start with sqlite:///, postgresql://, "
                "postgresql+psycopg:// or memory://, "
                f"not {value!r}"
            )
            raise ValueError(msg)
        return value
