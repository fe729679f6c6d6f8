import pytest

from subsidy.domain.errors import InvalidValue
from subsidy.domain.organisation_names import (
    PREFECTURES,
    OrganisationKind,
    derive_prefecture_and_kind,
)


def test_prefectures_are_the_47_in_jis_order() -> None:
    prefectures = PREFECTURES

    assert len(set(prefectures)) == 47
    assert (prefectures[0], prefectures[12], prefectures[26], prefectures[46]) == (
        "北海道",
        "東京都",
        "大阪府",
        "沖縄県",
    )


def test_no_prefecture_name_is_a_prefix_of_another_so_the_first_match_is_the_only_one() -> None:
    prefectures = PREFECTURES

    clashes = [(a, b) for a in prefectures for b in prefectures if a != b and b.startswith(a)]

    assert clashes == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("千葉県いすみ市", ("千葉県", OrganisationKind.MUNICIPALITY)),
        ("三重県四日市市", ("三重県", OrganisationKind.MUNICIPALITY)),
        ("北海道芽室町", ("北海道", OrganisationKind.MUNICIPALITY)),
        ("東京都八王子市", ("東京都", OrganisationKind.MUNICIPALITY)),
        ("兵庫県町村会", ("兵庫県", OrganisationKind.ASSOCIATION_OF_TOWNS_AND_VILLAGES)),
        ("東京都港区", ("東京都", OrganisationKind.SPECIAL_WARD)),
        ("長野県木曾広域連合", ("長野県", OrganisationKind.WIDE_AREA_UNION)),
        ("山形県置賜広域行政事務組合", ("山形県", OrganisationKind.PARTIAL_AFFAIRS_ASSOCIATION)),
        ("徳島県市長会", ("徳島県", OrganisationKind.ASSOCIATION_OF_MAYORS)),
        ("静岡県地域活性化協議会", ("静岡県", OrganisationKind.COUNCIL)),
        ("富山県", ("富山県", OrganisationKind.PREFECTURE)),
        ("東京都", ("東京都", OrganisationKind.PREFECTURE)),
    ],
)
def test_derive_reads_the_prefecture_from_the_prefix_and_the_kind_from_the_suffix(
    name: str, expected: tuple[str, OrganisationKind]
) -> None:
    derived = derive_prefecture_and_kind(name)

    assert derived == expected


def test_derive_treats_only_tokyo_wards_as_special_wards() -> None:
    name = "大阪府大阪市北区"

    derived = derive_prefecture_and_kind(name)

    assert derived == ("大阪府", OrganisationKind.OTHER)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("最上地域政策研究所", ("山形県", OrganisationKind.OTHER)),
        ("日本財団", (None, OrganisationKind.OTHER)),
    ],
)
def test_derive_uses_the_table_for_known_bodies_whose_name_lacks_a_prefecture(
    name: str, expected: tuple[str | None, OrganisationKind]
) -> None:
    derived = derive_prefecture_and_kind(name)

    assert derived == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("高知市", (None, OrganisationKind.MUNICIPALITY)),
        ("地域活性化センター", (None, OrganisationKind.OTHER)),
    ],
)
def test_derive_leaves_the_prefecture_unknown_when_the_name_does_not_say(
    name: str, expected: tuple[str | None, OrganisationKind]
) -> None:
    derived = derive_prefecture_and_kind(name)

    assert derived == expected


def test_derive_ignores_spaces_in_the_name() -> None:
    name = "千葉県　いすみ市 "

    derived = derive_prefecture_and_kind(name)

    assert derived == ("千葉県", OrganisationKind.MUNICIPALITY)


@pytest.mark.parametrize("name", ["", "  ", "\u3000"])
def test_derive_rejects_an_empty_name(name: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        derive_prefecture_and_kind(name)

    assert raised.value.field == "name"


def test_every_kind_has_its_own_japanese_label() -> None:
    kinds = list(OrganisationKind)

    labels = [kind.label_ja for kind in kinds]

    assert len(set(labels)) == len(kinds) == 9
    assert OrganisationKind.PARTIAL_AFFAIRS_ASSOCIATION.label_ja == "一部事務組合"
    assert OrganisationKind.SPECIAL_WARD.label_ja == "特別区"


def test_kind_values_are_the_stored_strings() -> None:
    value = "association_of_towns_and_villages"

    kind = OrganisationKind(value)

    assert kind is OrganisationKind.ASSOCIATION_OF_TOWNS_AND_VILLAGES
    assert kind.value == value
