"""The dashboard: the scheme at a glance, from applications to money repaid.

Counts by status and by prefecture come from one row per application; the time to decision
from a histogram (days from first submission to decision → decisions), moved whenever an
application's dates change, so the median never reads more than a few hundred rows. The budget
and money figures come from one row per fiscal year, moved by ``FiscalBudget`` and
``AnnualDisbursement`` events; the reviewers' workload from their assignments and reviews.
Every lookup it needs (prefectures, the fiscal year of each budget and disbursement) is its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    func,
    select,
)

from subsidy.domain.approval import Approval
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.fiscal_budget import FiscalBudget
from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.organisation import Organisation
from subsidy.domain.review import Reviewer
from subsidy.domain.workflow import ApplicationStatus
from subsidy.projections.base import Projection
from subsidy.projections.batch import Batch
from subsidy.projections.support import (
    APPROVAL_EVENTS,
    STATUS_VALUE_AFTER,
    event_names,
    organisation,
    organisations_table,
    record_organisation,
    text_id,
)
from subsidy.projections.topics import topics_of

APPLICATION_EVENTS = (
    "Drafted",
    "Submitted",
    "Resubmitted",
    "ReviewerAssigned",
    "ReviewRecorded",
    "Approved",
    "Rejected",
    "Returned",
    "Withdrawn",
)
BUDGET_EVENTS = ("Appropriated", "AppropriationChanged", "Reserved", "Released")
MONEY_EVENTS = ("Opened", "PaymentRecorded", "RepaymentReceived")


def _counter(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False, default=0)


class Dashboard(Projection):
    """Figures for the Center's dashboard, each kept current event by event."""

    name: ClassVar[str] = "dashboard"
    topics = (
        *topics_of(Organisation, "Registered"),
        *topics_of(Reviewer, "Registered"),
        *topics_of(GrantApplication, *APPLICATION_EVENTS),
        *topics_of(Approval, *APPROVAL_EVENTS),
        *topics_of(FiscalBudget, *BUDGET_EVENTS),
        *topics_of(AnnualDisbursement, *MONEY_EVENTS),
    )

    def define(self, metadata: MetaData, suffix: str = "") -> dict[str, Table]:
        applications = Table(
            f"rm_dashboard_applications{suffix}",
            metadata,
            Column("application_id", String(36), primary_key=True),
            Column("prefecture", String(8), nullable=True),
            Column("status", String(16), nullable=False),
            Column("submitted_on", Date, nullable=True),
            Column("decided_on", Date, nullable=True),
            Column("approval_id", String(36), nullable=True),
            Column("approval_status", String(16), nullable=True),
            Column("decided_total", BigInteger, nullable=True),
            Index(f"ix_rm_dashboard_applications_approval{suffix}", "approval_id"),
        )
        years = Table(
            f"rm_dashboard_fiscal_years{suffix}",
            metadata,
            Column("fiscal_year", Integer, primary_key=True),
            *(_counter(c) for c in ("appropriated", "reserved", "paid", "repaid")),
        )
        aggregates = Table(
            f"rm_dashboard_aggregates{suffix}",
            metadata,
            Column("aggregate_id", String(36), primary_key=True),
            Column("fiscal_year", Integer, nullable=False),
            _counter("appropriated"),
        )
        decision_days = Table(
            f"rm_dashboard_decision_days{suffix}",
            metadata,
            Column("days", Integer, primary_key=True),
            _counter("decisions"),
        )
        reviewers = Table(
            f"rm_dashboard_reviewers{suffix}",
            metadata,
            Column("reviewer_id", String(200), primary_key=True),
            _counter("assignments"),
            _counter("reviews"),
        )
        return {
            "applications": applications,
            "fiscal_years": years,
            "aggregates": aggregates,
            "decision_days": decision_days,
            "reviewers": reviewers,
            "organisations": organisations_table(metadata, "rm_dashboard", suffix),
        }

    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        return _DashboardBatch(tables, conn)


class _DashboardBatch(Batch):
    """The dashboard's rows: applications, days to decision, fiscal years, budgets, reviewers."""

    def __init__(self, tables: dict[str, Table], conn: Connection | None) -> None:
        super().__init__(tables, conn)
        self.applications = self.rows("applications", lookups=("approval_id",))
        self.decision_days = self.rows("decision_days")
        self.fiscal_years = self.rows("fiscal_years")
        self.aggregates = self.rows("aggregates")
        self.reviewers = self.rows("reviewers")
        self.organisations = self.rows("organisations")

    def apply(self, event: Any, position: int) -> None:
        aggregate, name = event_names(event)
        if aggregate == "Organisation":
            record_organisation(self.organisations, event)
        elif aggregate == "Reviewer":
            self.reviewers.insert(reviewer_id=event.user_id)
        elif aggregate == "GrantApplication":
            self._application(name, event)
        elif aggregate == "Approval":
            self._approval(name, event)
        else:
            self._money(name, event)

    def _application(self, name: str, event: Any) -> None:
        application_id = text_id(event.originator_id)
        if name == "Drafted":
            lead = organisation(self.organisations, event.organisation_id)
            self.applications.insert(
                application_id=application_id,
                prefecture=lead["prefecture"],
                status=ApplicationStatus.DRAFT.value,
            )
            return
        if name == "ReviewerAssigned":
            self.reviewers.add((event.reviewer_id,), assignments=1)
        elif name == "ReviewRecorded":
            self.reviewers.add((event.review.reviewer_id,), reviews=1)
            return
        row = self.applications.get(application_id)
        if row is None:
            return
        values: dict[str, Any] = {"status": STATUS_VALUE_AFTER[name]}
        if name in ("Submitted", "Resubmitted"):
            first = row["submitted_on"]
            values["submitted_on"] = event.submitted_on if first is None else first
        elif name == "Rejected":
            values["decided_on"] = event.decided_on
        self._update_application(row, values)

    def _approval(self, name: str, event: Any) -> None:
        values: dict[str, Any]
        if name == "Granted":
            granted = self.applications.get(text_id(event.application_id))
            rows = [] if granted is None else [granted]
            values = {
                "approval_id": text_id(event.originator_id),
                "approval_status": "in_force",
                "decided_on": event.notice_date,
                "decided_total": sum(a.amount for a in event.amounts),
            }
        else:
            rows = self.applications.find("approval_id", text_id(event.originator_id))
            if name == "Amended":
                values = {"decided_total": sum(a.amount for a in event.amounts)}
            else:
                values = {"approval_status": "revoked" if name == "Revoked" else "withdrawn"}
        for row in rows:
            self._update_application(row, values)

    def _update_application(self, row: dict[str, Any], values: dict[str, Any]) -> None:
        """Change an application's row, moving its decision between the histogram's days."""
        self.applications.update((row["application_id"],), **values)
        before, after = _days_to_decision(row), _days_to_decision({**row, **values})
        if before != after:
            self._count_decision(before, -1)
            self._count_decision(after, 1)

    def _count_decision(self, days: int | None, delta: int) -> None:
        if days is None:
            return
        counted = self.decision_days.add((days,), decisions=delta)
        if counted["decisions"] == 0:  # a day no decision took is no row, as a fresh build has
            self.decision_days.delete((days,))

    def _money(self, name: str, event: Any) -> None:
        aggregate_id = text_id(event.originator_id)
        if name in ("Appropriated", "Opened"):
            self.aggregates.insert(aggregate_id=aggregate_id, fiscal_year=event.fiscal_year)
        aggregate = self.aggregates.require(aggregate_id)
        if name in ("Appropriated", "AppropriationChanged"):
            self.aggregates.update((aggregate_id,), appropriated=event.amount)
        moves = _moves(name, event, aggregate["appropriated"])
        if moves:
            self.fiscal_years.add((aggregate["fiscal_year"],), **moves)


def _days_to_decision(row: dict[str, Any]) -> int | None:
    """Days from the first submission to the decision, once both are known."""
    submitted, decided = row["submitted_on"], row["decided_on"]
    return None if submitted is None or decided is None else (decided - submitted).days


def _moves(name: str, event: Any, appropriated_before: int) -> dict[str, int]:
    """What a budget or money event adds to its fiscal year's figures."""
    if name in ("Appropriated", "AppropriationChanged"):
        return {"appropriated": event.amount - appropriated_before}
    if name in ("Reserved", "Released"):
        return {"reserved": event.amount if name == "Reserved" else -event.amount}
    if name == "PaymentRecorded":
        return {"paid": event.payment.amount}
    if name == "RepaymentReceived":
        return {"repaid": sum(a.principal for a in event.repayment.allocations)}
    return {}


# Queries ---------------------------------------------------------------------------------

_TABLES = Dashboard().define(MetaData())


def dashboard(conn: Connection) -> dict[str, Any]:
    """Every dashboard figure, as plain dicts and lists.

    Returns:
        ``applications_by_status`` (every status, zero included); ``fiscal_years``, per year:
        appropriated, reserved, remaining (appropriated − reserved), paid and repaid (principal);
        ``prefectures``, per lead organisation's prefecture: applications submitted, approvals
        in force and their decided total (revoked and withdrawn decisions are left out);
        ``median_days_to_decision`` from first submission to the approval's notice date or
        the rejection (``None`` before any decision) and ``decisions`` it is taken over; and
        ``reviewers``: assignments and reviews per reviewer.
    """
    histogram = _decision_days(conn)
    return {
        "applications_by_status": _by_status(conn),
        "fiscal_years": _fiscal_years(conn),
        "prefectures": _prefectures(conn),
        "median_days_to_decision": median_of(histogram),
        "decisions": sum(count for _, count in histogram),
        "reviewers": _reviewers(conn),
    }


def _by_status(conn: Connection) -> dict[str, int]:
    rows = _TABLES["applications"]
    counts = dict.fromkeys((s.value for s in ApplicationStatus), 0)
    query = select(rows.c.status, func.count()).group_by(rows.c.status)
    counts.update({status: int(n) for status, n in conn.execute(query)})
    return counts


def _fiscal_years(conn: Connection) -> list[dict[str, Any]]:
    years = _TABLES["fiscal_years"]
    result = []
    for row in conn.execute(select(years).order_by(years.c.fiscal_year)):
        figures = dict(row._mapping)
        figures["remaining"] = figures["appropriated"] - figures["reserved"]
        result.append(figures)
    return result


def _prefectures(conn: Connection) -> list[dict[str, Any]]:
    rows = _TABLES["applications"]
    in_force = and_(
        rows.c.status == ApplicationStatus.APPROVED.value, rows.c.approval_status == "in_force"
    )
    query = (
        select(
            rows.c.prefecture,
            func.count().label("applications"),
            func.sum(case((in_force, 1), else_=0)).label("approved"),
            func.sum(case((in_force, rows.c.decided_total), else_=0)).label("approved_total"),
        )
        .where(rows.c.submitted_on.is_not(None))
        .group_by(rows.c.prefecture)
    )
    result = [
        {key: int(value) if key != "prefecture" else value for key, value in row._mapping.items()}
        for row in conn.execute(query)
    ]
    return sorted(result, key=lambda r: (r["prefecture"] is None, r["prefecture"] or ""))


def _decision_days(conn: Connection) -> list[tuple[int, int]]:
    days = _TABLES["decision_days"]
    query = select(days.c.days, days.c.decisions).where(days.c.decisions > 0)
    return [(int(d), int(n)) for d, n in conn.execute(query.order_by(days.c.days))]


def median_of(histogram: Sequence[tuple[int, int]]) -> float | None:
    """The median of the values a (value, count) histogram in ascending order holds.

    The same as ``statistics.median`` over the values themselves, as a float: the middle value,
    or the mean of the two middle ones; ``None`` for no values.
    """
    total = sum(count for _, count in histogram)
    if not total:
        return None
    middle = ((total - 1) // 2, total // 2)  # 0-based ranks; the same one when total is odd
    found: list[int] = []
    seen = 0
    for value, count in histogram:
        seen += count
        while len(found) < len(middle) and middle[len(found)] < seen:
            found.append(value)
        if len(found) == len(middle):
            break
    return (found[0] + found[1]) / 2


def _reviewers(conn: Connection) -> list[dict[str, Any]]:
    reviewers = _TABLES["reviewers"]
    query = select(reviewers).order_by(reviewers.c.reviewer_id)
    return [dict(row._mapping) for row in conn.execute(query)]
