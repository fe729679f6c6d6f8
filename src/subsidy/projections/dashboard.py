"""The dashboard: the scheme at a glance, from applications to money repaid.

Each application has a row; what it counts for (its status, its days from first submission to
decision, its prefecture's applications and approvals in force) is kept in counters that move
whenever the row changes, so no query reads more than a few hundred rows however large the
store grows: the median time to decision comes from a histogram of days. The budget
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
from subsidy.projections.batch import Batch, Rows
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
        statuses = Table(
            f"rm_dashboard_statuses{suffix}",
            metadata,
            Column("status", String(16), primary_key=True),
            _counter("applications"),
        )
        prefectures = Table(
            f"rm_dashboard_prefectures{suffix}",
            metadata,
            # A lead organisation without a prefecture is counted under NO_PREFECTURE.
            Column("prefecture", String(8), primary_key=True),
            *(_counter(c) for c in ("applications", "approved", "approved_total")),
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
            "statuses": statuses,
            "prefectures": prefectures,
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
        self.statuses = self.rows("statuses")
        self.prefectures = self.rows("prefectures")
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
            drafted = self.applications.insert(
                application_id=application_id,
                prefecture=lead["prefecture"],
                status=ApplicationStatus.DRAFT.value,
            )
            self._count(drafted, 1)
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
        """Change an application's row, moving what it counts for in the kept figures."""
        changed = {**row, **values}
        self.applications.update((row["application_id"],), **values)
        if _counted(row) != _counted(changed):
            self._count(row, -1)
            self._count(changed, 1)

    def _count(self, row: dict[str, Any], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) what ``row`` counts for in the kept figures.

        A key nothing counts for any more is no row, as a fresh build has it.
        """
        status, days, prefecture = _counted(row)
        _add(self.statuses, (status,), applications=sign)
        if days is not None:
            _add(self.decision_days, (days,), decisions=sign)
        if prefecture is not None:
            name, approved, approved_total = prefecture
            _add(
                self.prefectures,
                (name,),
                applications=sign,
                approved=sign * approved,
                approved_total=sign * approved_total,
            )

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


NO_PREFECTURE = ""
"""The key under which applications of a lead organisation without a prefecture are counted."""


def _counted(row: dict[str, Any]) -> tuple[str, int | None, tuple[str, int, int] | None]:
    """What an application's row counts for: its status, its days to decision (once decided)
    and, once submitted, its prefecture with whether its approval is in force and its total."""
    submitted, decided = row["submitted_on"], row["decided_on"]
    days = None if submitted is None or decided is None else (decided - submitted).days
    if submitted is None:
        return row["status"], days, None
    in_force = (
        row["status"] == ApplicationStatus.APPROVED.value and row["approval_status"] == "in_force"
    )
    figures = (1, row["decided_total"] or 0) if in_force else (0, 0)
    return row["status"], days, (row["prefecture"] or NO_PREFECTURE, *figures)


def _add(counters: Rows, key: tuple[Any, ...], **deltas: int) -> None:
    """Add ``deltas`` to a row of counters whose first counter says whether it counts at all."""
    counted = counters.add(key, **deltas)
    if counted[next(iter(deltas))] == 0:
        counters.delete(key)


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
    statuses = _TABLES["statuses"]
    counts = dict.fromkeys((s.value for s in ApplicationStatus), 0)
    query = select(statuses.c.status, statuses.c.applications)
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
    prefectures = _TABLES["prefectures"]
    result = [
        {**row._mapping, "prefecture": row.prefecture or None}
        for row in conn.execute(select(prefectures))
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
