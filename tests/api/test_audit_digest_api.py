"""The hash chain's digest over HTTP."""

from __future__ import annotations

from api_helpers import api, bearer

from subsidy.application.integrity import Digest, take_digest, verify
from subsidy.domain.actor import Role

from builders import World


def test_the_api_serves_the_digest_to_auditors() -> None:
    with api("memory://") as (client, engine):
        World.build(engine)
        auditor = bearer(engine, "auditor", Role.AUDITOR)
        finance = bearer(engine, "fin", Role.FINANCE)

        served = client.get("/api/v1/audit/digest", headers=auditor)
        refused = client.get("/api/v1/audit/digest", headers=finance)

        assert served.status_code == 200
        digest = Digest(**served.json())
        assert (digest.position, digest.link) == (
            take_digest(engine).position,
            take_digest(engine).link,
        )
        assert verify(engine, digest).ok
        assert refused.status_code == 403
