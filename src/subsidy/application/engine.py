"""The engine: every use case of the scheme in one ``eventsourcing`` application."""

from __future__ import annotations

from subsidy.application.accounts import AccountUseCases
from subsidy.application.applications import ApplicationUseCases
from subsidy.application.approvals import ApprovalUseCases
from subsidy.application.audit import AuditUseCases
from subsidy.application.finance import FinanceUseCases
from subsidy.application.organisations import OrganisationUseCases
from subsidy.application.plans import PlanUseCases


class SubsidyEngine(
    OrganisationUseCases,
    PlanUseCases,
    ApplicationUseCases,
    ApprovalUseCases,
    FinanceUseCases,
    AuditUseCases,
    AccountUseCases,
):
    """The service layer of the grant scheme.

    Each public method is one use case: it loads aggregates, calls their methods (which check
    the scheme's rules), and saves the new events in one transaction. Commands accept an
    ``idempotency_key`` and an ``expected_version``; see :class:`EngineCore`.
    """

    name = "Subsidy"
