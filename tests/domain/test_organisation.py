"""Organisations: identifiers with check digits, prefectures, and consortium members."""

import pytest

from subsidy.domain.errors import InvalidValue, PermissionDenied, RuleViolation
from subsidy.domain.organisation import Organisation, normalise_name
from subsidy.domain.organisation_names import OrganisationKind

from domain_builders import ADMIN, APPLICANT, MEMBER_ID, emitted, names


def sapporo(code: str | None = None, corporate_number: str | None = None) -> Organisation:
    return Organisation.register(
        name="北海道札幌市",
        kind=OrganisationKind.MUNICIPALITY,
        prefecture="北海道",
        actor=ADMIN,
        local_government_code=code,
        corporate_number=corporate_number,
    )


def test_register_records_the_organisation_with_its_checked_identifiers() -> None:
    organisation = sapporo(code="011002", corporate_number="7000012050002")

    events = emitted(organisation)
    assert names(events) == ["Registered"]
    assert events[0].local_government_code == "011002"
    assert events[0].corporate_number == "7000012050002"
    assert events[0].prefecture == "北海道"
    assert events[0].actor == ADMIN
    assert organisation.id == Organisation.id_for("北海道札幌市")


def test_register_normalises_the_name_so_one_body_has_one_identity() -> None:
    organisation = Organisation.register(
        name=" 北海道札幌市 ", kind=OrganisationKind.MUNICIPALITY, prefecture="北海道", actor=ADMIN
    )

    assert organisation.name == "北海道札幌市"
    assert organisation.id == Organisation.id_for("北海道札幌市")


def test_register_refuses_a_local_government_code_with_a_wrong_check_digit() -> None:
    with pytest.raises(InvalidValue, match="check digit 3") as raised:
        sapporo(code="011003")

    assert raised.value.field == "local_government_code"
    assert raised.value.rule == "check_digit"


def test_register_refuses_a_corporate_number_with_a_wrong_check_digit() -> None:
    with pytest.raises(InvalidValue, match="check digit 8") as raised:
        sapporo(corporate_number="8000012050002")

    assert raised.value.field == "corporate_number"
    assert raised.value.rule == "check_digit"


@pytest.mark.parametrize("prefecture", ["東京", "北海道庁", "Tokyo", ""])
def test_register_refuses_a_prefecture_that_is_not_one_of_the_47(prefecture: str) -> None:
    with pytest.raises(InvalidValue, match="not one of the 47 prefectures") as raised:
        Organisation.register(
            name="どこかの町",
            kind=OrganisationKind.MUNICIPALITY,
            prefecture=prefecture,
            actor=ADMIN,
        )

    assert raised.value.field == "prefecture"


def test_register_accepts_a_body_without_a_prefecture() -> None:
    organisation = Organisation.register(
        name="一般財団法人地域活性化センター",
        kind=OrganisationKind.OTHER,
        prefecture=None,
        actor=ADMIN,
    )

    assert organisation.prefecture is None


def test_register_refuses_a_blank_name() -> None:
    with pytest.raises(InvalidValue, match="needs a name") as raised:
        Organisation.register(
            name="　", kind=OrganisationKind.MUNICIPALITY, prefecture="北海道", actor=ADMIN
        )

    assert raised.value.field == "name"


def test_register_refuses_an_organisation_listed_as_its_own_member() -> None:
    own_id = Organisation.id_for("北海道札幌市")

    with pytest.raises(RuleViolation, match="its own member") as raised:
        Organisation.register(
            name="北海道札幌市",
            kind=OrganisationKind.COUNCIL,
            prefecture="北海道",
            actor=ADMIN,
            member_ids=(own_id,),
        )

    assert raised.value.field == "member_ids"


def test_register_refuses_an_applicant() -> None:
    with pytest.raises(PermissionDenied, match="administrator"):
        Organisation.register(
            name="北海道札幌市",
            kind=OrganisationKind.MUNICIPALITY,
            prefecture="北海道",
            actor=APPLICANT,
        )


def test_add_member_records_the_constituent_body() -> None:
    organisation = sapporo()
    organisation.collect_events()

    organisation.add_member(member_id=MEMBER_ID, actor=ADMIN)

    events = emitted(organisation)
    assert names(events) == ["MemberAdded"]
    assert events[0].member_id == MEMBER_ID
    assert events[0].actor == ADMIN
    assert organisation.member_ids == [MEMBER_ID]


def test_add_member_refuses_the_organisation_itself() -> None:
    organisation = sapporo()
    organisation.collect_events()

    with pytest.raises(RuleViolation, match="its own member") as raised:
        organisation.add_member(member_id=organisation.id, actor=ADMIN)

    assert raised.value.field == "member_id"
    assert organisation.collect_events() == []


def test_add_member_refuses_a_body_that_is_already_a_member() -> None:
    organisation = sapporo()
    organisation.add_member(member_id=MEMBER_ID, actor=ADMIN)
    organisation.collect_events()

    with pytest.raises(RuleViolation, match="already a member") as raised:
        organisation.add_member(member_id=MEMBER_ID, actor=ADMIN)

    assert raised.value.field == "member_id"
    assert organisation.collect_events() == []


def test_add_member_refuses_anyone_but_an_administrator() -> None:
    organisation = sapporo()
    organisation.collect_events()

    with pytest.raises(PermissionDenied):
        organisation.add_member(member_id=MEMBER_ID, actor=APPLICANT)

    assert organisation.collect_events() == []


def test_a_name_spelled_with_a_space_is_the_same_organisation() -> None:
    spaced = Organisation.id_for("千葉県 いすみ市")

    plain = Organisation.id_for("千葉県いすみ市")

    assert spaced == plain
    assert normalise_name("Nippon  Foundation ") == "Nippon Foundation"
