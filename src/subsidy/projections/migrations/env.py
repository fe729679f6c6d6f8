"""Alembic's entry point: migrate the read models on the connection the engine hands over."""

from __future__ import annotations

from alembic import context

from subsidy.projections.registry import read_model_metadata

VERSION_TABLE = "read_model_version"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=read_model_metadata(),
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
