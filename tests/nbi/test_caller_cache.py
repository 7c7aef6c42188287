"""Bearer tokens resolved once and reused for a moment (:mod:`locus_iac.nbi.callers`): a hit
asks no database, and any identity write of this process is seen by the next request."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from locus_iac.catalogue import Caller, Database
from locus_iac.catalogue.models import TokenRow, UserRow
from locus_iac.nbi import callers

from .harness import Api

LIST = "/vnfpkgm/v1/vnf_packages"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token resolution that reached the catalogue (the token's first characters)."""
    seen: list[str] = []
    real = callers._authenticate

    def counting(db: Database, token: str) -> Caller:
        seen.append(token[:6])
        return real(db, token)

    monkeypatch.setattr(callers, "_authenticate", counting)
    return seen


def _db(api: Api) -> Database:
    db = api.client.app.state.services.db  # type: ignore[attr-defined]
    assert isinstance(db, Database)
    return db


def test_a_resolved_token_is_not_looked_up_again(api: Api, lookups: list[str]) -> None:
    for _ in range(3):
        assert api.get(LIST).status_code == 200
    assert len(lookups) == 1


def test_an_unknown_token_is_looked_up_every_time(api: Api, lookups: list[str]) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    for _ in range(2):
        assert api.client.get(LIST, headers=bad).status_code == 401
    assert len(lookups) == 2


def test_a_role_change_written_by_this_process_is_seen_at_once(api: Api) -> None:
    assert api.get("/admin/v1/users").status_code == 200  # resolved and kept: an admin
    with _db(api).session() as session:  # a write outside the NBI's routes (ORM flush)
        admin = session.query(UserRow).filter_by(username="admin").one()
        admin.is_admin = False
    assert api.get("/admin/v1/users").status_code == 403
    assert api.get(LIST).status_code == 200  # still a valid token, no longer an admin


def test_a_bulk_revocation_is_seen_at_once(api: Api) -> None:
    assert api.get(LIST).status_code == 200
    with _db(api).session() as session:  # a bulk UPDATE (no objects flushed)
        session.execute(update(TokenRow).values(revoked=True))
    assert api.get(LIST).status_code == 401


def test_a_rolled_back_write_keeps_the_cache(api: Api, lookups: list[str]) -> None:
    assert api.get(LIST).status_code == 200
    with pytest.raises(RuntimeError), _db(api).session() as session:
        session.execute(update(TokenRow).values(revoked=True))
        raise RuntimeError("abandon")
    assert api.get(LIST).status_code == 200
    assert len(lookups) == 1


def test_a_kept_caller_expires_after_the_ttl(api: Api, lookups: list[str]) -> None:
    api.client.app.state.services.callers.ttl = 0.0  # type: ignore[attr-defined]
    for _ in range(2):
        assert api.get(LIST).status_code == 200
    assert len(lookups) == 2
