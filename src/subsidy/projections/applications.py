"""The applications list: one row per grant application, with its organisation and decision.

Status follows the application's own events; the decided total, the notice date and the
approval's status follow the ``Approval`` events. Organisation names and prefectures come from
this projection's own copy of ``Organisation.Registered``.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    or_,
    select,
)

from subsidy.domain.approval import Approval
from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.organisation import Organisation
from subsidy.domain.workflow import ApplicationStatus
from subsidy.projections.base import Projection
from subsidy.projections.batch import Batch
from subsidy.projections.support import (
    APPROVAL_EVENTS,
    STATUS_VALUE_AFTER,
    as_utc,
    event_names,
    organisation,
    organisations_table,
    record_organisation,
    search_key,
    text_id,
)
from subsidy.projections.topics import topics_of

APPLICATION_EVENTS = (
    "Drafted",
    "DraftUpdated",
    "Submitted",
    "Resubmitted",
    "ReviewerAssigned",
    "ReviewRecorded",
    "Approved",
    "Rejected",
    "Returned",
    "Withdrawn",
)
SEARCH_COLUMNS = ("title_key", "organisation_key")


class Applications(Projection):
    """One row per grant application, for the lists the API and the CLI show."""

    name: ClassVar[str] = "applications"
    topics = (
        *topics_of(Organisation, "Registered"),
        *topics_of(GrantApplication, *APPLICATION_EVENTS),
        *topics_of(Approval, *APPROVAL_EVENTS),
    )

    def define(self, metadata: MetaData, suffix: str = "") -> dict[str, Table]:
        rows = Table(
            f"rm_applications{suffix}",
            metadata,
            Column("application_id", String(36), primary_key=True),
            Column("organisation_id", String(36), nullable=False),
            Column("organisation_name", String(200), nullable=False),
            Column("prefecture", String(8), nullable=True),
            Column("member_count", Integer, nullable=False),
            Column("title", Text, nullable=False),
            Column("status", String(16), nullable=False),
            Column("first_fiscal_year", Integer, nullable=True),
            Column("last_fiscal_year", Integer, nullable=True),
            Column("requested_total", BigInteger, nullable=False),
            Column("decided_total", BigInteger, nullable=True),
            Column("drafted_at", DateTime(timezone=True), nullable=False),
            Column("submitted_on", Date, nullable=True),
            Column("decided_on", Date, nullable=True),
            Column("round", Integer, nullable=False),
            Column("approval_id", String(36), nullable=True),
            Column("approval_status", String(16), nullable=True),
            Column("version", Integer, nullable=False),
            Column("position", BigInteger, nullable=False),
            Column("title_key", Text, nullable=False),
            Column("organisation_key", Text, nullable=False),
            Index(f"ix_rm_applications_status{suffix}", "status"),
            Index(f"ix_rm_applications_organisation{suffix}", "organisation_id"),
            Index(f"ix_rm_applications_prefecture{suffix}", "prefecture"),
            Index(f"ix_rm_applications_approval{suffix}", "approval_id"),
            Index(f"ix_rm_applications_years{suffix}", "first_fiscal_year", "last_fiscal_year"),
            Index(f"ix_rm_applications_drafted_at{suffix}", "drafted_at"),
        )
        organisations = organisations_table(metadata, "rm_applications", suffix)
        return {"applications": rows, "organisations": organisations}

    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        return _ApplicationsBatch(tables, conn)


class _ApplicationsBatch(Batch):
    """Application rows (found by id, or by their approval) and the organisations they name."""

    def __init__(self, tables: dict[str, Table], conn: Connection | None) -> None:
        super().__init__(tables, conn)
        self.applications = self.rows("applications", lookups=("approval_id",))
        self.organisations = self.rows("organisations")

    def apply(self, event: Any, position: int) -> None:
        aggregate, name = event_names(event)
        if aggregate == "Organisation":
            record_organisation(self.organisations, event)
        elif aggregate == "Approval":
            self._decision(name, event, position)
        elif name == "Drafted":
            self._drafted(event, position)
        else:
            key = (text_id(event.originator_id),)
            row = self.applications.get(*key)
            if row is not None:
                changes = _changes(row, name, event)
                self.applications.update(
                    key, version=event.originator_version, position=position, **changes
                )

    def _drafted(self, event: Any, position: int) -> None:
        lead = organisation(self.organisations, event.organisation_id)
        self.applications.insert(
            application_id=text_id(event.originator_id),
            organisation_id=lead["organisation_id"],
            organisation_name=lead["name"],
            prefecture=lead["prefecture"],
            member_count=len(event.member_ids),
            status=ApplicationStatus.DRAFT.value,
            drafted_at=event.timestamp,
            round=0,
            version=event.originator_version,
            position=position,
            organisation_key=search_key(lead["name"]),
            **_content(event),
        )

    def _decision(self, name: str, event: Any, position: int) -> None:
        approval_id = text_id(event.originator_id)
        values: dict[str, Any] = {"position": position}
        if name == "Granted":
            granted = self.applications.get(text_id(event.application_id))
            rows = [] if granted is None else [granted]
            values.update(
                approval_id=approval_id,
                approval_status="in_force",
                decided_total=sum(a.amount for a in event.amounts),
                decided_on=event.notice_date,
            )
        else:
            rows = self.applications.find("approval_id", approval_id)
            if name == "Amended":
                values["decided_total"] = sum(a.amount for a in event.amounts)
            else:
                values["approval_status"] = "revoked" if name == "Revoked" else "withdrawn"
        for row in rows:
            self.applications.update((row["application_id"],), **values)


def _changes(row: dict[str, Any], name: str, event: Any) -> dict[str, Any]:
    """What an application's own event changes in its row."""
    changes: dict[str, Any] = {}
    if name in STATUS_VALUE_AFTER:
        changes["status"] = STATUS_VALUE_AFTER[name]
    if name == "DraftUpdated":
        changes.update(_content(event))
    elif name in ("Submitted", "Resubmitted"):
        first = row["submitted_on"]
        changes["submitted_on"] = event.submitted_on if first is None else first
        changes["round"] = row["round"] + 1
    elif name == "Rejected":
        changes["decided_on"] = event.decided_on
    return changes


def _content(event: Any) -> dict[str, Any]:
    """The columns a draft's content sets (on ``Drafted`` and ``DraftUpdated``)."""
    years = [y.fiscal_year for y in event.years]
    return {
        "title": event.title,
        "title_key": search_key(event.title),
        "first_fiscal_year": min(years, default=None),
        "last_fiscal_year": max(years, default=None),
        "requested_total": sum(y.requested for y in event.years),
    }


# Queries ---------------------------------------------------------------------------------

_TABLE = Applications().define(MetaData())["applications"]


def list_applications(
    conn: Connection,
    *,
    status: str | None = None,
    fiscal_year: int | None = None,
    prefecture: str | None = None,
    organisation_id: UUID | str | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Applications matching every filter given, newest draft first.

    Args:
        conn: A connection to the read-model database.
        status: One of the workflow's statuses (``draft`` … ``withdrawn``).
        fiscal_year: Applications whose budget spans this fiscal year.
        prefecture: The lead organisation's prefecture, e.g. ``千葉県``.
        organisation_id: The lead organisation.
        text: A piece of the title or of the lead organisation's name, in any case or width.
        limit: At most this many rows.
        offset: Rows skipped first, for paging.
    """
    columns = [c for c in _TABLE.columns if c.name not in SEARCH_COLUMNS]
    query = (
        select(*columns)
        .where(*_filters(status, fiscal_year, prefecture, organisation_id, text))
        .order_by(_TABLE.c.drafted_at.desc(), _TABLE.c.application_id)
        .limit(limit)
        .offset(offset)
    )
    return [_row(row._mapping) for row in conn.execute(query)]


def count_applications(
    conn: Connection,
    *,
    status: str | None = None,
    fiscal_year: int | None = None,
    prefecture: str | None = None,
    organisation_id: UUID | str | None = None,
    text: str | None = None,
) -> int:
    """How many applications :func:`list_applications` would list without a limit."""
    query = select(func.count()).select_from(_TABLE)
    query = query.where(*_filters(status, fiscal_year, prefecture, organisation_id, text))
    return int(conn.execute(query).scalar_one())


def _filters(
    status: str | None,
    fiscal_year: int | None,
    prefecture: str | None,
    organisation_id: UUID | str | None,
    text: str | None,
) -> list[ColumnElement[bool]]:
    t = _TABLE.c
    filters: list[ColumnElement[bool]] = []
    if status is not None:
        filters.append(t.status == status)
    if fiscal_year is not None:
        filters += [t.first_fiscal_year <= fiscal_year, t.last_fiscal_year >= fiscal_year]
    if prefecture is not None:
        filters.append(t.prefecture == prefecture)
    if organisation_id is not None:
        filters.append(t.organisation_id == str(organisation_id))
    if text:
        key = search_key(text)
        filters.append(
            or_(
                t.title_key.contains(key, autoescape=True),
                t.organisation_key.contains(key, autoescape=True),
            )
        )
    return filters


def _row(mapping: Any) -> dict[str, Any]:
    row = dict(mapping)
    row["drafted_at"] = as_utc(row["drafted_at"])
    return row
