"""What each grantee holds, per approval and fiscal year, folded from the money events.

The same arithmetic the finance ledger uses: payments in, principal repaid out. It reads only
the events, never the aggregates, so comparing it with the aggregates checks both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from subsidy.domain.disbursement import AnnualDisbursement

TOPIC_EVENTS = (
    (AnnualDisbursement, "Opened"),
    (AnnualDisbursement, "PaymentRecorded"),
    (AnnualDisbursement, "RepaymentReceived"),
)


def holdings(events: Iterable[Any]) -> dict[tuple[UUID, int], int]:
    """Held yen per (approval id, fiscal year): paid less principal repaid."""
    years: dict[UUID, tuple[UUID, int]] = {}
    held: dict[tuple[UUID, int], int] = defaultdict(int)
    for event in events:
        name = type(event).__name__
        if name == "Opened":
            years[event.originator_id] = (event.approval_id, event.fiscal_year)
            held[years[event.originator_id]] += 0
        elif name == "PaymentRecorded":
            held[years[event.originator_id]] += event.payment.amount
        elif name == "RepaymentReceived":
            principal = sum(a.principal for a in event.repayment.allocations)
            held[years[event.originator_id]] -= principal
    return dict(held)
