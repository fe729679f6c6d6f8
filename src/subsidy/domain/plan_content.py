"""What an Action Plan says: its period, the people it trains and the measures per year."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from subsidy.domain.errors import InvalidValue


class TargetRole(Enum):
    """The roles the people trained are meant to take (目指すべき人物像)."""

    REGIONAL_LEADER = "regional_leader"  # 地域リーダー
    PROJECT_LEADER = "project_leader"  # プロジェクトリーダー
    PLAYER = "player"  # プレイヤー


class ParticipantGroup(Enum):
    """Who takes part in the training."""

    LOCAL_GOVERNMENT_STAFF = "local_government_staff"  # 地方公共団体職員
    RESIDENTS = "residents"  # 地域住民
    RELATED_BODIES = "related_bodies"  # 関係団体の職員
    COMPANIES = "companies"  # 企業の職員


class Component(Enum):
    """Programme components from the brochure (プログラムの構成要素)."""

    BASIC_QUALITIES = "basic_qualities"  # 基礎的資質の向上
    PROBLEM_SOLVING = "problem_solving"  # 問題発見・解決能力の向上
    ECONOMIC_CYCLE_ANALYSIS = "economic_cycle_analysis"  # 地域経済循環構造の分析
    OTHER = "other"


class DeliveryMode(Enum):
    """How a measure is delivered."""

    ON_SITE = "on_site"  # 現地での研修会
    ONLINE = "online"  # オンライン
    ARCHIVE = "archive"  # アーカイブ配信
    CENTER_SEMINAR = "center_seminar"  # 地方創生セミナー
    CENTER_PRACTICE_SCHOOL = "center_practice_school"  # 地方創生実践塾
    LEADER_ACADEMY = "leader_academy"  # 全国地域リーダー養成塾
    SUBSCRIPTION = "subscription"  # 地域力創造大学校


@dataclass(frozen=True)
class Measure:
    """One training measure in one fiscal year."""

    fiscal_year: int
    component: Component
    delivery_mode: DeliveryMode
    description: str
    planned_participants: int


@dataclass(frozen=True)
class Indicator:
    """A target the plan measures itself by, e.g. 研修修了者数 40 人."""

    name: str
    target: int
    unit: str


@dataclass(frozen=True)
class PlanContent:
    """One version of an Action Plan's content."""

    title: str
    first_fiscal_year: int
    last_fiscal_year: int
    target_roles: tuple[TargetRole, ...]
    participant_groups: tuple[ParticipantGroup, ...]
    measures: tuple[Measure, ...]
    indicators: tuple[Indicator, ...] = ()
    member_ids: tuple[UUID, ...] = ()

    def __post_init__(self) -> None:
        for name in ("target_roles", "participant_groups", "measures", "indicators", "member_ids"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def years(self) -> int:
        """The plan's length in fiscal years, both ends counted."""
        return self.last_fiscal_year - self.first_fiscal_year + 1

    def covers(self, fiscal_year: int) -> bool:
        """Whether ``fiscal_year`` lies inside the plan's period."""
        return self.first_fiscal_year <= fiscal_year <= self.last_fiscal_year

    def check(self) -> None:
        """Refuse a plan that is incomplete or contradicts itself."""
        if not self.title.strip():
            raise InvalidValue("an Action Plan needs a title", field="title")
        if self.last_fiscal_year < self.first_fiscal_year:
            msg = (
                f"the plan ends in FY{self.last_fiscal_year}, "
                f"before it starts in FY{self.first_fiscal_year}"
            )
            raise InvalidValue(msg, field="last_fiscal_year")
        if not self.target_roles:
            raise InvalidValue("name at least one target role", field="target_roles")
        if not self.participant_groups:
            raise InvalidValue("name at least one participant group", field="participant_groups")
        if not self.measures:
            raise InvalidValue("an Action Plan needs at least one measure", field="measures")
        for index, measure in enumerate(self.measures):
            self._check_measure(index, measure)
        for index, indicator in enumerate(self.indicators):
            if not indicator.name.strip() or indicator.target < 0:
                msg = "an indicator needs a name and a target of zero or more"
                raise InvalidValue(msg, field=f"indicators[{index}]")

    def _check_measure(self, index: int, measure: Measure) -> None:
        field = f"measures[{index}]"
        if not self.covers(measure.fiscal_year):
            msg = (
                f"measure in FY{measure.fiscal_year} lies outside the plan's period "
                f"FY{self.first_fiscal_year}–FY{self.last_fiscal_year}"
            )
            raise InvalidValue(msg, field=f"{field}.fiscal_year")
        if not measure.description.strip():
            raise InvalidValue("a measure needs a description", field=f"{field}.description")
        if measure.planned_participants < 1:
            msg = "planned participants must be at least 1"
            raise InvalidValue(msg, field=f"{field}.planned_participants")
