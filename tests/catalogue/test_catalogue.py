"""Repositories of the catalogue on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import socket
import stat
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select

from locus_iac import catalogue as cat
from locus_iac.catalogue.database import MIGRATIONS
from locus_iac.catalogue.models import Base, PackageRow
from locus_iac.catalogue.states import OnboardingState, PackageKind, check_transition
from locus_iac.errors import (
    AuthError,
    Conflict,
    Forbidden,
    Issue,
    NotFound,
    PermanentError,
    RetryableError,
    ValidationError,
)

HOUR = timedelta(hours=1)


class FakeInspector:
    """Test double: descriptors are ``kind:id[:ref,ref]`` strings; refs name VNFDs."""

    def inspect(self, data: bytes, name: str) -> cat.Inspected:
        parts = data.decode().split(":")
        if len(parts) < 2:
            raise ValidationError("bad", [Issue("", "bad", "not kind:id")])
        refs = parts[2].split(",") if len(parts) > 2 and parts[2] else []
        return cat.Inspected(
            kind=PackageKind(parts[0]),
            descriptor_id=parts[1],
            name=parts[1],
            version="1",
            provider="p",
            descriptor_yaml=data.decode(),
            references=tuple(
                cat.Reference(PackageKind.VNFD, r, f"/nsd/vnfd-id/{i}") for i, r in enumerate(refs)
            ),
        )

    def cross_check(
        self, subject: cat.Inspected, known: Mapping[tuple[PackageKind, str], str]
    ) -> list[Issue]:
        return []


def _project(db: cat.Database) -> str:
    with db.session() as session:
        cat.ensure_admin(session, "pw")
        return cat.find_project(session, "admin").id


def _all_models() -> MetaData:
    """The ORM metadata with every table of the catalogue package (each module imported)."""
    for module in pkgutil.iter_modules(cat.__path__, f"{cat.__name__}."):
        if not module.ispkg:
            importlib.import_module(module.name)
    return Base.metadata


def test_migrations_build_exactly_the_orm_schema(db: cat.Database) -> None:
    """Not a list of tables the test knows: every table, column, type and index of every
    model, compared by alembic with what the migrations made (empty diff)."""
    metadata = _all_models()
    assert len(metadata.tables) >= 10
    db.migrate()
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_migrations_are_idempotent_and_reversible(db: cat.Database) -> None:
    db.migrate()
    tables = set(inspect(db.engine).get_table_names())
    assert tables == set(_all_models().tables) | {"alembic_version"}
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert inspect(db.engine).get_table_names() == ["alembic_version"]
    db.migrate()
    assert "software_version" in {c["name"] for c in inspect(db.engine).get_columns("packages")}


def test_state_transitions() -> None:
    check_transition(OnboardingState.CREATED, OnboardingState.UPLOADING)
    check_transition(OnboardingState.PROCESSING, OnboardingState.ONBOARDED)
    with pytest.raises(Conflict, match="uploaded once"):
        check_transition(OnboardingState.ONBOARDED, OnboardingState.UPLOADING)
    with pytest.raises(Conflict):
        check_transition(OnboardingState.CREATED, OnboardingState.ONBOARDED)


def test_identity(db: cat.Database) -> None:
    with db.session() as session, pytest.raises(AuthError, match="LOCUS_ADMIN_PASSWORD"):
        cat.ensure_admin(session, None)
    project = _project(db)
    with db.session() as session:
        assert cat.ensure_admin(session, "other") is False  # the password is not reset
        cat.create_project(session, "uma")
        cat.create_user(session, "bob", "bob-pw", ["uma"])
        with pytest.raises(Conflict):
            cat.create_user(session, "bob", "x", [])
    with db.session() as session:
        with pytest.raises(AuthError):
            cat.issue_token(session, "bob", "wrong", None, HOUR)
        with pytest.raises(AuthError):
            cat.issue_token(session, "nobody", "bob-pw", None, HOUR)
        with pytest.raises(Forbidden):
            cat.issue_token(session, "bob", "bob-pw", project, HOUR)
        issued = cat.issue_token(session, "bob", "bob-pw", "uma", HOUR)
    assert issued.caller.project_name == "uma" and not issued.caller.admin
    with db.session() as session:
        assert cat.authenticate(session, issued.secret).username == "bob"
        cat.update_user(session, "bob", password="new-pw", projects=None)
    with db.session() as session, pytest.raises(AuthError):
        cat.authenticate(session, issued.secret)  # a password change revokes tokens
    with db.session() as session, pytest.raises(Conflict):
        cat.delete_project(session, "admin")


def test_one_shot_onboarding_and_usage(db: cat.Database) -> None:
    project = _project(db)
    inspector = FakeInspector()
    with pytest.raises(ValidationError) as missing:
        cat.onboard_new(
            db,
            inspector,
            project_id=project,
            kind=PackageKind.NSD,
            data=b"nsd:ns1:vnf1",
            content_type="text/plain",
        )
    assert [i.code for i in missing.value.issues] == ["reference-not-onboarded"]
    assert missing.value.issues[0].path == "/nsd/vnfd-id/0"
    with db.session() as session:
        assert session.scalars(select(PackageRow)).all() == []
    vnf = cat.onboard_new(
        db,
        inspector,
        project_id=project,
        kind=PackageKind.VNFD,
        data=b"vnfd:vnf1",
        content_type="text/plain",
    )
    ns = cat.onboard_new(
        db,
        inspector,
        project_id=project,
        kind=PackageKind.NSD,
        data=b"nsd:ns1:vnf1",
        content_type="text/plain",
    )
    with db.session() as session:
        assert cat.in_use(session, project, PackageKind.VNFD, ["vnf1", "other"]) == {"vnf1"}
        assert cat.referenced_packages(session, [ns.id]) == {ns.id: [vnf.id]}
        with pytest.raises(Conflict, match="in use by ns1"):
            cat.delete_package(session, project, PackageKind.VNFD, vnf.id)
    holder = rf"already in this project \({vnf.id}\)"  # the 409 names the package holding it
    with pytest.raises(Conflict, match=holder):
        cat.onboard_new(
            db,
            inspector,
            project_id=project,
            kind=PackageKind.VNFD,
            data=b"vnfd:vnf1",
            content_type="text/plain",
        )
    with db.session() as session:
        empty = cat.create_package(session, project, PackageKind.VNFD, name="again")
    with pytest.raises(Conflict, match=holder):
        cat.upload_content(
            db,
            inspector,
            project_id=project,
            kind=PackageKind.VNFD,
            package_id=empty.id,
            data=b"vnfd:vnf1",
            content_type="text/plain",
        )
    with db.session() as session:  # nothing of either duplicate was kept
        rows = {r.id: r.onboarding_state for r in session.scalars(select(PackageRow))}
    assert rows == {
        vnf.id: OnboardingState.ONBOARDED.value,
        ns.id: OnboardingState.ONBOARDED.value,
        empty.id: OnboardingState.CREATED.value,
    }


def test_two_step_upload_rolls_back_to_created(db: cat.Database) -> None:
    project = _project(db)
    with db.session() as session:
        row = cat.create_package(session, project, PackageKind.VNFD, name="x")
    with pytest.raises(ValidationError):
        cat.upload_content(
            db,
            FakeInspector(),
            project_id=project,
            kind=PackageKind.VNFD,
            package_id=row.id,
            data=b"garbage",
            content_type="text/plain",
        )
    with pytest.raises(ValidationError, match="expected a VNF package"):
        cat.upload_content(
            db,
            FakeInspector(),
            project_id=project,
            kind=PackageKind.VNFD,
            package_id=row.id,
            data=b"nsd:n",
            content_type="text/plain",
        )
    with db.session() as session:
        again = cat.get_package(session, project, PackageKind.VNFD, row.id)
        assert again.onboarding_state == "CREATED" and again.descriptor_id is None
        assert again.updated_at == row.updated_at
    cat.upload_content(
        db,
        FakeInspector(),
        project_id=project,
        kind=PackageKind.VNFD,
        package_id=row.id,
        data=b"vnfd:v",
        content_type="text/plain",
    )
    with db.session() as session:
        done = cat.get_package(session, project, PackageKind.VNFD, row.id)
        assert done.onboarding_state == "ONBOARDED"
        assert cat.read_content(session, done) == b"vnfd:v"
        with pytest.raises(NotFound):
            cat.get_package(session, "another-project", PackageKind.VNFD, row.id)


def test_a_stale_claim_loses(db: cat.Database) -> None:
    project = _project(db)
    with db.session() as session:
        row = cat.create_package(session, project, PackageKind.NSD)
    with db.session() as first:
        cat.claim_upload(first, cat.get_package(first, project, PackageKind.NSD, row.id))
    with db.session() as second, pytest.raises(Conflict):
        cat.claim_upload(second, row)  # row still says CREATED; the database does not


def test_paging(db: cat.Database) -> None:
    project = _project(db)
    with db.session() as session:
        made = [cat.create_package(session, project, PackageKind.NST).id for _ in range(5)]
    seen: list[str] = []
    marker = None
    while True:
        with db.session() as session:
            page = cat.list_packages(session, project, PackageKind.NST, marker=marker, limit=2)
        seen += [r.id for r in page.rows]
        if page.next_marker is None:
            break
        marker = page.next_marker
    assert seen == made
    with db.session() as session, pytest.raises(ValidationError):
        cat.list_packages(session, project, PackageKind.NST, marker="!!", limit=2)


def test_list_and_get_rows_key_alike_without_parsing_json(db: cat.Database) -> None:
    """A list's plain rows and a get's share a cached representation (the NBI's render cache
    key, JSON columns as stored text), as does the ORM row; the key differs once the package
    changes, and :func:`package_of` parses the JSON columns back."""
    from locus_iac.nbi.render_cache import row_key

    project = _project(db)
    with db.session() as session:
        made = cat.create_package(session, project, PackageKind.VNFD, user_defined_data={"a": 1})
    with db.session() as session:
        listed = cat.list_packages(session, project, PackageKind.VNFD, marker=None, limit=5)
        shown = cat.get_shown(session, project, PackageKind.VNFD, made.id)
        assert not shown.in_use and listed.in_use == frozenset()
        assert [r.id for r in listed.rows] == [made.id]
        assert isinstance(shown.user_defined_data, str)  # not parsed
        assert row_key(listed.rows[0]) == row_key(shown)
        assert cat.package_of(shown).user_defined_data == {"a": 1}
        row = cat.get_package(session, project, PackageKind.VNFD, made.id)
        assert row_key(row) == row_key(shown)
        cat.modify_package(row, operational_state=None, user_defined_data={"a": 2})
    with db.session() as session:
        again = cat.list_packages(session, project, PackageKind.VNFD, marker=None, limit=5)
        assert row_key(again.rows[0]) != row_key(listed.rows[0])
        assert cat.package_of(again.rows[0]).user_defined_data == {"a": 2}
    with db.session() as session, pytest.raises(NotFound):
        cat.get_shown(session, project, PackageKind.NSD, made.id)  # another kind


def test_secret_box(tmp_path: Path) -> None:
    box = cat.SecretBox.from_data_dir(tmp_path)
    key = tmp_path / "secret.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    # long enough that the token's random base64 never holds it by chance ("pw" did, ~2 % of runs)
    secret = "vim-secret-0f9e8d7c6b5a"
    sealed = box.seal({"vim_password": secret})
    assert secret.encode() not in sealed
    assert cat.SecretBox.from_data_dir(tmp_path).open(sealed) == {"vim_password": secret}
    other = cat.SecretBox.from_data_dir(tmp_path / "other")
    with pytest.raises(PermanentError):
        other.open(sealed)
    with pytest.raises(PermanentError):
        cat.SecretBox(b"not a key")


def test_unreachable_database_is_retryable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket closes
    db = cat.Database(f"postgresql+psycopg://u:p@127.0.0.1:{port}/none?connect_timeout=2")
    with pytest.raises(RetryableError, match="unavailable") as caught, db.session() as session:
        session.execute(select(PackageRow))
    assert "u:p" not in str(caught.value)
    with pytest.raises(PermanentError, match="cannot migrate"):
        db.migrate()
    db.dispose()
