"""The engine's foundation: loading, saving, idempotency, concurrency and the clock."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar, TypeVar, cast
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording
from eventsourcing.utils import get_topic

from subsidy.application.idempotency import IdempotencyRecord, current_request
from subsidy.application.repository import CachingRepository
from subsidy.application.views import ImportSummary
from subsidy.domain.action_plan import ActionPlan
from subsidy.domain.actor import SYSTEM, Actor, Role
from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.approval import Approval
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.errors import (
    ConcurrencyConflict,
    InvalidValue,
    NotFound,
    PermissionDenied,
    RuleViolation,
    SubsidyError,
)
from subsidy.domain.fiscal_budget import FiscalBudget
from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.organisation import Organisation
from subsidy.domain.review import Reviewer
from subsidy.domain.scheme import (
    DEFAULT_SCHEME_CODE,
    DEFAULT_SCHEME_NAME,
    Scheme,
    SchemeParameters,
)
from subsidy.persistence.transcodings import DataclassAsDict, register_domain_transcodings

JAPAN = ZoneInfo("Asia/Tokyo")
_log = structlog.get_logger("subsidy.engine")
PAGE_SIZE = 500
DEFAULT_AGGREGATE_CACHE_SIZE = 1_000

A = TypeVar("A", bound=Aggregate)
Outcome = TypeVar("Outcome")
Clock = Callable[[], datetime]


def event_topic(aggregate_type: type[Aggregate], event_name: str) -> str:
    """The stored topic of ``aggregate_type``'s event class named ``event_name``."""
    return get_topic(getattr(aggregate_type, event_name))


def utc_now() -> datetime:
    """The current instant in UTC."""
    return datetime.now(UTC)


class EngineCore(Application[UUID]):
    """Infrastructure shared by every use case.

    Commands run through :meth:`_execute`, which honours idempotency keys and turns a lost
    race on an aggregate's version into :class:`ConcurrencyConflict`. Aggregates load through
    a cache of the ``aggregate_cache_size`` most recently used (0: none), brought up to date
    from the store on every load (:class:`~subsidy.application.repository.CachingRepository`).
    """

    name = "Subsidy"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict.fromkeys(
        (
            Scheme,
            Organisation,
            PartnershipAgreement,
            ActionPlan,
            GrantApplication,
            Approval,
            Reviewer,
            AnnualDisbursement,
            FiscalBudget,
        ),
        50,
    )

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock = utc_now,
        snapshot_interval: int | None = None,
        aggregate_cache_size: int = DEFAULT_AGGREGATE_CACHE_SIZE,
    ) -> None:
        self._aggregate_cache_size = aggregate_cache_size  # read by construct_repository()
        super().__init__(env)
        self._clock = clock
        self._positions = threading.local()
        self._save_lock = threading.Lock()  # see save()
        if snapshot_interval is not None:
            # The library reads the intervals through the instance, so one engine can differ
            # from the class default without redefining the class.
            intervals = dict.fromkeys(type(self).snapshotting_intervals, snapshot_interval)
            object.__setattr__(self, "snapshotting_intervals", intervals)

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository, or the caching one (the library's env settings ignored)."""
        if self._aggregate_cache_size <= 0:
            return Repository(event_store=self.events, snapshot_store=self.snapshots)
        return CachingRepository(
            self.events, snapshot_store=self.snapshots, maxsize=self._aggregate_cache_size
        )

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Save as the library does, but one save at a time per engine.

        The SQLite store's connection pool queues every request for a connection behind a thread
        waiting for its single writer. With two saves at once, the second waits there while the
        first holds the writer; if SQLite makes the first wait for a read-model transaction that
        needs a connection of the same pool to go on, nothing moves until the pool times out
        (500s under concurrent writes, with the read models following in the same process).
        """
        with self._save_lock:
            return super().save(*objs, **kwargs)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Teach the store the domain's value types and the service's results."""
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)
        transcoder.register(DataclassAsDict(ImportSummary))

    # Time ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The current instant (UTC), from the engine's clock."""
        return self._clock()

    def today(self) -> date:
        """Today's date in Japan, where the scheme's deadlines fall."""
        return self._clock().astimezone(JAPAN).date()

    def _dated(self, actor: Actor, on: date | None, field: str) -> date:
        """The date of an applicant's act: today, unless an administrator records another.

        Applicants cannot choose the date of an adoption, submission, report or withdrawal (it
        decides which rules apply); the Center's administrator can, to record a paper document
        on the day it was received.
        """
        today = self.today()
        if on is None or on == today:
            return today
        if actor.role is not Role.ADMINISTRATOR:
            msg = (
                f"{field} is today ({today.isoformat()}) for this act; only an administrator "
                "records another date, such as a paper document's receipt"
            )
            raise PermissionDenied(msg, field=field, rule="dates.applicant_today")
        if on > today:
            msg = f"{field} {on.isoformat()} is in the future"
            raise InvalidValue(msg, field=field, rule="dates.not_future")
        return on

    # Loading ---------------------------------------------------------------------------

    def _load(
        self, aggregate_type: type[A], aggregate_id: UUID, *, expected_version: int | None = None
    ) -> A:
        aggregate: object
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, aggregate_type):
            msg = f"no {aggregate_type.__name__} with id {aggregate_id}"
            raise NotFound(msg, field="id")
        if expected_version is not None and aggregate.version != expected_version:
            msg = (
                f"{aggregate_type.__name__} {aggregate_id} is at version {aggregate.version}, "
                f"not {expected_version}: it changed since you read it; reload and try again"
            )
            raise ConcurrencyConflict(msg, field="expected_version", rule="optimistic_concurrency")
        return aggregate

    def _read(
        self, aggregate_type: type[A], aggregate_id: UUID, reader: Callable[[A], Outcome]
    ) -> Outcome:
        """What ``reader`` finds in the aggregate as stored now: :meth:`_load` without the copy.

        For checks that only look (who owns a plan, whether a user is revoked): ``reader`` must
        neither change the aggregate nor return a part of it that can change.
        """

        def checked(aggregate: object) -> Outcome:
            if not isinstance(aggregate, aggregate_type):
                raise NotFound(f"no {aggregate_type.__name__} with id {aggregate_id}", field="id")
            return reader(aggregate)

        repository = self.repository
        try:
            if isinstance(repository, CachingRepository):
                return repository.read(aggregate_id, checked)
            return checked(repository.get(aggregate_id))
        except AggregateNotFoundError:
            return checked(None)

    def _exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository

    def _scan(self, topics: Sequence[str]) -> Iterator[Any]:
        """Decode, in log order, every stored event with one of ``topics``."""
        start = 1
        while True:
            page = self.recorder.select_notifications(start, PAGE_SIZE, topics=topics)
            for notification in page:
                yield self.mapper.to_domain_event(notification)
            if len(page) < PAGE_SIZE:
                return
            start = page[-1].id + 1

    # Commands --------------------------------------------------------------------------

    def _execute(
        self,
        command: str,
        actor: Actor,
        idempotency_key: str | None,
        action: Callable[[], tuple[Sequence[Aggregate], Outcome]],
    ) -> Outcome:
        """Run ``action`` and save what it changed, atomically with any idempotency record.

        Args:
            command: The use case's name, checked when a key is presented again.
            actor: Who is acting; keys are scoped to this user.
            idempotency_key: A key the caller may repeat; the first outcome is returned again.
            action: Loads aggregates, calls their methods, and returns them with the outcome.
        """
        record_id = None
        if idempotency_key is not None:
            record_id = IdempotencyRecord.id_for(actor.user_id, idempotency_key)
            previous = self._previous_outcome(record_id, command, current_request())
            if previous is not None:
                return cast(Outcome, previous[0])
        log = _log.bind(command=command, actor=actor.user_id, role=actor.role.value)
        try:
            aggregates, outcome = action()
        except SubsidyError as refusal:
            if record_id is not None:
                # A concurrent call with the same key may have been recorded after the check
                # above and changed what this call was judged on: its outcome is the answer.
                previous = self._previous_outcome(record_id, command, current_request())
                if previous is not None:
                    return cast(Outcome, previous[0])
            log.info("command.refused", reason=refusal.message, rule=refusal.rule)
            raise
        pending: list[Aggregate] = list(aggregates)
        if record_id is not None and idempotency_key is not None:
            pending.append(
                IdempotencyRecord(
                    id=record_id,
                    user_id=actor.user_id,
                    key=idempotency_key,
                    command=command,
                    request=current_request(),
                    outcome=outcome,
                )
            )
        try:
            recordings = self.save(*pending)
        except IntegrityError as error:
            if record_id is not None:
                previous = self._previous_outcome(record_id, command, current_request())
                if previous is not None:
                    return cast(Outcome, previous[0])
            log.info("command.conflict")
            msg = f"{command} lost a race with a concurrent change; reload and try again"
            raise ConcurrencyConflict(msg, rule="optimistic_concurrency") from error
        if recordings:
            self._positions.last = max(r.notification.id for r in recordings)
        log.debug("command.recorded", aggregates=[str(a.id) for a in pending])
        return outcome

    def last_position(self) -> int | None:
        """The log position of the last event this thread's last command recorded.

        A caller that wants to read its own write from the read models waits until the
        projections have reached it (read-your-writes); a repeated idempotent command leaves
        it as it was.
        """
        return getattr(self._positions, "last", None)

    def _update(
        self,
        command: str,
        actor: Actor,
        target: tuple[type[A], UUID],
        change: Callable[[A], Outcome],
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """The shape of most commands: load one aggregate, ``change`` it, save it."""
        aggregate_type, aggregate_id = target

        def action() -> tuple[list[A], Outcome]:
            aggregate = self._load(aggregate_type, aggregate_id, expected_version=expected_version)
            return [aggregate], change(aggregate)

        return self._execute(command, actor, idempotency_key, action)

    def _previous_outcome(self, record_id: UUID, command: str, request: str) -> tuple[Any] | None:
        record: object
        try:
            record = self.repository.get(record_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(record, IdempotencyRecord)
        return (record.replay(command, request),)

    # The scheme ------------------------------------------------------------------------

    def ensure_default_scheme(self) -> UUID:
        """Create the default scheme 地方創生人材育成伴走型支援事業 if it does not exist yet."""
        scheme_id = Scheme.id_for(DEFAULT_SCHEME_CODE)
        if not self._exists(scheme_id):
            scheme = Scheme.register(
                code=DEFAULT_SCHEME_CODE,
                name=DEFAULT_SCHEME_NAME,
                parameters=SchemeParameters(),
                actor=SYSTEM,
            )
            # Another process may create it first: the same scheme, so that is fine.
            with contextlib.suppress(IntegrityError):
                self.save(scheme)
        return scheme_id

    def _parameters_of(self, approval: Approval) -> SchemeParameters:
        """The scheme parameters the approval's application was judged under."""
        scheme = self._load(Scheme, approval.scheme_id)
        return scheme.parameters_at(approval.scheme_version)

    def _budget(self, scheme_id: UUID, fiscal_year: int) -> FiscalBudget:
        budget_id = FiscalBudget.id_for(scheme_id, fiscal_year)
        if not self._exists(budget_id):
            msg = f"no appropriation is set for FY{fiscal_year}; an administrator sets it first"
            raise RuleViolation(msg, field="fiscal_year", rule="budget.appropriation")
        return self._load(FiscalBudget, budget_id)

    def _fund_year(
        self, approval: Approval, fiscal_year: int, before: int, after: int, actor: Actor
    ) -> list[Aggregate]:
        """Move a year's reservation and disbursement from ``before`` to ``after`` yen."""
        year_id = AnnualDisbursement.id_for(approval.id, fiscal_year)
        if self._exists(year_id):
            year = self._load(AnnualDisbursement, year_id)
            year.change_decided(amount=after, on=self.today(), actor=actor)
        else:
            year = AnnualDisbursement.open(
                approval_id=approval.id,
                organisation_id=approval.organisation_id,
                fiscal_year=fiscal_year,
                decided=after,
                decided_on=approval.notice_date,
                report_due_on=self._parameters_of(approval).report_due_on(fiscal_year),
                actor=actor,
            )
        budget = self._budget(approval.scheme_id, fiscal_year)
        if after > before:
            budget.reserve(approval_id=approval.id, amount=after - before, actor=actor)
        else:
            budget.release(
                approval_id=approval.id,
                amount=before - after,
                reason="交付決定の変更による減額",
                actor=actor,
            )
        return [budget, year]

    def _default_scheme(self) -> Scheme:
        return self._load(Scheme, Scheme.id_for(DEFAULT_SCHEME_CODE))
