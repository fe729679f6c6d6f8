"""Derive an organisation's prefecture and kind from its Japanese name.

The brochure lists partners by name only (千葉県いすみ市, 兵庫県町村会), so the importer reads the
prefecture from the name's prefix and the kind from its suffix. Bodies whose names follow neither
convention are listed explicitly rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

from subsidy.domain.errors import InvalidValue

# JIS X 0401 order, which is also the order of the first two digits of 全国地方公共団体コード.
PREFECTURES: tuple[str, ...] = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
    "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
    "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
    "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
    "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
    "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
    "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)  # fmt: skip


class OrganisationKind(Enum):
    """The kinds of body that may sign a partnership agreement or apply for the grant."""

    PREFECTURE = "prefecture"
    MUNICIPALITY = "municipality"
    SPECIAL_WARD = "special_ward"
    PARTIAL_AFFAIRS_ASSOCIATION = "partial_affairs_association"
    WIDE_AREA_UNION = "wide_area_union"
    COUNCIL = "council"
    ASSOCIATION_OF_MAYORS = "association_of_mayors"
    ASSOCIATION_OF_TOWNS_AND_VILLAGES = "association_of_towns_and_villages"
    OTHER = "other"

    @property
    def label_ja(self) -> str:
        """The kind's name in Japanese, e.g. 一部事務組合."""
        return _LABELS_JA[self]


_LABELS_JA: Mapping[OrganisationKind, str] = MappingProxyType(
    {
        OrganisationKind.PREFECTURE: "都道府県",
        OrganisationKind.MUNICIPALITY: "市町村",
        OrganisationKind.SPECIAL_WARD: "特別区",
        OrganisationKind.PARTIAL_AFFAIRS_ASSOCIATION: "一部事務組合",
        OrganisationKind.WIDE_AREA_UNION: "広域連合",
        OrganisationKind.COUNCIL: "協議会",
        OrganisationKind.ASSOCIATION_OF_MAYORS: "市長会",
        OrganisationKind.ASSOCIATION_OF_TOWNS_AND_VILLAGES: "町村会",
        OrganisationKind.OTHER: "その他",
    }
)

_BODY_SUFFIXES: tuple[tuple[str, OrganisationKind], ...] = (
    ("町村会", OrganisationKind.ASSOCIATION_OF_TOWNS_AND_VILLAGES),
    ("市長会", OrganisationKind.ASSOCIATION_OF_MAYORS),
    ("事務組合", OrganisationKind.PARTIAL_AFFAIRS_ASSOCIATION),
    ("広域連合", OrganisationKind.WIDE_AREA_UNION),
    ("協議会", OrganisationKind.COUNCIL),
)
_MUNICIPAL_SUFFIXES = ("市", "町", "村")

# Bodies whose names carry no prefecture; the prefecture comes from where the body is based.
KNOWN_BODIES: Mapping[str, tuple[str | None, OrganisationKind]] = MappingProxyType(
    {
        "最上地域政策研究所": ("山形県", OrganisationKind.OTHER),
        # A private foundation with a national remit: it belongs to no prefecture.
        "日本財団": (None, OrganisationKind.OTHER),
    }
)


def derive_prefecture_and_kind(name: str) -> tuple[str | None, OrganisationKind]:
    """Derive the prefecture and the kind of an organisation from its Japanese name.

    Examples: 千葉県いすみ市 → (千葉県, municipality); 東京都港区 → (東京都, special_ward);
    兵庫県町村会 → (兵庫県, association_of_towns_and_villages); 富山県 → (富山県, prefecture).

    Args:
        name: The name as printed; spaces are ignored.

    Returns:
        The prefecture (one of PREFECTURES, or None when the name does not say and the body is not
        in KNOWN_BODIES) and the kind (OTHER when no rule applies).

    Raises:
        InvalidValue: The name is empty.
    """
    compact = "".join(name.split())
    if not compact:
        raise InvalidValue(
            f"Organisation name {name!r} is empty; give the name as printed, e.g. 千葉県いすみ市.",
            field="name",
            rule="organisation_name",
        )
    if compact in KNOWN_BODIES:
        return KNOWN_BODIES[compact]
    prefecture = next((p for p in PREFECTURES if compact.startswith(p)), None)
    rest = compact[len(prefecture) :] if prefecture else compact
    return prefecture, _kind_of(prefecture, rest)


def _kind_of(prefecture: str | None, rest: str) -> OrganisationKind:
    if prefecture and not rest:
        return OrganisationKind.PREFECTURE
    for suffix, kind in _BODY_SUFFIXES:
        if rest.endswith(suffix):
            return kind
    # Only Tokyo's 23 wards are local governments; the wards of designated cities are not.
    if prefecture == "東京都" and rest.endswith("区"):
        return OrganisationKind.SPECIAL_WARD
    if rest.endswith(_MUNICIPAL_SUFFIXES):
        return OrganisationKind.MUNICIPALITY
    return OrganisationKind.OTHER
