"""Reviewers, their declared ties, and the reviews they record."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, RuleViolation
from subsidy.domain.organisation_names import PREFECTURES
from subsidy.domain.scheme import ConflictPolicy, SchemeParameters

MAX_SCORE = 5
CONFLICT_RULE = "review.conflict_of_interest"


class Recommendation(Enum):
    """A reviewer's recommendation to the approver."""

    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


@dataclass(frozen=True)
class Review:
    """One reviewer's review in one review round: a 0–5 score per rubric criterion."""

    reviewer_id: str
    scores: dict[str, int]
    recommendation: Recommendation
    comment: str

    @property
    def total(self) -> int:
        """The sum of the criterion scores."""
        return sum(self.scores.values())


def check_scores(scores: dict[str, int], parameters: SchemeParameters) -> None:
    """Refuse scores that miss, add or mis-score a rubric criterion."""
    expected = set(parameters.review_criteria)
    missing = sorted(expected - scores.keys())
    unknown = sorted(scores.keys() - expected)
    if missing or unknown:
        msg = (
            f"score each rubric criterion exactly once: missing {missing or 'none'}, "
            f"unknown {unknown or 'none'}"
        )
        raise InvalidValue(msg, field="scores", rule="review.rubric")
    for criterion, score in scores.items():
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
            msg = f"the score for {criterion} must be a whole number from 0 to 5, not {score!r}"
            raise InvalidValue(msg, field=f"scores.{criterion}", rule="review.rubric")


@dataclass(frozen=True)
class ApplyingBody:
    """A body an application is made by or for, as conflict-of-interest checks see it."""

    id: UUID
    name: str
    prefecture: str | None


class ConflictOfInterest(RuleViolation):
    """A reviewer is tied to the applicant, a member body or (by policy) its prefecture."""


class Reviewer(Aggregate):
    """A reviewer (審査員) and the ties they declared (利害関係の申告)."""

    @staticmethod
    def id_for(user_id: str) -> UUID:
        """One reviewer record per user."""
        return uuid5(NAMESPACE_URL, f"subsidy:reviewer:{user_id}")

    @classmethod
    def register(
        cls,
        *,
        user_id: str,
        name: str,
        tied_organisation_ids: tuple[UUID, ...],
        tied_prefectures: tuple[str, ...],
        actor: Actor,
    ) -> Reviewer:
        """Register a reviewer with the organisations and prefectures they are tied to."""
        actor.require(Role.ADMINISTRATOR)
        if not user_id.strip() or not name.strip():
            raise InvalidValue("a reviewer needs a user id and a name", field="user_id")
        for prefecture in tied_prefectures:
            if prefecture not in PREFECTURES:
                msg = f"{prefecture!r} is not one of the 47 prefectures"
                raise InvalidValue(msg, field="tied_prefectures")
        return cls(
            id=cls.id_for(user_id),
            user_id=user_id,
            name=name,
            tied_organisation_ids=list(tied_organisation_ids),
            tied_prefectures=list(tied_prefectures),
            actor=actor,
        )

    @event("Registered")
    def __init__(
        self,
        *,
        id: UUID,
        user_id: str,
        name: str,
        tied_organisation_ids: list[UUID],
        tied_prefectures: list[str],
        actor: Actor,
    ) -> None:
        self.user_id = user_id
        self.name = name
        self.tied_organisation_ids = list(tied_organisation_ids)
        self.tied_prefectures = list(tied_prefectures)

    def check_independent_of(
        self, bodies: list[ApplyingBody], parameters: SchemeParameters
    ) -> None:
        """Refuse if tied to any applying body or, if the scheme says so, to its prefecture."""
        by_prefecture = parameters.conflict_policy is ConflictPolicy.ORGANISATION_AND_PREFECTURE
        for body in bodies:
            if body.id in self.tied_organisation_ids:
                msg = f"reviewer {self.user_id} is tied to {body.name}, which applies"
                raise ConflictOfInterest(msg, field="reviewer_id", rule=CONFLICT_RULE)
            if by_prefecture and body.prefecture in self.tied_prefectures:
                msg = (
                    f"reviewer {self.user_id} is tied to {body.prefecture}, where {body.name} is; "
                    "the scheme bars reviewers tied to the applicant's prefecture"
                )
                raise ConflictOfInterest(msg, field="reviewer_id", rule=CONFLICT_RULE)
