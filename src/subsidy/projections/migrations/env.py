"""Alembic's entry point: migrate the read models on the connection the engine hands over."""

from __future__ import annotations

from alembic import context

from subsidy.projections.registry import read_model_metadata

VERSION_TABLE = "read_model_version"

connection = context.config.attributes["connection"]
metadata = read_model_metadata()


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Compare only the read models: the event store shares the database but is not ours."""
    del parent_names
    return type_ != "table" or name in metadata.tables


context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_name=include_name,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
