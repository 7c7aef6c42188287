"""The supervisor runs a playbook server beside its workers (``LOCUS_LCM_PLAYBOOKS=server``,
the default) and tells the workers where it is; ``exec`` runs none."""

from __future__ import annotations

from pathlib import Path

import pytest

from locus_iac.catalogue import Database
from locus_iac.config.playbook_server import SOCKET_ENV, accepts
from locus_iac.errors import ValidationError
from locus_iac.lcm.settings import LcmSettings
from locus_iac.lcm.supervisor import PLAYBOOK_LOG, Supervisor

from .runners import FILE_RUNNER, FileControlledRunner


def test_the_supervisor_runs_a_playbook_server_while_it_runs(
    db: Database, lcm_settings: LcmSettings, runner: FileControlledRunner
) -> None:
    sock = lcm_settings.data_dir / "ansible.sock"
    supervisor = Supervisor(db, lcm_settings, FILE_RUNNER, runner)
    supervisor.start()
    try:
        assert accepts(sock)
        assert sock.stat().st_mode & 0o777 == 0o600
    finally:
        supervisor.stop()
    assert not sock.exists()
    assert "stopped" in (lcm_settings.data_dir / PLAYBOOK_LOG).read_text()


def test_exec_runs_no_playbook_server(
    db: Database, lcm_settings: LcmSettings, runner: FileControlledRunner
) -> None:
    settings = lcm_settings.model_copy(update={"playbooks": "exec"})
    supervisor = Supervisor(db, settings, FILE_RUNNER, runner)
    supervisor.start()
    try:
        assert not (settings.data_dir / "ansible.sock").exists()
    finally:
        supervisor.stop()


def test_workers_are_told_the_socket_and_only_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOCKET_ENV, "/elsewhere/ansible.sock")  # not this server's
    settings = LcmSettings(database_url="sqlite://", data_dir=tmp_path)
    assert SOCKET_ENV not in settings.worker_env()
    served = settings.model_copy(update={"playbook_socket": tmp_path / "ansible.sock"})
    assert served.worker_env()[SOCKET_ENV] == str(tmp_path / "ansible.sock")


def test_the_playbook_mode_comes_from_its_variable() -> None:
    settings = LcmSettings.from_env("sqlite://", Path("d"), {"LOCUS_LCM_PLAYBOOKS": "exec"})
    assert settings.playbooks == "exec"
    with pytest.raises(ValidationError) as caught:
        LcmSettings.from_env("sqlite://", Path("d"), {"LOCUS_LCM_PLAYBOOKS": "fork"})
    assert [issue.path for issue in caught.value.issues] == ["/LOCUS_LCM_PLAYBOOKS"]
