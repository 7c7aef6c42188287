"""The Automation API driver against the real Pulumi engine on a local file:// backend."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from locus_iac.engine import (
    PROJECT,
    EngineSettings,
    ProgressRecord,
    ResourceCounts,
    ResourceEvent,
    ResourcePhase,
    StackDriver,
    StackProgress,
    SummaryRecord,
    find_pulumi,
)
from locus_iac.engine import driver as driver_module
from locus_iac.errors import Issue, NotFound, PermanentError, RetryableError, ValidationError

PULUMI = find_pulumi()
needs_pulumi = pytest.mark.skipif(
    PULUMI is None,
    reason="pulumi CLI not on PATH nor in ${LOCUS_TOOLS_DIR:-~/.cache/locus-iac/tools}/bin "
    "(scripts/bootstrap-tools builds it)",
)


class Box(pulumi.ComponentResource):
    """A resource without a provider: the engine creates, keeps and deletes it for real."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("locus:test:Box", name, None, opts)
        self.register_outputs({})


def program_with(boxes: int, fail: bool = False) -> object:
    def program() -> None:
        if fail:
            raise RuntimeError("the program is broken")
        for i in range(boxes):
            Box(f"vdu-{i}")
        pulumi.export(
            "management", {"vnf1": {f"vdu-{i}": f"169.254.9.{i + 2}" for i in range(boxes)}}
        )
        pulumi.export("token", pulumi.Output.secret("s3cr3t-value"))

    return program


@pytest.fixture
def driver(tmp_path: Path) -> StackDriver:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(Path.home())}
    if "LOCUS_TOOLS_DIR" in os.environ:
        env["LOCUS_TOOLS_DIR"] = os.environ["LOCUS_TOOLS_DIR"]
    return StackDriver(EngineSettings.from_env(tmp_path / "data", env))


def test_settings_default_backend_and_a_private_key_file(tmp_path: Path) -> None:
    settings = EngineSettings.from_env(tmp_path / "data", {"PATH": ""})
    assert settings.backend_url == (tmp_path / "data" / "pulumi-state").resolve().as_uri()
    key = tmp_path / "data" / "pulumi-passphrase"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert settings.passphrase not in repr(settings)
    again = EngineSettings.from_env(tmp_path / "data", {"PATH": ""})
    assert again.passphrase == settings.passphrase
    env = {"PATH": "", "PULUMI_BACKEND_URL": "file:///elsewhere", "LOCUS_PULUMI_PASSPHRASE": "p"}
    given = EngineSettings.from_env(tmp_path / "other", env)
    assert (given.backend_url, given.passphrase) == ("file:///elsewhere", "p")
    assert not (tmp_path / "other" / "pulumi-passphrase").exists()
    engine_env = given.engine_env()
    assert engine_env["PULUMI_SKIP_UPDATE_CHECK"] == "true"
    assert engine_env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] == "true"


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pulumi-passphrase").write_text("x\n")
    (tmp_path / "pulumi-passphrase").chmod(0o644)
    with pytest.raises(PermanentError, match="readable by others"):
        EngineSettings.from_env(tmp_path, {"PATH": ""})


def test_stack_names_are_checked(driver: StackDriver) -> None:
    with pytest.raises(ValidationError) as caught:
        driver.outputs("../escape")
    assert caught.value.issues[0].path == "/nsInstanceId"


@needs_pulumi
def test_lifecycle_preview_up_refresh_destroy(
    driver: StackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="locus_iac")
    seen: list[ProgressRecord] = []
    assert not driver.exists("ns-a")  # a new NS instance has no stack yet
    preview = driver.preview("ns-a", program_with(2), on_progress=seen.append)
    assert preview.counts.created == 3  # the stack itself and two boxes
    assert any(isinstance(r, ResourceEvent) and r.planning for r in seen)

    seen.clear()
    up = driver.up("ns-a", program_with(2), on_progress=seen.append, op_occ_id="op-1")
    assert up.counts == ResourceCounts(created=3)
    progress = StackProgress()
    for record in seen:
        progress = progress.apply(record)
    assert progress.finished and progress.counts == up.counts
    names = {r.name for r in seen if isinstance(r, ResourceEvent) and r.phase is ResourcePhase.DONE}
    assert {"vdu-0", "vdu-1"} <= names
    assert isinstance(seen[-1], SummaryRecord)
    assert up.outputs.get("management") == {
        "vnf1": {"vdu-0": "169.254.9.2", "vdu-1": "169.254.9.3"}
    }
    assert up.outputs.values["token"].secret
    assert "s3cr3t-value" not in repr(up.outputs)
    assert up.outputs.public()["token"] == "[secret]"
    work_dir = driver.settings.workspaces_dir / "ns-a"
    assert (work_dir / "Pulumi.yaml").read_text().count(PROJECT) == 1
    assert "[ns=ns-a op=op-1]" in caplog.text
    assert driver.exists("ns-a")

    grown = driver.up("ns-a", program_with(3))
    assert (grown.counts.created, grown.counts.same) == (1, 3)
    assert driver.outputs("ns-a").get("management")["vnf1"]["vdu-2"] == "169.254.9.4"

    refreshed = driver.refresh("ns-a")
    assert refreshed.counts.failed == 0

    state_dir = Path(driver.settings.backend_url.removeprefix("file://"))
    for path in state_dir.rglob("*.json"):
        assert "s3cr3t-value" not in path.read_text()  # secrets are encrypted at rest

    gone = driver.destroy("ns-a")
    assert gone.counts.deleted == 4
    assert not work_dir.exists()
    assert not driver.exists("ns-a")
    assert not work_dir.exists()  # asking created nothing
    with pytest.raises(NotFound):
        driver.outputs("ns-a")


def _count_cli_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every CLI run of the Automation API from now on, by its first arguments."""
    runs: list[str] = []
    original = auto.PulumiCommand.run

    def counting(self: auto.PulumiCommand, args: list[str], *rest: object) -> object:
        words = list(args)
        while words and words[0].startswith("-"):
            words.pop(0)
        command = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
        runs.append(" ".join(words[:command]))
        return original(self, args, *rest)  # type: ignore[arg-type]

    def asking_version(self: auto.PulumiCommand, *args: object, **kwargs: object) -> None:
        runs.append("version")  # the constructor runs ``pulumi version``
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]

    original_init = auto.PulumiCommand.__init__
    monkeypatch.setattr(auto.PulumiCommand, "run", counting)
    monkeypatch.setattr(auto.PulumiCommand, "__init__", asking_version)
    return runs


@needs_pulumi
def test_instantiate_runs_the_cli_for_init_and_up_only(
    driver: StackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """exists + up of a new NS: init, up; ``version`` at most once per data dir; whether the
    stack exists comes from the local backend's files; the outputs and counts from up's
    events (no ``stack output`` / ``stack history`` runs)."""
    driver.up("ns-warm", program_with(0))  # the backend gets its layout; the version is asked
    driver_module._pulumi_command.cache_clear()  # a new process: the version file answers
    runs = _count_cli_runs(monkeypatch)
    assert not driver.exists("ns-c")
    up = driver.up("ns-c", program_with(2))
    assert runs == ["stack init ns-c", "up"], runs
    assert up.counts == ResourceCounts(created=3)
    assert up.outputs.get("management") == {
        "vnf1": {"vdu-0": "169.254.9.2", "vdu-1": "169.254.9.3"}
    }
    assert up.outputs.values["token"].secret
    assert up.outputs.public() == driver.outputs("ns-c").public()  # same as the CLI says
    runs.clear()
    assert driver.exists("ns-c")
    again = driver.up("ns-c", program_with(2))  # an existing stack is neither created nor selected
    assert runs == ["up"], runs
    assert again.counts.same == 3
    runs.clear()
    assert driver.refresh("ns-c").counts.same == 3
    assert runs == ["refresh"], runs
    runs.clear()
    assert driver.destroy("ns-c").counts.deleted == 3
    assert runs == ["destroy", "stack rm"], runs
    runs.clear()
    assert not driver.exists("ns-c")
    with pytest.raises(NotFound):
        driver.refresh("ns-c")  # a missing stack is still NotFound (the CLI says so)
    assert runs == ["stack select"], runs


@needs_pulumi
def test_without_a_readable_backend_layout_the_cli_answers(
    driver: StackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backend whose files this does not read (here: a fresh one, without ``meta.yaml``)
    is asked through the CLI; once the CLI has written the layout file, the files answer."""
    meta = Path(driver.settings.backend_url.removeprefix("file://")) / ".pulumi" / "meta.yaml"
    assert not meta.exists()
    runs = _count_cli_runs(monkeypatch)
    assert not driver.exists("ns-d")
    assert runs == ["version", "stack select"], runs  # a new data dir: the version is asked
    assert meta.is_file()
    runs.clear()
    driver.up("ns-d", program_with(1))
    assert runs == ["stack init ns-d", "up"], runs
    assert driver.destroy("ns-d").counts.deleted == 2


@needs_pulumi
def test_without_the_events_results_come_from_the_cli(
    driver: StackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the engine's events miss the outputs or the summary, the CLI is asked."""
    monkeypatch.setattr(driver_module._UpFacts, "see", lambda self, event: None)
    up = driver.up("ns-f", program_with(1))
    assert up.counts == ResourceCounts(created=2)
    assert up.outputs.get("management") == {"vnf1": {"vdu-0": "169.254.9.2"}}
    assert up.outputs.public()["token"] == "[secret]"
    assert driver.destroy("ns-f").counts.deleted == 2


@needs_pulumi
def test_program_error_is_permanent_and_names_no_secret(driver: StackDriver) -> None:
    with pytest.raises(PermanentError) as caught:
        driver.up("ns-b", program_with(1, fail=True))
    assert "the program is broken" in caught.value.message
    assert driver.settings.passphrase not in caught.value.message


@needs_pulumi
def test_a_locus_error_of_the_program_comes_back_unchanged(driver: StackDriver) -> None:
    def program() -> None:
        raise ValidationError("bad plan", [Issue("/vnfs/0/site", "unknown-site", "no such site")])

    with pytest.raises(ValidationError) as caught:
        driver.preview("ns-e", program)
    assert caught.value.issues == (Issue("/vnfs/0/site", "unknown-site", "no such site"),)


@needs_pulumi
def test_clear_pending_operations_unblocks_the_stack(driver: StackDriver) -> None:
    driver.up("ns-c", program_with(1))
    # What a killed engine leaves behind: a pending create in the checkpoint file (an
    # `import` would drop it, so it is written into the file backend's state directly).
    backend = Path(driver.settings.backend_url.removeprefix("file://"))
    checkpoint = backend / ".pulumi" / "stacks" / PROJECT / "ns-c.json"
    state = json.loads(checkpoint.read_text())
    latest = state["checkpoint"]["latest"]
    box = next(r for r in latest["resources"] if r["type"] == "locus:test:Box")
    latest["pending_operations"] = [{"resource": box, "type": "creating"}]
    checkpoint.write_text(json.dumps(state))
    [pending] = driver.pending_operations("ns-c")
    assert (pending.type, pending.resource_type) == ("creating", "locus:test:Box")
    assert pending.urn.endswith("::vdu-0")

    assert driver.clear_pending_operations("ns-c") == 1
    assert driver.pending_operations("ns-c") == []
    assert driver.clear_pending_operations("ns-c") == 0
    assert driver.up("ns-c", program_with(1)).counts.same == 2
    driver.destroy("ns-c")


@needs_pulumi
def test_a_second_update_meets_the_lock_and_is_retryable(driver: StackDriver) -> None:
    started, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def slow() -> None:
        started.set()
        release.wait(timeout=60)
        program_with(1)()

    def first() -> None:
        try:
            outcome.append(driver.up("ns-d", slow))
        except Exception as exc:  # recorded for the assertion below
            outcome.append(exc)

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert started.wait(timeout=60)
        with pytest.raises(RetryableError, match="locked") as caught:
            driver.up("ns-d", program_with(1))
        assert caught.value.delay > 0
        locks = Path(driver.settings.backend_url.removeprefix("file://")) / ".pulumi" / "locks"
        assert list(locks.rglob("*.json"))
        driver.cancel("ns-d")
        assert not list(locks.rglob("*.json"))  # the file backend's cancel drops the lock
    finally:
        release.set()
        worker.join(timeout=120)
    assert len(outcome) == 1


@needs_pulumi
def test_a_failing_progress_observer_does_not_break_the_run(
    driver: StackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_: ProgressRecord) -> None:
        raise OSError("database is gone")

    result = driver.preview("ns-f", program_with(1), on_progress=broken)
    assert result.counts.created == 2
    assert result.records
    assert "progress callback failed" in caplog.text


@needs_pulumi
def test_two_instances_run_in_parallel_in_their_own_stacks(driver: StackDriver) -> None:
    results: dict[str, object] = {}

    def run(ns: str, boxes: int) -> None:
        try:
            results[ns] = driver.up(ns, program_with(boxes))
        except Exception as exc:  # recorded for the assertion below
            results[ns] = exc

    threads = [threading.Thread(target=run, args=(f"ns-p{i}", i + 1)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    created = {ns: getattr(r, "counts", r) for ns, r in results.items()}
    assert created == {"ns-p0": ResourceCounts(created=2), "ns-p1": ResourceCounts(created=3)}
    assert driver.outputs("ns-p0").get("management") == {"vnf1": {"vdu-0": "169.254.9.2"}}
    assert len(driver.outputs("ns-p1").get("management")["vnf1"]) == 2
    for ns in results:
        driver.destroy(ns)
