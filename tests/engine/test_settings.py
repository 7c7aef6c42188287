"""Engine settings: an engine built into the tools dir runs with its plugins and host."""

from __future__ import annotations

from pathlib import Path

from locus_iac.engine.settings import EngineSettings, tools_env


def _tools(tmp_path: Path) -> Path:
    tools = tmp_path / "tools"
    (tools / "bin").mkdir(parents=True)
    (tools / "pulumi-home" / "plugins").mkdir(parents=True)
    binary = tools / "bin" / "pulumi"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    return tools


def test_engine_from_tools_dir_gets_its_bin_and_plugin_home(tmp_path: Path) -> None:
    tools = _tools(tmp_path)
    env = {"LOCUS_TOOLS_DIR": str(tools), "PATH": "/usr/bin"}
    settings = EngineSettings.from_env(tmp_path / "data", env)
    assert settings.pulumi_binary == tools / "bin" / "pulumi"
    engine_env = settings.engine_env()
    assert engine_env["PATH"] == f"{tools / 'bin'}:/usr/bin"
    home = Path(engine_env["PULUMI_HOME"])  # the data dir's own, with the tools' plugins
    assert home == (tmp_path / "data" / "pulumi-home").resolve()
    assert (home / "plugins").resolve() == tools / "pulumi-home" / "plugins"
    assert (home / "logs").is_file()  # no automatic debug log of the CLI


def test_another_backend_keeps_the_usual_home(tmp_path: Path) -> None:
    """A ``pulumi login`` of another backend keeps its credentials in the usual home."""
    tools = _tools(tmp_path)
    env = {"LOCUS_TOOLS_DIR": str(tools), "PATH": "/usr/bin", "PULUMI_BACKEND_URL": "s3://b"}
    settings = EngineSettings.from_env(tmp_path / "data", env)
    assert settings.engine_env()["PULUMI_HOME"] == str(tools / "pulumi-home")
    assert not (tmp_path / "data" / "pulumi-home").exists()


def test_explicit_pulumi_home_is_kept(tmp_path: Path) -> None:
    tools = _tools(tmp_path)
    env = {"LOCUS_TOOLS_DIR": str(tools), "PATH": "/usr/bin", "PULUMI_HOME": "/elsewhere"}
    assert "PULUMI_HOME" not in tools_env(tools / "bin" / "pulumi", env)


def test_engine_on_path_changes_nothing(tmp_path: Path) -> None:
    tools = _tools(tmp_path)
    env = {"LOCUS_TOOLS_DIR": str(tools), "PATH": "/usr/bin"}
    assert tools_env(Path("/usr/local/bin/pulumi"), env) == {}
    assert tools_env(None, env) == {}


def test_the_engine_s_go_runtime_collects_less_often_unless_told_otherwise(
    tmp_path: Path,
) -> None:
    assert EngineSettings.from_env(tmp_path / "a", {}).engine_env()["GOGC"] == "400"
    told = EngineSettings.from_env(tmp_path / "b", {"GOGC": "100"}).engine_env()
    assert "GOGC" not in told  # the CLI inherits the operator's own setting
