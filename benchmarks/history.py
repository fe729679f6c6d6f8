"""Fill a store with a realistic history fast: record a few lifecycles, then replicate them.

The engine records one lifecycle of each kind (a grant settled in FY2024, one settled in FY2025,
an application rejected after review); their stored events are the templates. Each replica
copies a template's events under fresh identities: aggregates created in the template get new
ids (derived ones, such as an approval's or a year's disbursement, derived again from the new
ids, so the engine could load them), ids inside the events' JSON are rewritten to match, and
events of aggregates that already existed (the fiscal budgets) continue their versions. Replicas
are written through the recorder in large transactions, so the hash chain links them as it
links everything else. The result is the history the engine would have recorded had it run
every lifecycle itself, at some 20 times the speed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.approval import Approval
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.disbursement import AnnualDisbursement

from builders import ADMIN, APPROVER, SUBMITTED_ON, World, amounts, year  # tests/ on the path
from conftest import travel_to

FINANCE = Actor("finance", Role.FINANCE)
BATCH = 2_000
YEARS = range(2024, 2030)


def prepare(engine: SubsidyEngine) -> World:
    """The builders' world, with appropriations large enough for any number of grants."""
    world = World.build(engine)
    for fiscal_year in (2024, 2025, 2026):
        engine.set_appropriation(ADMIN, fiscal_year=fiscal_year, amount=10**12, reason="bench")
    return world


def settled(world: World, fiscal_year: int) -> None:
    """Apply, review, grant, advance, report, determine and settle one year's grant."""
    engine = world.engine
    application_id = world.reviewed(year(fiscal_year))
    approval_id = engine.approve_application(
        APPROVER, application_id, amounts=amounts((fiscal_year, 1_500_000)), reason="可"
    )
    paid_on, determined_on, settled_on = (
        date(fiscal_year, 4, 15),
        date(fiscal_year + 1, 4, 15),
        date(fiscal_year + 1, 4, 30),
    )
    travel_to(paid_on)  # reports cannot be dated in the future
    engine.record_advance(FINANCE, approval_id, fiscal_year, amount=600_000, paid_on=paid_on)
    cost = (CostLine(CostCategory.HONORARIA, "謝金", 1_200_000),)
    engine.submit_performance_report(
        ADMIN, approval_id, fiscal_year, cost_lines=cost, reported_on=paid_on
    )
    travel_to(determined_on)
    engine.determine_amount(FINANCE, approval_id, fiscal_year, on=determined_on)
    travel_to(settled_on)
    engine.pay_settlement(FINANCE, approval_id, fiscal_year, paid_on=settled_on)
    travel_to(SUBMITTED_ON)


def rejected(world: World) -> None:
    """An FY2026 application reviewed and then rejected."""
    application_id = world.reviewed(year(2026))
    world.engine.reject_application(APPROVER, application_id, reason="事業効果が不明確")


LIFECYCLES: tuple[Callable[[World], None], ...] = (
    lambda world: settled(world, 2024),
    lambda world: settled(world, 2025),
    lambda world: settled(world, 2024),
    lambda world: settled(world, 2025),
    rejected,
)


@dataclass(frozen=True)
class Template:
    """The stored events of one lifecycle, and which aggregates it created."""

    events: tuple[StoredEvent, ...]
    created: tuple[UUID, ...]


def record_template(engine: SubsidyEngine, lifecycle: Callable[[], None]) -> Template:
    """Run ``lifecycle`` through the engine and keep the events it stored."""
    start = (engine.recorder.max_notification_id() or 0) + 1
    lifecycle()
    events = tuple(
        StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
        for n in engine.recorder.select_notifications(start, 10_000)
    )
    created = tuple(UUID(str(e.originator_id)) for e in events if e.originator_version == 1)
    return Template(events, created)


class Replicator:
    """Makes copies of templates under fresh identities, continuing shared aggregates."""

    def __init__(self, engine: SubsidyEngine) -> None:
        self.engine = engine
        self.versions: dict[UUID, int] = {}  # the latest version of each shared aggregate

    def copy(self, template: Template) -> list[StoredEvent]:
        """One replica of ``template``."""
        renamed = self._renamed(template.created)
        swaps = [(old.hex.encode(), new.hex.encode()) for old, new in renamed.items()]
        swaps += [(str(old).encode(), str(new).encode()) for old, new in renamed.items()]
        copies = []
        for event in template.events:
            originator = UUID(str(event.originator_id))
            state = event.state
            for old, new in swaps:
                state = state.replace(old, new)
            if originator in renamed:
                copies.append(
                    StoredEvent(renamed[originator], event.originator_version, event.topic, state)
                )
            else:
                copies.append(
                    StoredEvent(originator, self._next_version(originator), event.topic, state)
                )
        return copies

    def _next_version(self, originator: UUID) -> int:
        if originator not in self.versions:
            latest = self.engine.recorder.select_events(originator, desc=True, limit=1)
            self.versions[originator] = latest[0].originator_version
        self.versions[originator] += 1
        return self.versions[originator]

    @staticmethod
    def _renamed(created: Sequence[UUID]) -> dict[UUID, UUID]:
        renamed: dict[UUID, UUID] = {}
        for old in created:  # in log order: what an id derives from is renamed before it
            renamed[old] = _derived_again(old, renamed) or uuid.uuid4()
        return renamed


def _derived_again(old: UUID, renamed: dict[UUID, UUID]) -> UUID | None:
    """The new id of an aggregate whose id derives from one already renamed, if it does."""
    for source, new_source in renamed.items():
        if Approval.id_for(source) == old:
            return Approval.id_for(new_source)
        for fiscal_year in YEARS:
            if AnnualDisbursement.id_for(source, fiscal_year) == old:
                return AnnualDisbursement.id_for(new_source, fiscal_year)
    return None


def populate(engine: SubsidyEngine, world: World, target: int) -> int:
    """Grow the store to about ``target`` events; returns how many it holds.

    Every lifecycle kind is first recorded once by the engine itself, then replicated in
    turn, ``BATCH`` events per transaction.
    """
    templates = [record_template(engine, partial(lifecycle, world)) for lifecycle in LIFECYCLES]
    replicator = Replicator(engine)
    shared = _shared_aggregates(templates)
    count = engine.recorder.max_notification_id() or 0
    for batch in _batches(replicator, templates, target - count):
        engine.recorder.insert_events(batch)
    for aggregate_id in shared:  # so that loading a budget stays one snapshot away
        engine.take_snapshot(aggregate_id)
    return engine.recorder.max_notification_id() or 0


def _batches(
    replicator: Replicator, templates: Sequence[Template], wanted: int
) -> Iterable[list[StoredEvent]]:
    batch: list[StoredEvent] = []
    made = 0
    while made < wanted:
        for template in templates:
            copies = replicator.copy(template)
            batch.extend(copies)
            made += len(copies)
            if len(batch) >= BATCH or made >= wanted:
                yield batch
                batch = []
            if made >= wanted:
                return


def _shared_aggregates(templates: Sequence[Template]) -> set[UUID]:
    created = {c for t in templates for c in t.created}
    return {UUID(str(e.originator_id)) for t in templates for e in t.events} - created
