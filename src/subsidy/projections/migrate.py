"""Bring the read-model tables to the latest migration (Alembic), once per database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(db: Engine) -> Config:
    """An Alembic configuration for the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db
    return config


def migrate(db: Engine) -> None:
    """Upgrade the read-model tables to the head revision."""
    config = alembic_config(db)
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def new_revision(db: Engine, message: str) -> None:
    """Write a migration for the difference between the database and the projections' tables."""
    config = alembic_config(db)
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def check(db: Engine) -> None:
    """Raise if the projections' tables differ from what the migrations built."""
    config = alembic_config(db)
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)
