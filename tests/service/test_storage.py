"""Event versioning, snapshots and what a restarted engine reads back."""

from __future__ import annotations

import json

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from subsidy.application import SubsidyEngine
from subsidy.domain.organisation import Organisation
from subsidy.domain.organisation_names import OrganisationKind

from builders import ADMIN, World, year
from conftest import ALL_STORES, DURABLE_STORES, make_engine


def v1_registered(name: str) -> StoredEvent:
    """An ``Organisation.Registered`` event exactly as version 1 of the code stored it."""
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2023-04-01T00:00:00+00:00"},
        "originator_topic": get_topic(Organisation),
        "name": name,
        "kind": {"_type_": "enum:OrganisationKind", "_data_": "municipality"},
        "prefecture": "千葉県",
        "local_government_code": "122386",
        "member_ids": [],
        "actor": {
            "_type_": "value:Actor",
            "_data_": {
                "user_id": "admin",
                "role": {"_type_": "enum:Role", "_data_": "administrator"},
                "organisation_id": None,
            },
        },
    }
    return StoredEvent(
        originator_id=Organisation.id_for(name),
        originator_version=1,
        topic=get_topic(Organisation.Registered),
        state=json.dumps(state, ensure_ascii=False).encode(),
    )


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_stored_v1_organisation_loads_through_the_upcaster(engine: SubsidyEngine) -> None:
    engine.recorder.insert_events([v1_registered("千葉県いすみ市")])

    organisation = engine.organisation(Organisation.id_for("千葉県いすみ市"))

    assert organisation.name == "千葉県いすみ市"
    assert organisation.local_government_code == "122386"
    assert organisation.corporate_number is None
    assert organisation.kind == OrganisationKind.MUNICIPALITY.value


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_new_organisations_store_the_v2_schema(engine: SubsidyEngine) -> None:
    organisation_id = engine.register_organisation(
        ADMIN,
        name="日本財団",
        kind=OrganisationKind.OTHER,
        prefecture=None,
        corporate_number="7000012050002",
    )

    stored = engine.recorder.select_events(organisation_id)[0]

    assert json.loads(stored.state)["class_version"] == 2
    assert engine.organisation(organisation_id).corporate_number == "7000012050002"


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_a_long_history_loads_from_a_snapshot_with_the_same_state(store_url: str) -> None:
    engine = make_engine(store_url, snapshot_interval=4)
    world = World.build(engine)
    application_id = world.reviewed(year(2024))
    assert engine.snapshots is not None
    replayed = None
    for event in engine.events.get(application_id):
        replayed = event.mutate(replayed)

    snapshots = list(engine.snapshots.get(application_id))
    from_snapshot = engine.repository.get(application_id)

    assert [s.originator_version for s in snapshots] == [4]
    assert from_snapshot.version == 6
    assert vars(from_snapshot) == vars(replayed)


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_a_restarted_engine_reads_back_every_decision(store_url: str) -> None:
    engine = make_engine(store_url)
    world = World.build(engine)
    approval_id = world.approved()
    engine.close()

    restarted = make_engine(store_url)

    assert restarted.approval(approval_id).total == 4_500_000
    assert len(restarted.list_agreements()) == 1
    assert restarted.scheme().parameters_version == 1
